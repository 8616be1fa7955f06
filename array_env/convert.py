"""Convert nested observations, actions and infos between array namespaces and devices.

:func:`to_namespace` walks a tree of dicts, tuples, lists and namedtuples and converts every
array leaf to the target namespace and device. It tries DLPack first, which shares memory
whenever the source and target can address the same buffer:

=====================================  ==========================================================
pair                                   what happens
=====================================  ==========================================================
same namespace, same device            the array itself is returned
NumPy <-> PyTorch (CPU)                shared memory (DLPack)
NumPy, PyTorch, JAX, CuPy, strict      shared memory where DLPack allows it; JAX only shares a
                                       NumPy buffer that happens to be 64-byte aligned
PyTorch <-> JAX <-> CuPy (same GPU)    shared memory (DLPack)
=====================================  ==========================================================

The documented fallbacks, where sharing is impossible or unsafe:

* **read-only NumPy input** to PyTorch, JAX or CuPy: copied first. PyTorch would otherwise
  hand back a *writable* tensor aliasing the read-only buffer, and JAX refuses the export.
* **GPU to NumPy** (or to array-api-strict): one copy through the host.
* **NumPy to a GPU** (``device="cuda:0"``): one host-to-device copy.
* **PyTorch tensors that require grad** are detached (the values are shared, the graph is not).
* **NumPy scalars** (``np.float32(1.0)``) become 0-d arrays.
* **JAX without x64** canonicalises 64-bit dtypes to 32-bit (``float64`` -> ``float32``,
  ``int64`` -> ``int32``), as ``jax.numpy.asarray`` does; every other target keeps the dtype.

Python scalars, strings, bytes and ``None`` are left unchanged (Gymnasium turns Python numbers
into 0-d arrays; array_env does not, because moving a number to a device per step costs more
than it buys). NumPy object arrays (Gymnasium's vector ``final_obs``) are converted element by
element; NumPy string arrays are left unchanged. Any other leaf is an error.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat

from array_env._namespace import namespace_name, namespace_of, resolve_device, resolve_namespace
from array_env._tree import Path, format_path, tree_map_with_path
from array_env.typing import Device, DeviceLike, Namespace, NamespaceLike

__all__ = ["convert_array", "convert_tree", "to_namespace"]

_HOST_XP = resolve_namespace("numpy")
_PLAIN_LEAVES = (bool, int, float, complex, str, bytes, type(None))


def to_namespace(tree: Any, xp: NamespaceLike, device: DeviceLike | None = None) -> Any:
    """Convert every array in ``tree`` to the namespace ``xp``, on ``device``.

    Args:
        tree: An array, or nested dicts, tuples, lists and namedtuples holding arrays and plain
            values (``int``, ``float``, ``bool``, ``str``, ``bytes``, ``None``).
        xp: The target: a namespace, a backend module or a name such as ``"torch"``.
        device: The target device: a device object of the target backend or a string such as
            ``"cuda:0"``. ``None`` keeps the device DLPack gives (the source's, where the target
            can address it) and otherwise the target's default device.

    Returns:
        A tree with the same structure and container types, every array leaf converted.

    Raises:
        TypeError: If a leaf is neither an array nor a plain value; the message names its path.
        ValueError: If ``device`` does not exist here; the message lists the devices that do.

    Example:
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> obs = {"position": np.arange(3.0), "flags": (np.array([True]), "label")}
        >>> out = to_namespace(obs, xps, device="device1")
        >>> out["position"].device
        array_api_strict.Device('device1')
        >>> out["flags"][1]
        'label'
    """
    target = resolve_namespace(xp)
    target_device = None if device is None else resolve_device(target, device)
    return convert_tree(tree, xp=target, device=target_device)


def convert_tree(
    tree: Any, *, xp: Namespace[Any], device: Device | None, root: str = "tree"
) -> Any:
    """Convert a tree with an already resolved namespace and device (the wrappers' fast path).

    Args:
        tree: See :func:`to_namespace`.
        xp: A namespace returned by :func:`array_env.resolve_namespace`.
        device: A device returned by :func:`array_env.resolve_device`, or ``None``.
        root: The name of the tree used in error messages, e.g. ``"obs"``.

    Returns:
        The converted tree.
    """
    if compat.is_array_api_obj(tree):  # the common case of a bare array skips the walk
        return _convert_leaf((), tree, xp, device, root)
    return tree_map_with_path(lambda path, leaf: _convert_leaf(path, leaf, xp, device, root), tree)


def _convert_leaf(
    path: Path, leaf: Any, xp: Namespace[Any], device: Device | None, root: str
) -> Any:
    if isinstance(leaf, _PLAIN_LEAVES):
        return leaf
    if compat.is_numpy_array(leaf) and leaf.dtype.kind in "OUSV":
        if leaf.dtype.kind != "O":
            return leaf
        out = leaf.copy()
        for index, item in enumerate(leaf.flat):
            out.flat[index] = convert_tree(
                item, xp=xp, device=device, root=format_path((*path, index), root)
            )
        return out
    if compat.is_array_api_obj(leaf):
        return convert_array(leaf, xp=xp, device=device)
    raise TypeError(
        f"cannot convert {format_path(path, root)} of type {type(leaf).__module__}."
        f"{type(leaf).__qualname__} to {namespace_name(xp)}: expected an array, a dict, tuple "
        "or list of them, or a plain value (int, float, bool, str, bytes, None)"
    )


def convert_array(x: Any, *, xp: Namespace[Any], device: Device | None = None) -> Any:
    """Convert one array to ``xp`` on ``device``, sharing memory wherever DLPack allows.

    Args:
        x: An array of any supported backend (NumPy scalars are accepted).
        xp: A resolved target namespace.
        device: A resolved target device, or ``None`` (see :func:`to_namespace`).

    Returns:
        The array in ``xp``; the input itself when it already is in ``xp`` on ``device``.

    Example:
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> convert_array(np.arange(3), xp=xps).dtype
        array_api_strict.int64
    """
    if compat.is_numpy_array(x):
        if not hasattr(x, "__dlpack__"):  # a NumPy scalar has no DLPack export
            x = _HOST_XP.asarray(x)
        elif not x.flags.writeable and _refuses_read_only(xp):
            x = x.copy()
    elif compat.is_torch_array(x) and x.requires_grad:
        x = x.detach()
    if xp is namespace_of(x) and (device is None or _same_device(compat.device(x), device)):
        return x
    try:
        out = xp.from_dlpack(x) if device is None else xp.from_dlpack(x, device=device)
    except (BufferError, RuntimeError, TypeError, ValueError, NotImplementedError):
        out = _convert_through_host(x, xp, device)
    if device is not None and not _same_device(compat.device(out), device):
        out = compat.to_device(out, device)
    return out


def _refuses_read_only(xp: Namespace[Any]) -> bool:
    # NumPy and array-api-strict keep the read-only flag through DLPack; the others do not.
    return not (compat.is_numpy_namespace(xp) or compat.is_array_api_strict_namespace(xp))


def _same_device(a: Device, b: Device) -> bool:
    return bool(a == b) or str(a) == str(b)


def _convert_through_host(x: Any, xp: Namespace[Any], device: Device | None) -> Any:
    """Copy through a host NumPy array: the fallback when DLPack cannot share or move ``x``."""
    host: Any = x if compat.is_numpy_array(x) else compat.to_device(x, _host_device(x))
    try:
        host = _HOST_XP.from_dlpack(host)
    except (BufferError, RuntimeError, TypeError):
        host = _HOST_XP.asarray(host, copy=True)
    return xp.asarray(host, device=device)


def _host_device(x: Any) -> Device:
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        import array_api_strict

        return array_api_strict.Device("CPU_DEVICE")
    if compat.is_jax_array(x):
        import jax

        return jax.devices("cpu")[0]
    return "cpu"
