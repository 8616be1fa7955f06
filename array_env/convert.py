"""Convert nested observations, actions and infos between array namespaces and devices.

:func:`to_namespace` walks a tree of mappings, tuples, lists and namedtuples and converts every
array leaf to the target namespace and device, sharing memory wherever source and target can
address the same buffer:

=====================================  ==========================================================
pair                                   what happens
=====================================  ==========================================================
same namespace, same device            the array itself is returned
NumPy <-> PyTorch (CPU)                shared memory (``torch.from_numpy`` / ``Tensor.numpy``)
JAX -> NumPy (CPU)                     shared memory; the NumPy view is read-only
NumPy, PyTorch, JAX, CuPy, strict      shared memory where DLPack allows it; JAX only shares a
                                       NumPy buffer that happens to be 64-byte aligned
PyTorch <-> JAX <-> CuPy (same GPU)    shared memory (DLPack)
=====================================  ==========================================================

The documented fallbacks, where sharing is impossible or unsafe:

* **read-only NumPy input** to PyTorch, JAX or CuPy: copied first. PyTorch would otherwise
  hand back a *writable* tensor aliasing the read-only buffer, and JAX refuses the export.
* **NumPy input with negative strides or a foreign byte order**: copied to a native C-ordered
  array first (DLPack cannot describe either; PyTorch aborts the process on negative strides).
* **non-contiguous input** to JAX: copied (JAX imports only compact layouts).
* **GPU to NumPy** (or to array-api-strict): one copy through the host.
* **NumPy to a GPU** (``device="cuda:0"``): one host-to-device copy.
* **PyTorch tensors that require grad** are detached (the values are shared, the graph is not).
* **NumPy scalars** (``np.float32(1.0)``) become 0-d arrays.
* **JAX without x64** canonicalises 64-bit dtypes to 32-bit (``float64`` -> ``float32``,
  ``int64`` -> ``int32``), as ``jax.numpy.asarray`` does; every other target keeps the dtype.
  A dtype the target cannot hold at all (PyTorch ``bfloat16`` to NumPy, ``float64`` on
  array-api-strict's ``no_float64`` device) is a ``TypeError`` naming the leaf.

Memory sharing means aliasing: a PyTorch tensor made from a JAX array writes into that JAX
array's buffer, which JAX assumes immutable. Copy (``tensor.clone()``) before writing in place.

Python scalars, strings, bytes and ``None`` are left unchanged (Gymnasium turns Python numbers
into 0-d arrays; array_env does not, because moving a number to a device per step costs more
than it buys). NumPy object arrays (Gymnasium's vector ``final_obs``) are converted element by
element; NumPy string arrays are left unchanged. Any other leaf is an error.

Mappings: ``dict`` and its subclasses keep their type (an ``OrderedDict`` its order, a
``defaultdict`` its factory, a ``Counter`` its keys with converted values), a ``ChainMap`` comes
back as a ``ChainMap`` of one dict holding its visible items, a ``MappingProxyType`` as a proxy
of a new dict. Any other ``Mapping`` is a ``TypeError`` naming its path (nothing says how to
build one). A NumPy masked array converts to NumPy unchanged; to any other namespace it is a
``TypeError`` naming its path, because no other backend has masks and dropping one silently
would hand masked-out values to the caller.

Speed: a :class:`TreeConverter` chooses a conversion strategy once per leaf type, so converting
a leaf on the hot path is one dict lookup and one call (``torch.from_numpy`` for NumPy to
PyTorch on the CPU). Wrappers build their converters once, in their constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

import array_api_compat as compat
import numpy as np

from array_env._namespace import device_name, namespace_name, resolve_device, resolve_namespace
from array_env._tree import (
    Path,
    format_path,
    is_rebuildable_mapping,
    rebuild_mapping,
    tree_map_with_path,
)
from array_env.typing import A, Array, Device, DeviceLike, Namespace, NamespaceLike

if TYPE_CHECKING:
    import jax
    import torch
    from numpy.typing import NDArray

__all__ = ["TreeConverter", "convert_array", "convert_tree", "to_namespace"]

_Strategy = Callable[[Any], Any]
_PLAIN_LEAVES = (bool, int, float, complex, str, bytes, type(None))
# Errors a backend raises when DLPack cannot hand a buffer over (jax's JaxRuntimeError is a
# RuntimeError); each sends the array down the copy-through-the-host path.
_DLPACK_ERRORS = (BufferError, RuntimeError, TypeError, ValueError, NotImplementedError)


class _UnconvertibleLeafError(Exception):
    """Raised inside a conversion; :class:`TreeConverter` re-walks the tree to name the path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_ArrayLike: TypeAlias = "Array | np.ndarray[Any, Any] | np.generic[Any]"
"""What the typed overloads of to_namespace take: NumPy arrays of a specific dtype (int64, bool)
do not satisfy the Array protocol's self-typed arithmetic, so they are listed on their own."""


# Typing: a single array converts to the target's array type when the target is a typed
# namespace or a backend name; trees and other targets give Any. The tree overload comes first
# and excludes arrays: an argument typed Any then gets Any (pyright takes the first match, mypy
# answers Any), and `np.ndarray` (which contains Any) matches only array overloads, all with the
# same parameter type, so mypy does not answer Any for it.
@overload
def to_namespace(
    tree: Mapping[Any, Any] | list[Any] | tuple[Any, ...] | complex | str | bytes | None,
    xp: NamespaceLike,
    device: DeviceLike | None = None,
) -> Any: ...
@overload
def to_namespace(tree: _ArrayLike, xp: Namespace[A], device: DeviceLike | None = None) -> A: ...
@overload
def to_namespace(
    tree: _ArrayLike, xp: Literal["torch"], device: DeviceLike | None = None
) -> torch.Tensor: ...
@overload
def to_namespace(
    tree: _ArrayLike, xp: Literal["jax"], device: DeviceLike | None = None
) -> jax.Array: ...
@overload
def to_namespace(
    tree: _ArrayLike, xp: Literal["numpy"], device: DeviceLike | None = None
) -> NDArray[Any]: ...
@overload
def to_namespace(tree: _ArrayLike, xp: NamespaceLike, device: DeviceLike | None = None) -> Any: ...
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
        TypeError: If a leaf is neither an array nor a plain value, or holds a dtype the target
            cannot represent; the message names its path and type.
        ValueError: If ``device`` does not exist here; the message lists the devices that do.

    Examples:
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> obs = {"position": np.arange(3.0), "flags": (np.array([True]), "label")}
        >>> out = to_namespace(obs, xps, device="device1")
        >>> out["position"].device
        array_api_strict.Device('device1')
        >>> out["flags"][1]
        'label'
    """
    return _converter(xp, device)(tree)


def convert_tree(
    tree: Any, *, xp: Namespace[Any], device: Device | None, root: str = "tree"
) -> Any:
    """Convert a tree with an already resolved namespace and device.

    Args:
        tree: See :func:`to_namespace`.
        xp: A namespace returned by :func:`array_env.resolve_namespace`.
        device: A device returned by :func:`array_env.resolve_device`, or ``None``.
        root: The name of the tree used in error messages, e.g. ``"obs"``.

    Returns:
        The converted tree.

    Examples:
        >>> import numpy as np
        >>> from array_env import resolve_namespace
        >>> out = convert_tree([np.ones(2), None], xp=resolve_namespace("numpy"), device=None)
        >>> out[1] is None
        True
    """
    return _converter(xp, device)(tree, root)


def convert_array(x: Any, *, xp: Namespace[Any], device: Device | None = None) -> Any:
    """Convert one array to ``xp`` on ``device``, sharing memory wherever possible.

    Args:
        x: An array of any supported backend (NumPy scalars are accepted).
        xp: A resolved target namespace.
        device: A resolved target device, or ``None`` (see :func:`to_namespace`).

    Returns:
        The array in ``xp``; the input itself when it already is in ``xp`` on ``device``.

    Examples:
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> convert_array(np.arange(3), xp=xps).dtype
        array_api_strict.int64
    """
    return _converter(xp, device)(x, "x")


_CONVERTERS: dict[tuple[Any, Any], TreeConverter] = {}


def _converter(xp: Any, device: Any) -> TreeConverter:
    """Return the shared converter for ``(xp, device)`` as the caller spelled them."""
    try:
        return _CONVERTERS[xp, device]
    except KeyError:
        converter = _CONVERTERS[xp, device] = TreeConverter(xp, device)
        return converter
    except TypeError:  # an unhashable spelling (an array given as ``xp``): nothing to cache by
        return TreeConverter(xp, device)


class TreeConverter:
    """Converts trees to one namespace and device, choosing a strategy once per leaf type.

    Build one per target and keep it: the namespace and device are resolved at construction and
    each leaf type's strategy on its first appearance. A converter pickles and deep-copies by
    the names of its namespace and device.

    Args:
        xp: The target: a namespace, a backend module or a name such as ``"torch"``.
        device: The target device (object or name such as ``"cuda:0"``), or ``None`` to keep
            the device DLPack gives.

    Raises:
        ValueError: If ``device`` does not exist here; the message lists the devices that do.

    Examples:
        >>> import numpy as np
        >>> to_strict = TreeConverter("array_api_strict", "device1")
        >>> to_strict({"a": np.zeros(2), "b": 3})["a"].device
        array_api_strict.Device('device1')
        >>> to_strict([object()], root="obs")
        Traceback (most recent call last):
        ...
        TypeError: cannot convert obs[0] of type builtins.object to array_api_strict: ...
    """

    def __init__(self, xp: NamespaceLike, device: DeviceLike | None = None) -> None:
        self.xp: Namespace[Any] = resolve_namespace(xp)
        self.device: Device | None = None if device is None else resolve_device(self.xp, device)
        self._name = namespace_name(self.xp)
        # NumPy has one device; treating it as "any" lets every strategy skip the device test.
        self._device = None if self._name == "numpy" else self.device
        self._strategies: dict[type, _Strategy] = {}

    def __repr__(self) -> str:
        return f"TreeConverter({self._name!r}, {self._device_name()!r})"

    def __reduce__(self) -> tuple[type[TreeConverter], tuple[str, str | None]]:
        return TreeConverter, (self._name, self._device_name())

    def _device_name(self) -> str | None:
        return None if self.device is None else device_name(self.device)

    def __call__(self, tree: Any, root: str = "tree") -> Any:
        """Convert every array in ``tree``; ``root`` names the tree in error messages."""
        kind: type[Any] = tree.__class__
        try:
            strategy = self._strategies.get(kind)  # _convert, inlined for the hot path
            if strategy is None:
                strategy = self._strategies[kind] = self._choose(tree)
            return strategy(tree)
        except _UnconvertibleLeafError:
            self._raise_with_path(tree, root)
            raise

    def _convert(self, node: Any) -> Any:
        kind: type[Any] = node.__class__
        strategy = self._strategies.get(kind)
        if strategy is None:
            strategy = self._strategies[kind] = self._choose(node)
        return strategy(node)

    def _choose(self, node: Any) -> _Strategy:
        """Pick the strategy for every node of ``type(node)``."""
        kind: type[Any] = node.__class__
        convert = self._convert
        if isinstance(node, np.generic) and not isinstance(node, str | bytes):
            # before the plain leaves: np.float64 is a float, yet converts like np.float32
            return lambda x: convert(np.asarray(x))
        if isinstance(node, _PLAIN_LEAVES):
            return _identity
        if kind is dict:
            return lambda x: {k: convert(v) for k, v in x.items()}
        if is_rebuildable_mapping(node):  # dict subclasses, ChainMap, MappingProxyType
            return lambda x: rebuild_mapping(x, [(k, convert(v)) for k, v in x.items()])
        if isinstance(node, Mapping):
            return _unrebuildable_mapping
        if isinstance(node, tuple) and hasattr(kind, "_fields"):  # namedtuple
            return lambda x: kind._make(convert(v) for v in x)
        if kind is tuple:
            return lambda x: tuple([convert(v) for v in x])
        if kind is list:
            return lambda x: [convert(v) for v in x]
        if isinstance(node, tuple | list):
            return lambda x: kind(convert(v) for v in x)
        if self._name != "numpy" and issubclass(kind, np.ma.MaskedArray):
            return _masked_array
        if compat.is_array_api_obj(node):
            return self._array_strategy(namespace_name(compat.array_namespace(node)))
        return _unsupported

    def _array_strategy(self, source: str) -> _Strategy:
        """Pick the fastest way from ``source`` arrays to the target, DLPack otherwise."""
        target, device = self._name, self._device
        generic = self._dlpack_strategy(source)
        if source == target:
            return self._same_namespace(source, generic)
        if source == "numpy" and target == "torch":
            import torch

            on_cpu = device is None or device.type == "cpu"

            def numpy_to_torch(x: Any) -> Any:
                if not x.flags.writeable:  # from_numpy would alias it as a writable tensor
                    x = x.copy()
                try:
                    # torch's stub leaves from_numpy's parameter untyped
                    out = torch.from_numpy(x)  # pyright: ignore[reportUnknownMemberType]
                except (TypeError, ValueError):  # object/str dtypes, negative strides, byte order
                    return generic(x)
                return out if on_cpu else out.to(device)

            return numpy_to_torch
        if source == "torch" and target == "numpy":

            def torch_to_numpy(x: Any) -> Any:
                if x.requires_grad:
                    x = x.detach()
                if x.device.type != "cpu":
                    x = x.cpu()
                try:
                    return x.numpy()
                except (TypeError, RuntimeError):  # bfloat16, conjugate or negative bit set
                    return generic(x)

            return torch_to_numpy
        if source == "jax" and target == "numpy":
            # A view of the device buffer on the CPU (read-only), one copy from a GPU.
            return np.asarray
        return generic

    def _same_namespace(self, name: str, generic: _Strategy) -> _Strategy:
        device = self._device
        if name == "numpy":
            return lambda x: x if x.dtype.kind != "O" else generic(x)
        if name == "torch":

            def torch_to_torch(x: Any) -> Any:
                if x.requires_grad:
                    x = x.detach()
                return x if device is None or x.device == device else x.to(device)

            return torch_to_torch

        def move(x: Any) -> Any:
            if device is None or _same_device(x.device, device):
                return x
            return compat.to_device(x, device)

        return move

    def _dlpack_strategy(self, source: str) -> _Strategy:
        """Convert ``source`` arrays through DLPack, falling back to one copy through the host."""
        from_dlpack, device, through_host = self.xp.from_dlpack, self._device, self._through_host
        copy_read_only = _refuses_read_only(self.xp)

        def transfer(x: Any) -> Any:
            try:
                return from_dlpack(x)
            except _DLPACK_ERRORS:
                return through_host(x)

        def transfer_to_device(x: Any) -> Any:
            try:
                out = from_dlpack(x, device=device)
            except _DLPACK_ERRORS:
                out = through_host(x)
            if not _same_device(out.device, device):  # a backend that ignored device=
                out = compat.to_device(out, device)
            return out

        if device is not None:
            transfer = transfer_to_device

        if source == "numpy":

            def numpy_via_dlpack(x: Any) -> Any:
                kind = x.dtype.kind
                if kind == "O":
                    return self._convert_object_array(x)
                if kind in "USV":  # strings and records have no array API equivalent: kept
                    return x
                if (
                    (copy_read_only and not x.flags.writeable)
                    or not x.dtype.isnative
                    or min(x.strides, default=0) < 0
                ):
                    x = x.astype(x.dtype.newbyteorder("="), order="C", copy=True)
                return transfer(x)

            return numpy_via_dlpack
        if source == "torch":

            def torch_via_dlpack(x: Any) -> Any:
                if x.requires_grad:
                    x = x.detach()
                # torch's DLPack export drops a view's negative bit: the values would flip sign
                return transfer(x.resolve_neg())

            return torch_via_dlpack
        return transfer

    def _through_host(self, x: Any) -> Any:
        """Copy through a host NumPy array: the fallback when DLPack cannot share or move ``x``."""
        try:
            if compat.is_torch_array(x):  # DLPack exports neither bit
                x = x.resolve_conj().resolve_neg()
            host = x if compat.is_numpy_array(x) else compat.to_device(x, _host_device(x))
            try:
                host = np.from_dlpack(host)
            except _DLPACK_ERRORS:
                host = np.asarray(host)
            return self.xp.asarray(host, device=self._device)
        except (TypeError, ValueError, RuntimeError) as e:
            dtype = getattr(x, "dtype", None)
            raise _UnconvertibleLeafError(
                f"its dtype {dtype} has no {self._name} form ({e})"
            ) from e

    def _convert_object_array(self, x: Any) -> Any:
        out = np.empty(x.shape, dtype=object)
        for index in np.ndindex(x.shape):
            out[index] = self._convert(x[index])
        return out

    def _raise_with_path(self, tree: Any, root: str) -> None:
        """Find the first leaf that fails to convert and raise a ``TypeError`` naming it."""

        def check(path: Path, leaf: Any) -> None:
            if compat.is_numpy_array(leaf) and leaf.dtype.kind == "O":
                for index in np.ndindex(leaf.shape):
                    tree_map_with_path(check, leaf[index], (*path, *index))
                return
            try:
                self._convert(leaf)
            except _UnconvertibleLeafError as e:
                kind = f"{type(leaf).__module__}.{type(leaf).__qualname__}"
                where = format_path(path, root)
                raise TypeError(
                    f"cannot convert {where} of type {kind} to {self._name}: {e.reason}"
                ) from None

        tree_map_with_path(check, tree)


def _identity(x: Any) -> Any:
    return x


def _unsupported(x: Any) -> Any:
    raise _UnconvertibleLeafError(
        "expected an array, a dict, tuple or list of them, or a plain value "
        "(int, float, bool, str, bytes, None)"
    )


def _unrebuildable_mapping(x: Any) -> Any:
    raise _UnconvertibleLeafError(
        "a Mapping that is neither a dict (or subclass), a ChainMap nor a MappingProxyType "
        "cannot be rebuilt; convert a dict of its items"
    )


def _masked_array(x: Any) -> Any:
    raise _UnconvertibleLeafError(
        "a NumPy masked array would lose its mask; convert np.ma.getdata(x) and "
        "np.ma.getmaskarray(x) separately, or np.ma.filled(x, fill_value)"
    )


def _refuses_read_only(xp: Namespace[Any]) -> bool:
    # NumPy and array-api-strict keep the read-only flag through DLPack; the others do not.
    return not (compat.is_numpy_namespace(xp) or compat.is_array_api_strict_namespace(xp))


def _same_device(a: Device, b: Device) -> bool:
    return bool(a == b) or str(a) == str(b)


def _host_device(x: Any) -> Device:
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        import array_api_strict

        return array_api_strict.Device("CPU_DEVICE")
    if compat.is_jax_array(x):
        import jax

        # jax.devices's backend parameter is untyped in jax's stubs
        return jax.devices("cpu")[0]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return "cpu"
