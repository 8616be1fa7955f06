"""Stateless action transforms: ``TransformAction``, ``RescaleAction``, ``DiscretizeAction``.

The pure cores (:func:`rescale_action`, :func:`discretize_action`) take one action or a batch
with leading axes; the vector twins in :mod:`array_env.vector.action_transform` call them on
``(num_envs, ...)`` batches. Host constants (the affine map, the bin centres) are computed once
with NumPy from the Box, then moved to the first action's namespace, device and dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound
from numpy.typing import NDArray

from array_env._checks import ArrayMismatchError
from array_env._namespace import resolve_namespace
from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import (
    NO_FAST_PATH,
    ArrayContract,
    FastPath,
    contract_for,
    fast_path,
    space_dtype,
)

__all__ = [
    "ActionAffine",
    "BinTable",
    "DiscretizeAction",
    "RescaleAction",
    "TransformAction",
    "discretize_action",
    "rescale_action",
    "upload_affine",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
WAct = TypeVar("WAct")


class TransformAction(Wrapper[Obs, WAct, Obs, Act], gym.utils.RecordConstructorArgs):
    """Apply ``func`` to every action before it reaches the env.

    Gymnasium's ``TransformAction``: the function is the user's, so it runs on whatever the
    agent sends (any namespace, any device) and nothing is checked or moved. The vector twin is
    :class:`array_env.vector.TransformAction`.

    Args:
        env: The environment.
        func: Maps the wrapper's action to the env's action.
        action_space: The wrapper's action space, or ``None`` to keep the env's.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> env = TransformAction(gym.make("Pendulum-v1"), lambda a: 2 * a, None)
        >>> _ = env.reset(seed=0)
        >>> _ = env.step(np.array([0.5], dtype=np.float32))
        >>> float(env.unwrapped.last_u)
        1.0
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        func: Callable[[WAct], Act],
        action_space: gym.Space[WAct] | None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, func=func, action_space=action_space)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        if action_space is not None:
            self.action_space = action_space
        self.func = func

    def action(self, action: WAct) -> Act:
        """Return ``func(action)``."""
        return self.func(action)

    def step(self, action: WAct) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env with ``func(action)``."""
        return self.env.step(self.func(action))


# --- RescaleAction -------------------------------------------------------------------------


class ActionAffine(NamedTuple):
    """The inverse map of a rescaled Box: ``env_action = (action - intercept) / gradient``.

    ``intercept`` is ``None`` where it is +0.0 everywhere (a range symmetric about 0 on both
    Boxes, the usual case): ``x - 0.0 == x`` for every float, -0.0 and NaN included, so the
    subtraction is skipped without changing a bit.
    """

    gradient: Any
    intercept: Any


def rescale_action(action: Any, affine: ActionAffine, *, xp: Namespace[Any]) -> Any:
    """Map actions of the rescaled Box back onto the env's Box (any leading batch axes).

    Examples:
        >>> import array_api_strict as xp
        >>> affine = ActionAffine(xp.asarray([2.0]), xp.asarray([1.0]))
        >>> rescale_action(xp.asarray([[3.0], [-1.0]]), affine, xp=xp)
        Array([[ 1.],
               [-1.]], dtype=array_api_strict.float64)
    """
    return action_rescaler(affine, xp=xp)(action)


def action_rescaler(affine: ActionAffine, *, xp: Namespace[Any]) -> Callable[[Any], Any]:
    """:func:`rescale_action` with its constants bound: ``action -> env_action`` (one call)."""
    gradient, intercept = affine
    if intercept is None:
        return lambda action: action / gradient
    return lambda action: (action - intercept) / gradient


def _full_bound(owner: str, name: str, value: Any, shape: tuple[int, ...]) -> NDArray[Any]:
    bound: NDArray[Any]
    if isinstance(value, np.ndarray):
        bound = np.asarray(value)  # pyright: ignore[reportUnknownArgumentType]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        bound = np.full(shape, value)
    else:
        raise TypeError(
            f"{owner}: expected {name} to be an integer, float, or numpy array, got "
            f"{type(value)} ({value!r})"
        )
    if bound.shape != shape:
        raise ValueError(f"{owner}: expected {name}.shape to be {shape}, got {bound.shape}")
    return bound


def rescaled_box(
    owner: str, box: gym.spaces.Box, min_action: Any, max_action: Any
) -> tuple[gym.spaces.Box, NDArray[Any], NDArray[Any]]:
    """Return the rescaled Box and its host ``gradient`` and ``intercept`` (the Box's dtype).

    Raises Gymnasium's errors for the same arguments: ``TypeError`` for a non-number bound,
    ``ValueError`` for a wrong shape, a finite bound where the Box is unbounded (or the other way
    round) or ``min_action > max_action``, and ``InvalidBound`` where they are equal (the map has
    no inverse there).
    """
    low: NDArray[Any] = box.low
    high: NDArray[Any] = box.high
    new_min = _full_bound(owner, "min_action", min_action, box.shape)
    new_max = _full_bound(owner, "max_action", max_action, box.shape)
    for new, old in ((new_min, low), (new_max, high)):
        infinite = np.isinf(new) | np.isinf(old)
        if not np.all(new[infinite] == old[infinite]):
            raise ValueError(
                f"{owner}: for unbounded components, the target bounds must match the original "
                f"infinity bounds, got min_action={min_action}, max_action={max_action} for "
                f"{box}"
            )
    if not np.all(new_min <= new_max):
        raise ValueError(
            f"{owner}: expected min_action to be less than or equal to max_action, got "
            f"{min_action} and {max_action}"
        )
    space = gym.spaces.Box(low=new_min, high=new_max, shape=box.shape, dtype=box.dtype)
    if np.any(space.low == space.high):
        raise InvalidBound(
            f"{owner}: min action ({min_action}) must be strictly smaller than max action "
            f"({max_action}), the rescaling has no inverse where they are equal"
        )
    # Gymnasium takes the width of the env's Box in extended precision where NumPy has it;
    # the same arithmetic in the same dtypes gives the same float32/float64 constants.
    wide = getattr(np, "float128", np.float64)
    min_finite, max_finite = np.isfinite(new_min), np.isfinite(new_max)
    both = min_finite & max_finite
    gradient = np.ones(box.shape, dtype=box.dtype)
    gradient[both] = (new_max[both] - new_min[both]) / (
        np.asarray(high[both], dtype=wide) - np.asarray(low[both], dtype=wide)
    )
    intercept = np.zeros(box.shape, dtype=box.dtype)
    intercept[max_finite] = new_max[max_finite] - high[max_finite]
    intercept[min_finite] = gradient[min_finite] * -low[min_finite] + new_min[min_finite]
    return space, gradient, intercept


def require_box(owner: str, space: gym.Space[Any], requirement: str) -> gym.spaces.Box:
    """Return ``space`` as a Box, or raise ``TypeError`` with Gymnasium's ``requirement`` text."""
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(f"{owner}: {requirement}, got {type(space)} ({space})")
    return space  # pyright: ignore[reportUnknownVariableType]


def float_action_contract(
    owner: str, name: str, first: Any, shape: tuple[int, ...]
) -> ArrayContract:
    """Fix the contract of a real floating action stream from its first array."""
    contract = contract_for(first, owner=owner, name=name, shape=shape)
    if not contract.xp.isdtype(first.dtype, "real floating"):
        raise ArrayMismatchError(
            f"{owner}: {name} has dtype {first.dtype}, expected a real floating dtype"
        )
    return contract._replace(dtype=first.dtype)


def upload(values: NDArray[Any], contract: ArrayContract, dtype: Any) -> Any:
    """Move host constants once to the contract's namespace and device, cast to ``dtype``."""
    xp = contract.xp
    # 64-bit host values cannot go to a device without float64; narrow on the host side.
    if values.dtype.kind == "f" and xp.isdtype(dtype, "real floating"):
        values = values.astype(np.float32 if xp.finfo(dtype).bits <= 32 else np.float64)
    moved = convert_array(values, xp=xp, device=contract.device)
    return xp.astype(moved, dtype)


def upload_affine(
    host: tuple[NDArray[Any], NDArray[Any]], contract: ArrayContract, dtype: Any
) -> ActionAffine:
    """Move the host ``(gradient, intercept)`` to the contract's device, once.

    An intercept of +0.0 everywhere becomes ``None`` (see :class:`ActionAffine`).
    """
    gradient, intercept = host
    zero = bool(np.all((intercept == 0) & ~np.signbit(intercept)))
    return ActionAffine(
        upload(gradient, contract, dtype), None if zero else upload(intercept, contract, dtype)
    )


class RescaleAction(Wrapper[Obs, Any, Obs, Any], gym.utils.RecordConstructorArgs):
    """Affinely rescale a Box action space to ``[min_action, max_action]``.

    Gymnasium's ``RescaleAction`` for actions of any namespace on any device: the agent acts in
    the new Box and the wrapper maps each action back with ``(action - intercept) / gradient``,
    the constants moved once, at the first action, to its namespace, device and dtype. Actions
    must be real floating arrays of the Box's shape; a later action of another namespace,
    device, dtype or shape raises :class:`array_env.ArrayMismatchError` and the env does not
    step. The vector twin is :class:`array_env.vector.RescaleAction`.

    Args:
        env: The environment; its action space must be a Box.
        min_action: The new lower bound (a number or an array of the Box's shape).
        max_action: The new upper bound (a number or an array of the Box's shape).

    Raises:
        TypeError: If the action space is not a Box or a bound is not a number or array.
        ValueError: If a bound has the wrong shape, ``min_action > max_action`` somewhere, or a
            finite bound meets an infinite one of the Box.
        gymnasium.error.InvalidBound: If ``min_action == max_action`` somewhere.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> env = RescaleAction(gym.make("Pendulum-v1"), min_action=0.0, max_action=1.0)
        >>> env.action_space
        Box(0.0, 1.0, (1,), float32)
        >>> _ = env.reset(seed=0)
        >>> _ = env.step(np.array([0.75], dtype=np.float32))  # the env receives [1.0]
        >>> float(env.unwrapped.last_u)
        1.0
    """

    def __init__(self, env: gym.Env[Obs, Any], min_action: Any, max_action: Any) -> None:
        owner = type(self).__name__
        box = require_box(owner, env.action_space, f"{owner} requires a Box action space")
        space, gradient, intercept = rescaled_box(owner, box, min_action, max_action)
        gym.utils.RecordConstructorArgs.__init__(self, min_action=min_action, max_action=max_action)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.action_space = space
        self._host_affine = (gradient, intercept)
        self._contract: ArrayContract | None = None
        self._affine: ActionAffine | None = None
        self._fast: FastPath = NO_FAST_PATH  # the contract inlined, and the bound core

    def func(self, action: Any) -> Any:
        """Map one action of the new Box onto the env's Box (checked, see the class docs)."""
        value: Any = action  # an identity test on the type would narrow it to ``object``
        array_type, dtype, shape, device, core = self._fast
        if (
            type(value) is array_type
            and ((kind := value.dtype) is dtype or kind == dtype)
            and value.shape == shape
            and (device is None or value.device == device)
        ):  # the contract's ``matches``, inlined
            return core(value)
        return self._first_or_mismatch(action)(action)

    action = func

    def step(self, action: Any) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env with the action mapped back onto its Box."""
        # func's body, inlined: one Python call less per step
        value: Any = action
        array_type, dtype, shape, device, core = self._fast
        if (
            type(value) is array_type
            and ((kind := value.dtype) is dtype or kind == dtype)
            and value.shape == shape
            and (device is None or value.device == device)
        ):
            return self.env.step(core(value))
        return self.env.step(self._first_or_mismatch(action)(action))

    def _first_or_mismatch(self, action: Any) -> Callable[[Any], Any]:
        """Fix the contract and constants at the first action (else check in full); the core."""
        contract, affine = self._contract, self._affine
        if contract is None or affine is None:
            contract = float_action_contract(
                type(self).__name__, "action", action, self.action_space.shape or ()
            )
            affine = upload_affine(self._host_affine, contract, action.dtype)
            self._contract, self._affine = contract, affine
            self._fast = fast_path(contract, action_rescaler(affine, xp=contract.fast_xp))
        else:  # raises on a mismatch; an action that passes is one the fast path turned away
            contract.check(action, owner=type(self).__name__, name="action")
        return action_rescaler(affine, xp=contract.fast_xp)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = state["_affine"] = None  # resolved again at the copy's first action
        state["_fast"] = NO_FAST_PATH
        return state


# --- DiscretizeAction ----------------------------------------------------------------------


class BinTable(NamedTuple):
    """Device constants of :func:`discretize_action` (integers in the indices' dtype).

    Attributes:
        centers: Every dimension's bin centres, row ``d`` padded to the widest row, flattened.
        bins: The number of bins per dimension, shape ``(n_dims,)``.
        strides: The flat-index stride of each dimension (row-major), shape ``(n_dims,)``.
        offsets: Where row ``d`` starts in ``centers``, shape ``(n_dims,)``.
        zero: A 0-d zero, the lowest index.
    """

    centers: Any
    bins: Any
    strides: Any
    offsets: Any
    zero: Any


def discretize_action(
    index: Any,
    table: BinTable,
    *,
    multidiscrete: bool,
    shape: tuple[int, ...],
    xp: Namespace[Any],
) -> Any:
    """Map bin indices to the bins' centres, an action of the env's Box.

    ``index`` is a flat Discrete index (shape ``batch``) or one index per dimension (shape
    ``(*batch, n_dims)``). As in Gymnasium, per-dimension indices are clipped into their range
    and a flat index is split by remainders, so every index selects a valid bin (no gather out of
    bounds, no host check).

    Examples:
        >>> import array_api_strict as xp
        >>> table = BinTable(xp.asarray([-0.5, 0.5, 0.0, 0.0]), xp.asarray([2, 1]),
        ...                  xp.asarray([1, 1]), xp.asarray([0, 2]), xp.asarray(0))
        >>> discretize_action(xp.asarray([[1, 0], [9, -3]]), table, multidiscrete=True,
        ...                   shape=(2,), xp=xp)
        Array([[0.5, 0. ],
               [0.5, 0. ]], dtype=array_api_strict.float64)
    """
    if multidiscrete:
        per_dim = xp.minimum(xp.maximum(index, table.zero), table.bins - 1)
        batch = tuple(index.shape[:-1])
    else:
        per_dim = (xp.expand_dims(index, axis=-1) // table.strides) % table.bins
        batch = tuple(index.shape)
    values = xp.take(table.centers, xp.reshape(per_dim + table.offsets, (-1,)))
    return xp.reshape(values, (*batch, *shape))


def bin_centers(low: NDArray[Any], high: NDArray[Any], bins: NDArray[Any]) -> list[NDArray[Any]]:
    """Each dimension's bin centres (host): midpoints of ``bins + 1`` even edges.

    The edges are computed from the Box's own scalars, so a float32 Box gives float32 centres
    rounded exactly as Gymnasium's.
    """
    centers: list[NDArray[Any]] = []
    for d in range(low.size):
        edges: NDArray[Any] = np.linspace(low[d], high[d], int(bins[d]) + 1)  # pyright: ignore[reportUnknownVariableType]
        centers.append(0.5 * (edges[:-1] + edges[1:]))  # pyright: ignore[reportUnknownArgumentType]
    return centers


def host_bin_table(centers: list[NDArray[Any]], bins: NDArray[Any]) -> dict[str, NDArray[Any]]:
    """The host arrays of a :class:`BinTable` (uploaded once, at the first action)."""
    width = int(bins.max())
    padded = np.zeros((len(centers), width))
    for d, row in enumerate(centers):
        padded[d, : row.size] = row
    strides = np.ones(bins.size, dtype=np.int64)
    strides[:-1] = np.cumprod(bins[::-1])[::-1][1:]
    return {
        "centers": padded.reshape(-1),
        "bins": bins.astype(np.int64),
        "strides": strides,
        "offsets": np.arange(bins.size, dtype=np.int64) * width,
        "zero": np.zeros((), dtype=np.int64),
    }


def upload_bin_table(
    host: dict[str, NDArray[Any]], box_dtype: Any, contract: ArrayContract, index_dtype: Any
) -> BinTable:
    """Move a host table to the contract's device, once.

    Centres go in the Box's dtype and the integers in the indices' dtype, so the core does no
    mixed-kind arithmetic.
    """
    action_dtype = space_dtype(box_dtype, xp=contract.xp, device=contract.device)
    return BinTable(
        upload(host["centers"], contract, action_dtype),
        *(upload(host[k], contract, index_dtype) for k in ("bins", "strides", "offsets", "zero")),
    )


def check_bins(owner: str, bins: Any, n_dims: int) -> NDArray[Any]:
    """Return ``bins`` as one positive count per dimension, or raise ``ValueError``."""
    value: Any = bins
    if not isinstance(bins, (tuple, list)):
        counts = np.full(n_dims, int(value), dtype=np.int64)
    else:
        per_dim = [int(b) for b in value]
        if len(per_dim) != n_dims:
            raise ValueError(
                f"{owner}: bins must match action dimensions: expected {n_dims}, got "
                f"{len(per_dim)} ({bins})"
            )
        counts = np.asarray(per_dim, dtype=np.int64)
    if np.any(counts < 1):
        raise ValueError(f"{owner}: every dimension needs at least one bin, got bins={bins}")
    return counts


class IndexStream:
    """The contract of a stream of bin indices: host integers or integer arrays of one kind.

    Host indices (Python ints, NumPy integer scalars and arrays, lists for MultiDiscrete) are one
    kind and give NumPy actions, as Gymnasium does; an array of another namespace fixes that
    namespace, device and integer dtype at first contact.
    """

    def __init__(self, owner: str, name: str, shape: tuple[int, ...]) -> None:
        self.owner, self.name, self.shape = owner, name, shape
        self.contract: ArrayContract | None = None
        self.host = False

    def admit(self, index: Any) -> tuple[Any, ArrayContract, bool]:
        """Return ``(index as an array, contract, first contact)``; raise on a bad index."""
        contract = self.contract
        if contract is not None and not self.host and contract.matches(index):
            return index, contract, False
        host = not compat.is_array_api_obj(index) or compat.is_numpy_array(index)
        if host:
            try:
                index = resolve_namespace("numpy").asarray(index)
            except (TypeError, ValueError) as error:
                raise ArrayMismatchError(
                    f"{self.owner}: {self.name} must be integer indices, got {index!r}"
                ) from error
        if contract is None:
            contract = contract_for(index, owner=self.owner, name=self.name, shape=self.shape)
            if not contract.xp.isdtype(index.dtype, "integral"):
                raise ArrayMismatchError(
                    f"{self.owner}: {self.name} has dtype {index.dtype}, expected an integer "
                    f"dtype (got {index!r})"
                )
            if not host:
                contract = contract._replace(dtype=index.dtype)
            return index, contract, True
        if host != self.host:
            raise ArrayMismatchError(
                f"{self.owner}: {self.name} must be "
                + ("host integers" if self.host else f"a {contract.array_type.__name__}")
                + f", got {type(index).__name__}"
            )
        contract.check(index, owner=self.owner, name=self.name)
        if host and not contract.xp.isdtype(index.dtype, "integral"):
            raise ArrayMismatchError(
                f"{self.owner}: {self.name} has dtype {index.dtype}, expected an integer dtype"
            )
        return index, contract, False

    def fix(self, contract: ArrayContract, host: bool) -> None:
        """Store the contract once the first index was accepted."""
        self.contract, self.host = contract, host


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # the host indices NumPy takes as integers
_HOST_TABLE_LIMIT = 1 << 16
"""The most elements :func:`host_action_table` precomputes (the Box's size times the bins)."""


def host_action_table(
    centers: list[NDArray[Any]], bins: NDArray[Any], box: gym.spaces.Box, multidiscrete: bool
) -> list[NDArray[Any]] | None:
    """Every flat index's action on the host, in the Box's dtype and shape, or ``None``.

    ``None`` for ``multidiscrete`` (its indices are arrays) and for tables of more than
    :data:`_HOST_TABLE_LIMIT` elements; those go through :func:`discretize_action`.
    """
    count = int(np.prod(bins))
    if multidiscrete or count * len(centers) > _HOST_TABLE_LIMIT:
        return None
    grid = np.stack(np.meshgrid(*centers, indexing="ij"), axis=-1).reshape(count, len(centers))
    return [np.asarray(row, dtype=box.dtype).reshape(box.shape) for row in grid]


class DiscretizeAction(Wrapper[Obs, Any, Obs, Any], gym.utils.RecordConstructorArgs):
    """Discretize a bounded Box action space into ``bins`` even bins per dimension.

    Gymnasium's ``DiscretizeAction``: the agent picks a bin (one flat ``Discrete`` index, or one
    index per dimension with ``multidiscrete=True``) and the env receives the bin's centre, in the
    Box's dtype and shape. Host indices give NumPy actions; an index array of another namespace
    gives an action in that namespace on its device (the table of centres is moved once). Out of
    range indices are handled as Gymnasium does: per-dimension ones are clipped into range, a
    flat one is split by remainders. The vector twin is :class:`array_env.vector.DiscretizeAction`.

    Args:
        env: The environment; its action space must be a bounded Box.
        bins: Bins per dimension: one count for all, or one per dimension of the flattened Box.
        multidiscrete: Expose ``MultiDiscrete(bins)`` instead of ``Discrete(prod(bins))``.

    Raises:
        TypeError: If the action space is not a Box.
        ValueError: If the Box is unbounded, or ``bins`` does not match its dimensions.

    Examples:
        >>> import gymnasium as gym
        >>> env = DiscretizeAction(gym.make("Pendulum-v1"), bins=4)
        >>> env.action_space
        Discrete(4)
        >>> _ = env.reset(seed=0)
        >>> _ = env.step(3)  # centre of the last bin of [-2, 2]
        >>> float(env.unwrapped.last_u)
        1.5
    """

    def __init__(
        self, env: gym.Env[Obs, Any], bins: int | tuple[int, ...], multidiscrete: bool = False
    ) -> None:
        owner = type(self).__name__
        box = require_box(
            owner, env.action_space, f"{owner} is only compatible with Box continuous actions"
        )
        low, high = np.ravel(box.low), np.ravel(box.high)
        if np.any(np.isinf(low)) or np.any(np.isinf(high)):
            raise ValueError(
                f"{owner}: discretization requires action space to be finite. "
                f"Found: low={low}, high={high}"
            )
        counts = check_bins(owner, bins, int(low.size))
        gym.utils.RecordConstructorArgs.__init__(self, bins=bins, multidiscrete=multidiscrete)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self._box: gym.spaces.Box = box
        self.low, self.high, self.n_dims = low, high, int(low.size)
        self.bins = counts
        self.multidiscrete = multidiscrete
        self.bin_centers = bin_centers(low, high, counts)
        self._host_table = host_bin_table(self.bin_centers, counts)
        space: gym.Space[Any] = (
            gym.spaces.MultiDiscrete(counts)
            if multidiscrete
            else gym.spaces.Discrete(int(np.prod(counts)))
        )
        self.action_space = space
        self._indices = IndexStream(owner, "action", (self.n_dims,) if multidiscrete else ())
        self._table: BinTable | None = None
        self._host_actions = host_action_table(self.bin_centers, counts, box, multidiscrete)

    def action(self, action: Any) -> Any:
        """Return the centre of the chosen bin(s), an action of the env's Box."""
        host_actions = self._host_actions
        # A host integer (Gymnasium's Discrete sample) once the stream is host: the bin's row
        # of the precomputed table, copied (the env may write to its action). The same value as
        # the core's (flat indices wrap by remainders), at a tenth of its NumPy calls.
        if host_actions is not None and self._indices.host:
            value: object = action
            kind = type(value)
            if kind is int:
                flat: int = action
                if _INT64_MIN <= flat <= _INT64_MAX:
                    return host_actions[flat % len(host_actions)].copy()
            elif issubclass(kind, np.integer):  # in Python ints: int8 % 200 would overflow
                return host_actions[int(action) % len(host_actions)].copy()
        index, contract, first = self._indices.admit(action)
        table = self._table
        if first or table is None or index.dtype != table.bins.dtype:
            table = upload_bin_table(self._host_table, self._box.dtype, contract, index.dtype)
        out = discretize_action(
            index,
            table,
            multidiscrete=self.multidiscrete,
            shape=self._box.shape,
            xp=contract.fast_xp,
        )
        if first:
            self._indices.fix(contract, compat.is_numpy_array(index))
        self._table = table
        return out

    def revert_action(self, action: Any) -> Any:
        """Return the bin whose centre is closest to a (host) action of the env's Box."""
        flat = np.ravel(np.asarray(action))
        nearest = [int(np.argmin(np.abs(c - flat[d]))) for d, c in enumerate(self.bin_centers)]
        if self.multidiscrete:
            return np.array(nearest, dtype=int)
        return np.ravel_multi_index(nearest, self.bins)

    def step(self, action: Any) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env with the centre of the chosen bin(s)."""
        return self.env.step(self.action(action))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_table"] = None
        state["_indices"] = IndexStream(
            *(getattr(self._indices, k) for k in ("owner", "name", "shape"))
        )
        return state
