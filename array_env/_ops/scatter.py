"""Write values into a 1-D array at integer positions: ``x[index] = values``.

The standard has no integer-array assignment (array-api-strict refuses it). Native paths:
NumPy, PyTorch and CuPy assign in place into an array the caller owns; JAX uses ``.at[].set``.
The pure-standard fallback compares every position with every index (``O(len(x) * len(index))``)
and serves array-api-strict, i.e. the tests.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat

from array_env.typing import Namespace

__all__ = ["scatter_set"]


def scatter_set(x: Any, index: Any, values: Any, *, xp: Namespace[Any]) -> Any:
    """Return ``x`` with ``x[index[i]] = values[i]``; may write ``x`` in place (own it).

    Where an index repeats, which of its values lands is unspecified.

    Args:
        x: A 1-D array owned by the caller.
        index: A 1-D integer array of positions in ``x``.
        values: A 1-D array like ``index``, of ``x``'s dtype.
        xp: The namespace of all three.

    Examples:
        >>> import array_api_strict as xp
        >>> x = xp.zeros(4)
        >>> scatter_set(x, xp.asarray([3, 1]), xp.asarray([5.0, 7.0]), xp=xp)
        Array([0., 7., 0., 5.], dtype=array_api_strict.float64)
    """
    if compat.is_jax_namespace(xp):
        return x.at[index].set(values)
    if compat.is_array_api_strict_namespace(xp):
        positions = xp.arange(x.shape[0], dtype=index.dtype, device=compat.device(x))
        hits = xp.reshape(positions, (-1, 1)) == xp.reshape(index, (1, -1))
        zero = xp.zeros((), dtype=x.dtype, device=compat.device(x))
        picked = xp.sum(xp.where(hits, xp.reshape(values, (1, -1)), zero), axis=1, dtype=x.dtype)
        return xp.where(xp.any(hits, axis=1), picked, x)
    x[index] = values
    return x
