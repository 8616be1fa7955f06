"""Move a freshly drawn host array to a device without waiting for the device.

Environments draw their randomness on the host (``np_random``) and send it to the device once per
reset. A plain ``xp.asarray(host, device="cuda")`` in PyTorch copies with ``non_blocking=False``,
which synchronises the stream and trips ``torch.cuda.set_sync_debug_mode("error")``; the native
paths below enqueue the copy instead. CUDA stages pageable host memory before the call returns,
so the host buffer may be dropped straight away.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat

from array_env.typing import Device, Namespace

__all__ = ["host_to_device"]


def host_to_device(host: Any, *, xp: Namespace[Any], device: Device) -> Any:
    """Return the NumPy array ``host`` as an ``xp`` array on ``device``, copying asynchronously.

    Args:
        host: A NumPy array the caller will not write to again.
        xp: A resolved namespace.
        device: A resolved device of ``xp``.

    Returns:
        An ``xp`` array with the same values and dtype (NumPy returns ``host`` itself).

    Examples:
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> host_to_device(np.arange(3), xp=xps, device=xps.Device("device1")).device
        array_api_strict.Device('device1')
    """
    if compat.is_numpy_namespace(xp):
        return host
    if compat.is_torch_namespace(xp):
        import torch

        tensor = torch.from_numpy(host)
        return tensor if tensor.device == device else tensor.to(device, non_blocking=True)
    if compat.is_jax_namespace(xp):
        import jax

        return jax.device_put(host, device)
    return xp.asarray(host, device=device)
