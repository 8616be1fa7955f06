"""The public type vocabulary of array_env.

Every backend's array type (``numpy.ndarray``, ``torch.Tensor``, ``jax.Array``, CuPy arrays and
array-api-strict arrays) satisfies the :class:`Array` protocol, so a function typed
``def f(x: A) -> A`` with ``A`` bound to :class:`Array` keeps the caller's concrete type. The
protocol is deliberately limited to the members that every backend's stubs agree on (see
``TYPING.md`` in the project notes for what breaks it: ``size``, ``to_device``, in-place and
bitwise operators, ``__array_namespace__``).

:class:`Namespace` types an ``xp`` object generically in the array type it produces, so
``xp.mean(x)`` has the type of ``x`` rather than ``Any``.

Example:
    >>> import numpy as np
    >>> from array_env.typing import Array
    >>> def double(x: "Array") -> "Array":
    ...     return x * 2
    >>> double(np.ones(2)).tolist()
    [2.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, Self, TypeAlias, TypeVar

__all__ = [
    "A",
    "ActT",
    "Array",
    "ArrayEnvId",
    "ArrayT",
    "Device",
    "DeviceLike",
    "Namespace",
    "NamespaceLike",
    "NestedEnvId",
    "ObsT",
    "Scalar",
    "Tree",
]

Scalar: TypeAlias = int | float
"""A Python number usable as an operand of array arithmetic (``bool`` is an ``int``)."""


class Array(Protocol):
    """The array members that array_env relies on, satisfied by every supported backend."""

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The array's shape."""
        ...

    @property
    def ndim(self) -> int:
        """The number of axes."""
        ...

    @property
    def dtype(self) -> Any:
        """The array's data type object (backend-specific)."""
        ...

    @property
    def device(self) -> Any:
        """The device the array lives on (backend-specific)."""
        ...

    @property
    def T(self) -> Self:  # noqa: N802 - the standard's name
        """The transpose of a 2-D array."""
        ...

    @property
    def mT(self) -> Self:  # noqa: N802 - the standard's name
        """The transpose of the last two axes."""
        ...

    def __getitem__(self, key: Any, /) -> Self: ...
    def __add__(self, other: Self | Scalar, /) -> Self: ...
    def __radd__(self, other: Scalar, /) -> Self: ...
    def __sub__(self, other: Self | Scalar, /) -> Self: ...
    def __rsub__(self, other: Scalar, /) -> Self: ...
    def __mul__(self, other: Self | Scalar, /) -> Self: ...
    def __rmul__(self, other: Scalar, /) -> Self: ...
    def __truediv__(self, other: Self | Scalar, /) -> Self: ...
    def __rtruediv__(self, other: Scalar, /) -> Self: ...
    def __floordiv__(self, other: Self | Scalar, /) -> Self: ...
    def __mod__(self, other: Self | Scalar, /) -> Self: ...
    def __pow__(self, other: Self | Scalar, /) -> Self: ...
    def __matmul__(self, other: Self, /) -> Self: ...
    def __abs__(self) -> Self: ...
    def __neg__(self) -> Self: ...
    def __lt__(self, other: Self | Scalar, /) -> Any: ...
    def __le__(self, other: Self | Scalar, /) -> Any: ...
    def __gt__(self, other: Self | Scalar, /) -> Any: ...
    def __ge__(self, other: Self | Scalar, /) -> Any: ...
    def __eq__(self, other: Self | Scalar, /) -> Any: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
    def __ne__(self, other: Self | Scalar, /) -> Any: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
    def __bool__(self) -> bool: ...
    def __float__(self) -> float: ...
    def __int__(self) -> int: ...


A = TypeVar("A")
"""The array type of one backend, unbound: for containers such as ``Namespace[A]``."""

ArrayT = TypeVar("ArrayT", bound=Array)
"""The array type of one backend, for functions that use array members (``x + 1``, ``x.shape``)."""

ObsT = TypeVar("ObsT")
"""An observation type."""

ActT = TypeVar("ActT")
"""An action type."""

Device: TypeAlias = Any
"""A backend's device object (``torch.device``, ``jax.Device``, ``array_api_strict.Device``...).

Device classes share no common base, so this is ``Any`` by necessity; functions that accept a
device spelled as a string take :data:`DeviceLike`.
"""

DeviceLike: TypeAlias = "str | Device"
"""A device object of the target backend, or its name such as ``"cpu"`` or ``"cuda:0"``."""

Tree: TypeAlias = (
    "Array | Mapping[Any, Tree] | Sequence[Tree] | int | float | bool | str | bytes | None"
)
"""A nested observation: arrays and plain values inside dicts, tuples, lists and namedtuples."""


class _NamespaceConstants(Protocol):
    # The standard's dtype objects and constants. They live in a base protocol so that the name
    # ``bool`` does not shadow the builtin in :class:`Namespace`'s annotations. Dtype objects
    # differ by backend (classes, ``torch.dtype``, instances), hence ``Any``.
    @property
    def bool(self) -> Any: ...
    @property
    def int8(self) -> Any: ...
    @property
    def int16(self) -> Any: ...
    @property
    def int32(self) -> Any: ...
    @property
    def int64(self) -> Any: ...
    @property
    def uint8(self) -> Any: ...
    @property
    def uint16(self) -> Any: ...
    @property
    def uint32(self) -> Any: ...
    @property
    def uint64(self) -> Any: ...
    @property
    def float32(self) -> Any: ...
    @property
    def float64(self) -> Any: ...
    @property
    def inf(self) -> float: ...
    @property
    def nan(self) -> float: ...
    @property
    def pi(self) -> float: ...
    @property
    def e(self) -> float: ...


class Namespace(_NamespaceConstants, Protocol[A]):
    """An array namespace ``xp`` that produces arrays of type ``A``.

    Only the functions array_env calls are listed; the protocol is invariant in ``A`` because
    ``A`` appears both as a parameter and as a result. ``jax.numpy`` and ``array_api_strict``
    satisfy it as modules (``Namespace[jax.Array]``); array-api-compat's NumPy and PyTorch
    namespaces are built at import time, so the checkers see them through
    ``array_api_compat.array_namespace``, whose stub returns ``Namespace[A]``.
    """

    def __array_namespace_info__(self) -> Any: ...
    def isdtype(self, dtype: Any, kind: Any, /) -> bool: ...
    def finfo(self, type: Any, /) -> Any: ...
    def iinfo(self, type: Any, /) -> Any: ...

    def asarray(
        self, obj: Any, /, *, dtype: Any = None, device: Any = None, copy: bool | None = None
    ) -> A: ...
    def from_dlpack(self, x: Any, /, *, device: Any = None, copy: bool | None = None) -> A: ...
    def zeros(
        self, shape: int | tuple[int, ...], *, dtype: Any = None, device: Any = None
    ) -> A: ...
    def ones(self, shape: int | tuple[int, ...], *, dtype: Any = None, device: Any = None) -> A: ...
    def full(
        self,
        shape: int | tuple[int, ...],
        fill_value: bool | int | float,
        *,
        dtype: Any = None,
        device: Any = None,
    ) -> A: ...
    def zeros_like(self, x: A, /, *, dtype: Any = None, device: Any = None) -> A: ...
    def ones_like(self, x: A, /, *, dtype: Any = None, device: Any = None) -> A: ...
    def arange(
        self,
        start: int | float,
        /,
        stop: int | float | None = None,
        step: int | float = 1,
        *,
        dtype: Any = None,
        device: Any = None,
    ) -> A: ...
    def astype(self, x: A, dtype: Any, /, *, copy: bool = True, device: Any = None) -> A: ...
    def mean(
        self, x: A, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> A: ...
    def sum(
        self,
        x: A,
        /,
        *,
        axis: int | tuple[int, ...] | None = None,
        dtype: Any = None,
        keepdims: bool = False,
    ) -> A: ...
    def var(
        self,
        x: A,
        /,
        *,
        axis: int | tuple[int, ...] | None = None,
        correction: int | float = 0.0,
        keepdims: bool = False,
    ) -> A: ...
    def sqrt(self, x: A, /) -> A: ...
    def abs(self, x: A, /) -> A: ...
    def exp(self, x: A, /) -> A: ...
    def sin(self, x: A, /) -> A: ...
    def cos(self, x: A, /) -> A: ...
    def isfinite(self, x: A, /) -> A: ...
    def all(
        self, x: A, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> A: ...
    def any(
        self, x: A, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> A: ...
    def clip(self, x: A, /, min: A | Scalar | None = None, max: A | Scalar | None = None) -> A: ...
    def where(self, condition: A, x1: A | Scalar, x2: A | Scalar, /) -> A: ...
    def maximum(self, x1: A | Scalar, x2: A | Scalar, /) -> A: ...
    def minimum(self, x1: A | Scalar, x2: A | Scalar, /) -> A: ...
    def reshape(self, x: A, /, shape: tuple[int, ...], *, copy: bool | None = None) -> A: ...
    def stack(self, arrays: tuple[A, ...] | list[A], /, *, axis: int = 0) -> A: ...
    def concat(self, arrays: tuple[A, ...] | list[A], /, *, axis: int | None = 0) -> A: ...
    def expand_dims(self, x: A, /, axis: int) -> A: ...
    def broadcast_to(self, x: A, /, shape: tuple[int, ...]) -> A: ...
    def take(self, x: A, indices: A, /, *, axis: int | None = None) -> A: ...
    def roll(
        self, x: A, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None
    ) -> A: ...
    def matmul(self, x1: A, x2: A, /) -> A: ...
    def logical_and(self, x1: A, x2: A, /) -> A: ...
    def logical_or(self, x1: A, x2: A, /) -> A: ...
    def logical_not(self, x: A, /) -> A: ...


NamespaceLike: TypeAlias = "Namespace[Any] | str | Any"
"""A namespace given as an ``xp`` object, a backend module (``torch``, ``jax.numpy``) or a name."""


ArrayEnvId: TypeAlias = Literal[
    "array_env/CartPole-v1", "array_env/Pendulum-v1", "array_env/Catch-v0"
]
"""The reference environments whose observations are single arrays (see :mod:`array_env.envs`)."""

NestedEnvId: TypeAlias = Literal["array_env/NestedCatch-v0"]
"""The reference environments whose observations are dicts of arrays and tuples."""
