"""What a stateful wrapper expects of the arrays it receives, fixed at its first contact.

A wrapper that keeps statistics or buffers cannot know its namespace and device before it sees
an array (Gymnasium's constructors take only the env), so it resolves them from the first array
and stores them in an :class:`ArrayContract`. Every later call costs one unpacking and four
comparisons (:meth:`ArrayContract.matches`); only a mismatch pays for the full
:func:`array_env._checks.check_array`, which builds the error message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import array_api_compat as compat
import numpy as np

from array_env._checks import ArrayMismatchError, check_array
from array_env._namespace import device_name, namespace_name, namespace_of
from array_env._ops.fast_namespace import fast_namespace
from array_env.convert import convert_array
from array_env.typing import Device, Namespace

__all__ = [
    "NO_FAST_PATH",
    "ArrayContract",
    "FastPath",
    "contract_for",
    "device_to_check",
    "fast_path",
    "space_dtype",
]

_NDARRAY = np.ndarray


class ArrayContract(NamedTuple):
    """The namespace, device, dtype and shape every array of one stream must have.

    Attributes:
        xp: The resolved namespace (for checks and conversion).
        fast_xp: The namespace the step path calls (:func:`fast_namespace`).
        device: The device.
        dtype: The expected dtype, or ``None`` for any.
        shape: The expected shape, or ``None`` for any.
        array_type: The concrete array class of the first array (the cheap identity test).
    """

    xp: Namespace[Any]
    fast_xp: Namespace[Any]
    device: Device
    dtype: Any
    shape: tuple[int, ...] | None
    array_type: type[Any]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Modules and jax devices do not pickle: travel by name, resolve again on load.
        return _rebuild_contract, (
            namespace_name(self.xp), device_name(self.device), self.dtype, self.shape,
            self.array_type,
        )  # fmt: skip

    def matches(self, x: Any) -> bool:
        """Return whether ``x`` meets the contract (the fast path: no function calls)."""
        value: Any = x  # an identity test on the type would narrow ``x`` to ``object``
        _, _, device, dtype, shape, array_type = self  # one unpacking: six field reads fewer
        return (
            type(value) is array_type
            and (dtype is None or (kind := value.dtype) is dtype or kind == dtype)
            and (shape is None or value.shape == shape)
            # a NumPy array's ``device`` is always "cpu": compare that, not the property
            and (device == "cpu" if array_type is _NDARRAY else value.device == device)
        )

    def check(self, x: Any, *, owner: str, name: str) -> None:
        """Raise :class:`ArrayMismatchError` naming ``owner`` unless ``x`` meets the contract."""
        if self.matches(x):
            return
        check_array(
            x,
            owner=owner,
            name=name,
            xp=self.xp,
            device=self.device,
            dtype=self.dtype,
            shape=self.shape,
        )
        if type(x) is not self.array_type:  # e.g. a NumPy scalar where an ndarray was seen
            raise ArrayMismatchError(
                f"{owner}: {name} must be a {self.array_type.__name__}, got {type(x).__name__}"
            )


def device_to_check(contract: ArrayContract) -> Device | None:
    """The device an inlined ``matches`` must compare, or ``None`` where the type implies it.

    A NumPy array is always on the CPU: once its type is ``numpy.ndarray`` its device needs no
    read (which saves a property call per step on the single-env fast paths).
    """
    return None if compat.is_numpy_namespace(contract.xp) else contract.device


FastPath = tuple[type[Any], Any, tuple[int, ...] | None, Any, Callable[[Any], Any]]
"""A contract inlined for a step path, with the core it guards, in one tuple (one attribute
read on the wrapper, where five attributes cost five; a wrapper's attribute reads are not
cheap): ``(array_type, dtype, shape, device or None, core)``."""


class _NoArray:
    """A type no array has: before the first contact the fast path's type test fails."""


def _no_core(x: Any) -> Any:
    raise AssertionError("a fast path ran before its first contact")  # its type test fails


NO_FAST_PATH: FastPath = (_NoArray, None, None, None, _no_core)
"""The fast path of a wrapper that has not met its first array (and of an unpickled copy)."""


def fast_path(contract: ArrayContract, core: Callable[[Any], Any]) -> FastPath:
    """The step path's form of ``contract`` (see :data:`FastPath`), guarding ``core``.

    The inlined test every shell runs on ``x`` is the contract's :meth:`~ArrayContract.matches`
    without its call::

        array_type, dtype, shape, device, core = fast
        if (type(x) is array_type and ((kind := x.dtype) is dtype or kind == dtype)
                and x.shape == shape
                and (device is None or x.device == device)):
            return core(x)
    """
    if contract.dtype is None or contract.shape is None:
        raise ValueError("a fast path needs a contract with a dtype and a shape")
    return (contract.array_type, contract.dtype, contract.shape, device_to_check(contract), core)


def _rebuild_contract(
    namespace: str, device: str, dtype: Any, shape: tuple[int, ...] | None, array_type: type
) -> ArrayContract:
    from array_env._namespace import resolve_device, resolve_namespace

    xp = resolve_namespace(namespace)
    return ArrayContract(
        xp, fast_namespace(xp), resolve_device(xp, device), dtype, shape, array_type
    )


def space_dtype(host_dtype: Any, *, xp: Namespace[Any], device: Device) -> Any:
    """Map a Gymnasium space's NumPy dtype to ``xp``'s (JAX without x64 narrows 64-bit types)."""
    return convert_array(np.zeros((), dtype=host_dtype), xp=xp, device=device).dtype


def contract_for(
    x: Any,
    *,
    owner: str,
    name: str,
    host_dtype: Any = None,
    shape: tuple[int, ...] | None = None,
) -> ArrayContract:
    """Resolve a contract from the first array a wrapper sees, and check that array against it.

    Args:
        x: The first array.
        owner: The wrapper's name, for error messages.
        name: What ``x`` is, for error messages.
        host_dtype: The NumPy dtype the wrapped env's space declares, or ``None`` for any.
        shape: The shape the wrapped env's space declares, or ``None`` for any.
    """
    if not compat.is_array_api_obj(x):
        raise ArrayMismatchError(f"{owner}: {name} must be an array, got {type(x).__name__}")
    xp = namespace_of(x)
    device = compat.device(x)
    dtype = None if host_dtype is None else space_dtype(host_dtype, xp=xp, device=device)
    contract = ArrayContract(xp, fast_namespace(xp), device, dtype, shape, type(x))
    contract.check(x, owner=owner, name=name)
    return contract
