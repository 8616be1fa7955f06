"""What counts as a host reward: the values Gymnasium's envs return besides arrays.

Python numbers (bool is an int) and NumPy scalars of any int or float type are one kind, as in
Gymnasium: BipedalWalker-v3 returns ``np.float32`` rewards and then the Python int -100 when it
falls, and a wrapper must take both in either order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_host_number"]

_HOST_NUMBERS = (int, float, np.integer, np.floating)


def is_host_number(x: object) -> bool:
    """Return whether ``x`` is a Python number or a NumPy int or float scalar.

    Examples:
        >>> import numpy as np
        >>> [is_host_number(x) for x in (1, 2.5, np.float32(1), np.zeros(()), "1", None)]
        [True, True, True, False, False, False]
    """
    return isinstance(x, _HOST_NUMBERS)
