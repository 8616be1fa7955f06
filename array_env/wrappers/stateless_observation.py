"""Stateless observation wrappers: pure cores, their kernels, and the single-env shells.

Transform, Filter, Flatten, Reshape, Rescale, Dtype and Discretize keep no state between
steps. Each is a kernel (host settings read from the space, device constants, a pure core; see
:mod:`array_env.wrappers._kernel_shell`) inside a thin shell. The vector twins in
:mod:`array_env.vector.stateless_observation` use the same kernels with a leading batch axis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Generic, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers.utils import rescale_box
from typing_extensions import TypeVar

from array_env._ops.flatten import (
    FlatLeaf,
    device_constant,
    device_dtype,
    flatten_leaves,
    flatten_plan,
    flattener,
    gym_flatten,
    gym_flatten_space,
    is_space,
    leaf_constants,
)
from array_env.core import Wrapper
from array_env.typing import Device, Namespace
from array_env.wrappers._kernel_shell import KernelInput, KernelShell, ObservationKernel

__all__ = [
    "DiscretizeObservation",
    "DtypeObservation",
    "FilterObservation",
    "FlattenObservation",
    "ReshapeObservation",
    "RescaleObservation",
    "TransformObservation",
    "cast_observation",
    "discretize_observation",
    "filter_kernel_space",
    "flatten_kernel",
    "reshape_observation",
    "rescale_observation",
]

Obs = TypeVar("Obs")
WObs = TypeVar("WObs")
Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it


# ---------------------------------------------------------------- pure cores


def reshaper(
    *, shape: tuple[int, ...], batch_ndim: int, xp: Namespace[Any]
) -> Callable[[Any], Any]:
    """The reshape core with its settings bound: ``x -> x`` reshaped to ``(*batch, *shape)``.

    The ``*er`` factories of this module return each core as a function of the observation
    alone, for the shells' step path (one Python call per step); the functions below them call
    the same bound cores once, for callers that pass the settings every time.
    """
    if batch_ndim == 0:
        return lambda x: xp.reshape(x, shape)
    return lambda x: xp.reshape(x, (*x.shape[:batch_ndim], *shape))


def reshape_observation(
    x: Any, *, shape: tuple[int, ...], batch_ndim: int, xp: Namespace[Any]
) -> Any:
    """Reshape each observation to ``shape``, keeping ``batch_ndim`` leading batch axes."""
    return reshaper(shape=shape, batch_ndim=batch_ndim, xp=xp)(x)


def rescaler(gradient: Any, intercept: Any, *, xp: Namespace[Any]) -> Callable[[Any], Any]:
    """The rescaling core with its constants bound (see :func:`reshaper`)."""
    return lambda x: gradient * x + intercept


def rescale_observation(x: Any, gradient: Any, intercept: Any, *, xp: Namespace[Any]) -> Any:
    """The affine map ``gradient * x + intercept`` (Gymnasium's rescaling, same rounding)."""
    return rescaler(gradient, intercept, xp=xp)(x)


def caster(*, dtype: Any, xp: Namespace[Any]) -> Callable[[Any], Any]:
    """The cast core with its dtype bound (see :func:`reshaper`)."""
    return lambda x: xp.astype(x, dtype, copy=True)


def cast_observation(x: Any, *, dtype: Any, xp: Namespace[Any]) -> Any:
    """Cast to ``dtype`` (a new array even when the dtype is unchanged: inputs stay private)."""
    return caster(dtype=dtype, xp=xp)(x)


def discretize_observation(
    x: Any,
    low: Any,
    high: Any,
    edges: Any,
    strides: Any,
    *,
    combine: bool,
    batch_ndim: int,
    xp: Namespace[Any],
) -> Any:
    """Bin each element of ``x``: clip to ``[low, high]``, count the inner edges at or below it.

    Args:
        x: Observations, ``(*batch, *shape)``.
        low: ``(d,)`` lower bounds (the space's ``low``, raveled).
        high: ``(d,)`` upper clip bounds (the space's ``high - 1e-8``, as Gymnasium clips).
        edges: ``(d, k)`` inner bin edges per element, padded with ``+inf``.
        strides: ``(d,)`` row-major strides of the per-element indices (their dtype is the
            index dtype).
        combine: Whether to combine the indices into one (Discrete) or not (MultiDiscrete).
        batch_ndim: 0 or 1.
        xp: The namespace.

    Returns:
        ``(*batch, d)`` indices, or ``batch``-shaped flat indices when ``combine``.
    """
    flat = xp.reshape(x, (*x.shape[:batch_ndim], -1))
    clipped = xp.minimum(xp.maximum(flat, low), high)
    indices = xp.sum(xp.astype(xp.expand_dims(clipped, axis=-1) >= edges, strides.dtype), axis=-1)
    return xp.sum(indices * strides, axis=-1) if combine else indices


# ---------------------------------------------------------------- kernels


def _one(space: Any) -> tuple[KernelInput, ...]:
    return (KernelInput((), space.dtype, tuple(space.shape or ())),)


class ReshapeKernel(ObservationKernel):
    def __init__(self, space: Any, shape: tuple[int, ...]) -> None:
        self.inputs = _one(space)
        self.shape = shape

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        return reshape_observation(leaves[0], shape=self.shape, batch_ndim=batch_ndim, xp=xp)

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        return reshaper(shape=self.shape, batch_ndim=batch_ndim, xp=xp)


class RescaleKernel(ObservationKernel):
    def __init__(self, space: Any, gradient: np.ndarray, intercept: np.ndarray) -> None:
        self.inputs = _one(space)
        self.host = (gradient, intercept)

    def upload(self, *, xp: Namespace[Any], device: Device) -> Any:
        return tuple(device_constant(c, xp=xp, device=device) for c in self.host)

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        return rescale_observation(leaves[0], *constants, xp=xp)

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        gradient, intercept = constants
        return rescaler(gradient, intercept, xp=xp)


class CastKernel(ObservationKernel):
    def __init__(self, space: Any, dtype: Any) -> None:
        self.inputs = _one(space)
        self.host_dtype = np.dtype(dtype)

    def upload(self, *, xp: Namespace[Any], device: Device) -> Any:
        return device_dtype(self.host_dtype, xp=xp, device=device)

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        return cast_observation(leaves[0], dtype=constants, xp=xp)

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        return caster(dtype=constants, xp=xp)


class DiscretizeKernel(ObservationKernel):
    def __init__(self, space: Any, host: tuple[np.ndarray, ...], flat: bool) -> None:
        self.inputs = _one(space)
        self.host = host
        self.flat = flat

    def upload(self, *, xp: Namespace[Any], device: Device) -> Any:
        low, high, edges, strides = (device_constant(c, xp=xp, device=device) for c in self.host)
        return low, high, edges, strides

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        low, high, edges, strides = constants
        return discretize_observation(
            leaves[0], low, high, edges, strides, combine=self.flat, batch_ndim=batch_ndim, xp=xp
        )

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        low, high, edges, strides = constants
        combine = self.flat
        return lambda x: discretize_observation(
            x, low, high, edges, strides, combine=combine, batch_ndim=batch_ndim, xp=xp
        )


class CheckKernel(ObservationKernel):
    """Check the array leaves of an observation and compute nothing (a pass-through wrapper)."""

    def __init__(self, plan: tuple[FlatLeaf, ...]) -> None:
        self.inputs = tuple(
            KernelInput(leaf.path, leaf.space.dtype, tuple(leaf.space.shape or ())) for leaf in plan
        )

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        return None


class FlattenKernel(ObservationKernel):
    """Flatten a tree of array-space leaves (see :mod:`array_env._ops.flatten`)."""

    def __init__(self, plan: tuple[FlatLeaf, ...], dtype: Any) -> None:
        self.plan = plan
        self.inputs = tuple(
            KernelInput(leaf.path, leaf.space.dtype, tuple(leaf.space.shape or ())) for leaf in plan
        )
        self.host_dtype = np.dtype(dtype)

    def upload(self, *, xp: Namespace[Any], device: Device) -> Any:
        dtype = device_dtype(self.host_dtype, xp=xp, device=device)
        return dtype, leaf_constants(self.plan, xp=xp, device=device)

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        dtype, per_leaf = constants
        return flatten_leaves(
            leaves, self.plan, per_leaf, dtype=dtype, batch_ndim=batch_ndim, xp=xp
        )

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        flat = self.bind_leaves(constants, batch_ndim=batch_ndim, xp=xp)
        return lambda x: flat((x,))

    def bind_leaves(
        self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]
    ) -> Callable[[Sequence[Any]], Any]:
        dtype, per_leaf = constants
        return flattener(self.plan, per_leaf, dtype=dtype, batch_ndim=batch_ndim, xp=xp)


def flatten_kernel(space: Any) -> tuple[gym.Space[Any], FlattenKernel | None]:
    """Gymnasium's flattened space, and the kernel (``None``: leave it to Gymnasium's flatten)."""
    flat_space = gym_flatten_space(space)
    plan = flatten_plan(space)
    if plan is None or not is_space(flat_space, spaces.Box):
        return flat_space, None
    return flat_space, FlattenKernel(plan, flat_space.dtype)


# ---------------------------------------------------------------- settings


def filter_kernel_space(owner: str, space: Any, filter_keys: Any) -> gym.Space[Any]:
    """Validate FilterObservation's keys (Gymnasium's checks and errors); return the new space."""
    if not isinstance(filter_keys, Sequence):
        raise TypeError(
            f"{owner}: Expects `filter_keys` to be a Sequence, actual type: {type(filter_keys)}"
        )
    keys: Sequence[Any] = filter_keys  # pyright: ignore[reportUnknownVariableType]
    if is_space(space, spaces.Dict):
        if not all(isinstance(key, str) for key in keys):
            raise TypeError(
                f"{owner}: All filter keys must be strings for a Dict space, got {keys}"
            )
        missing = [key for key in keys if key not in space.spaces]
        if missing:
            raise ValueError(
                f"{owner}: All the `filter_keys` must be included in the observation space.\n"
                f"Filter keys: {keys}\nObservation keys: {list(space.spaces)}\n"
                f"Missing keys: {missing}"
            )
        filtered: gym.Space[Any] = spaces.Dict(
            {key: space[key] for key in keys}, sort_keys=space.sort_keys
        )
        if len(filtered.spaces) == 0:  # type: ignore[attr-defined]
            raise ValueError(
                f"{owner}: The observation space is empty due to filtering all of the keys."
            )
        return filtered
    if is_space(space, spaces.Tuple):
        if not all(isinstance(key, int) for key in keys):
            raise TypeError(
                f"{owner}: All filter keys must be integers for a Tuple space, got {keys}"
            )
        if len(set(keys)) != len(keys):
            raise ValueError(f"{owner}: Duplicate keys exist, filter_keys: {keys}")
        missing = [key for key in keys if key > 0 and key >= len(space)]
        if missing:
            raise ValueError(
                f"{owner}: All the `filter_keys` must be included in the length of the "
                f"observation space.\nFilter keys: {keys}, length of observation: {len(space)}, "
                f"missing indexes: {missing}"
            )
        filtered = spaces.Tuple(space[key] for key in keys)
        if len(filtered) == 0:
            raise ValueError(f"{owner}: The observation space is empty due to filtering all keys.")
        return filtered
    raise ValueError(
        f"{owner}: FilterObservation wrapper is only usable with `Dict` and `Tuple` observations, "
        f"actual type: {type(space)}"
    )


def selector(keys: Sequence[Any], *, as_tuple: bool) -> Callable[[Any], Any]:
    """:func:`select_keys` with its keys bound (see :func:`reshaper`)."""
    if len(keys) == 1:
        (only,) = keys
        return (lambda obs: (obs[only],)) if as_tuple else (lambda obs: {only: obs[only]})
    getter = itemgetter(*keys)
    if as_tuple:
        return getter
    names = tuple(keys)
    return lambda obs: dict(zip(names, getter(obs), strict=True))


def select_keys(observation: Any, keys: Sequence[Any], *, as_tuple: bool) -> Any:
    """FilterObservation's core: the selected entries, in ``keys`` order (no array touched)."""
    return selector(keys, as_tuple=as_tuple)(observation)


def output_keys(space: Any, filter_keys: Sequence[Any]) -> tuple[Any, ...]:
    """The keys in ``filter_keys`` order, as Gymnasium's wrapper returns them.

    A ``Dict`` space sorts its keys (unless built with ``sort_keys=False``), so with unsorted
    ``filter_keys`` the observation's keys iterate in another order than the space's, exactly
    as in Gymnasium; the dicts are equal either way.
    """
    return tuple(filter_keys)


def reshape_settings(owner: str, space: Any, shape: Any) -> spaces.Box:
    """Validate ReshapeObservation's shape (Gymnasium's order of checks); return the new Box."""
    if not is_space(space, spaces.Box):
        raise TypeError(f"{owner} requires a Box observation space, got {type(space)}")
    if np.prod(shape) != np.prod(space.shape):
        raise ValueError(
            f"{owner} requires the product of the new shape to match the original shape, "
            f"got shape {shape} for an observation of shape {space.shape}"
        )
    if not isinstance(shape, tuple):
        raise TypeError(f"{owner} requires shape to be a tuple, got {type(shape)}")
    items: tuple[Any, ...] = shape  # pyright: ignore[reportUnknownVariableType]
    if not all(np.issubdtype(type(elem), np.integer) for elem in items):  # pyright: ignore[reportUnknownArgumentType]
        raise TypeError(f"{owner} requires shape elements to be integers, got {items}")
    if not all(x > 0 or x == -1 for x in items):
        raise ValueError(f"{owner} requires shape elements to be greater than 0 or -1, got {items}")
    return spaces.Box(
        low=np.reshape(np.ravel(space.low), items),
        high=np.reshape(np.ravel(space.high), items),
        shape=items,
        dtype=space.dtype,
    )


def rescale_settings(
    owner: str, space: Any, min_obs: Any, max_obs: Any
) -> tuple[spaces.Box, np.ndarray, np.ndarray]:
    """Validate RescaleObservation's bounds; return the new Box, the gradient and intercept.

    The validation and the new Box are Gymnasium's own (``rescale_box``), with the wrapper's
    name added to its messages; gradient and intercept are the same affine map, computed here
    on the host in the same precision so that the forward map rounds as Gymnasium's does.
    """
    if not is_space(space, spaces.Box):
        raise TypeError(f"{owner} requires a Box observation space, got {type(space)}")
    try:
        new_box, _, _ = rescale_box(space, min_obs, max_obs)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{owner}: {error}") from None
    new_min: Any = min_obs if isinstance(min_obs, np.ndarray) else np.full(space.shape, min_obs)  # pyright: ignore[reportUnknownVariableType]
    new_max: Any = max_obs if isinstance(max_obs, np.ndarray) else np.full(space.shape, max_obs)  # pyright: ignore[reportUnknownVariableType]
    min_finite, max_finite = np.isfinite(new_min), np.isfinite(new_max)
    both = min_finite & max_finite
    wide = np.longdouble
    span = np.asarray(space.high[both], dtype=wide) - np.asarray(space.low[both], dtype=wide)
    gradient: Any = np.ones_like(new_min, dtype=space.dtype)
    gradient[both] = (new_max[both] - new_min[both]) / span
    intercept: Any = np.zeros_like(new_min, dtype=space.dtype)
    intercept[max_finite] = new_max[max_finite] - space.high[max_finite]
    intercept[min_finite] = gradient[min_finite] * -space.low[min_finite] + new_min[min_finite]
    return new_box, gradient, intercept


def dtype_space(owner: str, space: Any, dtype: Any) -> gym.Space[Any]:
    """Validate DtypeObservation's space; return the space with the new dtype (Gymnasium's)."""
    if is_space(space, spaces.Box):
        return spaces.Box(low=space.low, high=space.high, shape=space.shape, dtype=dtype)
    if is_space(space, spaces.Discrete):
        return spaces.Box(low=space.start, high=space.start + space.n - 1, shape=(), dtype=dtype)
    if is_space(space, spaces.MultiDiscrete):
        return spaces.MultiDiscrete(space.nvec, dtype=dtype, start=space.start)
    if is_space(space, spaces.MultiBinary):
        return spaces.Box(low=0, high=1, shape=space.shape, dtype=dtype)
    raise TypeError(
        f"{owner} requires a Box, Discrete, MultiDiscrete, or MultiBinary space, got {type(space)}"
    )


class DiscretizeSettings:
    """DiscretizeObservation's host settings (Gymnasium's public attributes and the constants)."""

    def __init__(self, owner: str, space: Any, bins: Any) -> None:
        if not is_space(space, spaces.Box):
            raise TypeError(
                f"{owner} is only compatible with Box continuous observations, got {type(space)}"
            )
        self.low: Any = np.ravel(space.low)
        self.high: Any = np.ravel(space.high)
        self.bins: Any
        self.bin_edges: list[Any]
        self.n_dims = int(self.low.size)
        if np.any(np.isinf(self.low)) or np.any(np.isinf(self.high)):
            raise ValueError(
                f"{owner}: Discretization requires observation space to be finite. "
                f"Found: low={self.low}, high={self.high}"
            )
        if isinstance(bins, int):
            self.bins = np.array([bins] * self.n_dims)
        else:
            if len(bins) != self.n_dims:
                raise ValueError(
                    f"{owner}: bins must match action dimensions: expected {self.n_dims}, "
                    f"got {len(bins)}"
                )
            self.bins = np.array(bins)
        self.bin_edges = [
            np.linspace(self.low[i], self.high[i], self.bins[i] + 1)[1:-1]
            for i in range(self.n_dims)
        ]
        width = max((len(e) for e in self.bin_edges), default=0)
        edges = np.full((self.n_dims, max(width, 1)), np.inf)
        for i, row in enumerate(self.bin_edges):
            edges[i, : len(row)] = row
        strides = np.ones(self.n_dims, dtype=np.int64)
        for i in range(self.n_dims - 2, -1, -1):
            strides[i] = strides[i + 1] * int(self.bins[i + 1])
        self.constants = (self.low, self.high - 1e-8, edges, strides)


# ---------------------------------------------------------------- single-env shells


class _ObservationHook:
    """Keeps Gymnasium's extension point for shells whose ``step`` skips ``observation``.

    The shells' ``step`` transforms the observation inline (one Python call fewer per step); a
    subclass that overrides ``observation`` (Gymnasium's ``ObservationWrapper`` hook) and not
    ``step`` gets a ``step`` that calls it, as ``gymnasium.ObservationWrapper.step`` does.
    """

    def _step_via_observation(self, action: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        shell: Any = self  # a wrapper: ``env`` and ``observation`` come from the class it joins
        observation, reward, terminated, truncated, info = shell.env.step(action)
        return shell.observation(observation), reward, terminated, truncated, info

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "observation" in cls.__dict__ and "step" not in cls.__dict__:
            cls.step = _ObservationHook._step_via_observation  # type: ignore[attr-defined]  # the class it joins has a step


class _ArrayObservation(
    _ObservationHook,
    KernelShell,
    Wrapper[ObsOut, Act, Any, Act],
    gym.utils.RecordConstructorArgs,
    Generic[Act, ObsOut],
):
    """reset/step/observation over a kernel: the whole behaviour of a stateless wrapper."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the env and transform its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self.observation(observation), info

    def step(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the env and transform the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        value: Any = observation  # an identity test on the type would narrow it to ``object``
        array_type, dtype, shape, device, core = self._fast
        if (
            type(value) is array_type
            and ((kind := value.dtype) is dtype or kind == dtype)
            and value.shape == shape
            and (device is None or value.device == device)
        ):  # the fast path of ``_transform``, inlined: one call fewer per step
            return core(value), reward, terminated, truncated, info
        return self.observation(observation), reward, terminated, truncated, info

    # Gymnasium's ``ObservationWrapper.observation``: the shell's check-and-transform itself.
    observation = KernelShell._transform


class TransformObservation(
    _ObservationHook, Wrapper[WObs, Act, Obs, Act], gym.utils.RecordConstructorArgs
):
    """Apply ``func`` to every observation from ``reset`` and ``step``.

    ``func`` is the caller's: it runs on the observation as it arrives, in its namespace and on
    its device. Give ``observation_space`` when the result leaves the env's space. The vector
    twin is :class:`array_env.vector.TransformObservation`.

    Args:
        env: The environment.
        func: The transformation, applied to each observation.
        observation_space: The wrapper's observation space; ``None`` keeps the env's.

    Examples:
        >>> import gymnasium as gym
        >>> env = TransformObservation(gym.make("CartPole-v1"), lambda obs: obs * 2, None)
        >>> obs, _ = env.reset(seed=42)
        >>> [round(float(x), 4) for x in obs]
        [0.0548, -0.0122, 0.0717, 0.0395]
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        func: Callable[[Obs], Any],
        observation_space: gym.Space[WObs] | None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, func=func, observation_space=observation_space
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        if observation_space is not None:
            self.observation_space = observation_space
        self.func = func

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[WObs, dict[str, Any]]:
        """Reset the env and transform its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self.observation(observation), info

    def step(self, action: Act) -> tuple[WObs, Any, Any, Any, dict[str, Any]]:
        """Step the env and transform the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        # ``observation``'s body, inlined: one Python call fewer per step
        return self.func(observation), reward, terminated, truncated, info

    def observation(self, observation: Obs) -> Any:
        """Apply :attr:`func`."""
        return self.func(observation)


class FilterObservation(
    _ObservationHook, Wrapper[Any, Act, Any, Act], gym.utils.RecordConstructorArgs
):
    """Keep only the given keys of a ``Dict`` observation, or indices of a ``Tuple`` one.

    The entries are passed through untouched, in ``filter_keys`` order (namespace and device
    unchanged). The vector twin is :class:`array_env.vector.FilterObservation`.

    Args:
        env: The environment; its observation space must be a ``Dict`` or a ``Tuple``.
        filter_keys: Strings for a ``Dict`` space, integers for a ``Tuple`` space.

    Raises:
        TypeError: If ``filter_keys`` is not a sequence or holds keys of the wrong type.
        ValueError: If a key is missing, repeated, or the space is neither Dict nor Tuple.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> env = FilterObservation(gym.make("array_env/NestedCatch-v0"), ["position"])
        >>> env.observation_space
        Dict('position': Box(0.0, 1.0, (3,), float32))
        >>> list(env.reset(seed=0)[0])
        ['position']
    """

    def __init__(self, env: gym.Env[Any, Act], filter_keys: Sequence[str | int]) -> None:
        space = filter_kernel_space(type(self).__name__, env.observation_space, filter_keys)
        gym.utils.RecordConstructorArgs.__init__(self, filter_keys=filter_keys)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space
        self.filter_keys: Sequence[str | int] = filter_keys
        self._as_tuple = is_space(space, spaces.Tuple)
        self._keys = output_keys(space, filter_keys)
        self._select = selector(self._keys, as_tuple=self._as_tuple)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env and filter its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self.observation(observation), info

    def step(self, action: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step the env and filter the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._select(observation), reward, terminated, truncated, info

    def observation(self, observation: Any) -> Any:
        """Select the filter keys."""
        return self._select(observation)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_select", None)  # a closure: rebuilt from the keys on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._select = selector(self._keys, as_tuple=self._as_tuple)


class FlattenObservation(_ArrayObservation[Act, ObsOut]):
    """Flatten every observation into one vector, as ``gymnasium.spaces.utils.flatten`` does.

    Box and MultiBinary values are reshaped, Discrete and MultiDiscrete values become one-hot
    rows, and ``Dict``/``Tuple`` values are flattened leaf by leaf and concatenated, all in the
    observation's namespace and on its device. Spaces whose values are not arrays (Text, Graph,
    Sequence, OneOf, and trees holding them) are flattened by Gymnasium's own function, as in
    Gymnasium. The vector twin is :class:`array_env.vector.FlattenObservation`.

    Args:
        env: The environment.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> env = FlattenObservation(gym.make("array_env/NestedCatch-v0"))
        >>> env.observation_space.shape
        (449,)
        >>> obs, _ = env.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((449,), dtype('float64'))
    """

    def __init__(self, env: gym.Env[Any, Act]) -> None:
        space, kernel = flatten_kernel(env.observation_space)
        gym.utils.RecordConstructorArgs.__init__(self)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space
        self._source_space = env.observation_space
        if kernel is not None:
            self._kernel = kernel

    def observation(self, observation: Any) -> Any:
        """Flatten one observation."""
        if "_kernel" not in self.__dict__:
            return gym_flatten(self._source_space, observation)
        return self._transform(observation)


class ReshapeObservation(_ArrayObservation[Act, ObsOut]):
    """Reshape every ``Box`` observation to ``shape``.

    The vector twin is :class:`array_env.vector.ReshapeObservation`.

    Args:
        env: The environment; its observation space must be a Box.
        shape: The new shape, a tuple with the same number of elements (one ``-1`` allowed).

    Raises:
        TypeError: If the space is not a Box or ``shape`` is not a tuple of integers.
        ValueError: If the sizes differ or an element is neither positive nor ``-1``.

    Examples:
        >>> import gymnasium as gym
        >>> env = ReshapeObservation(gym.make("CartPole-v1"), (2, 2))
        >>> env.observation_space.shape, env.reset(seed=0)[0].shape
        ((2, 2), (2, 2))
    """

    def __init__(self, env: gym.Env[Any, Act], shape: int | tuple[int, ...]) -> None:
        space = reshape_settings(type(self).__name__, env.observation_space, shape)
        gym.utils.RecordConstructorArgs.__init__(self, shape=shape)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = cast("gym.Space[Any]", space)
        self.shape: tuple[int, ...] = tuple(space.shape)
        self._kernel = ReshapeKernel(env.observation_space, self.shape)


class RescaleObservation(_ArrayObservation[Act, ObsOut]):
    """Rescale ``Box`` observations affinely so the space's bounds become ``[min_obs, max_obs]``.

    Unbounded components must stay unbounded (Gymnasium's rule). The gradient and intercept
    are computed once on the host and uploaded once to the observations' device. The vector
    twin is :class:`array_env.vector.RescaleObservation`.

    Args:
        env: The environment; its observation space must be a Box.
        min_obs: The new lower bound (a number or an array of the space's shape).
        max_obs: The new upper bound.

    Raises:
        TypeError: If the space is not a Box or a bound is neither a number nor an array.
        ValueError: If a bound has the wrong shape, ``min_obs > max_obs``, or infinite bounds
            do not match.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> env = RescaleObservation(gym.make("Pendulum-v1"), np.float32(0), np.float32(1))
        >>> env.observation_space
        Box(0.0, 1.0, (3,), float32)
        >>> obs, _ = env.reset(seed=0)
        >>> bool(((0 <= obs) & (obs <= 1)).all())
        True
    """

    def __init__(self, env: gym.Env[Any, Act], min_obs: Any, max_obs: Any) -> None:
        box, gradient, intercept = rescale_settings(
            type(self).__name__, env.observation_space, min_obs, max_obs
        )
        gym.utils.RecordConstructorArgs.__init__(self, min_obs=min_obs, max_obs=max_obs)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = cast("gym.Space[Any]", box)
        self._kernel = RescaleKernel(env.observation_space, gradient, intercept)


class DtypeObservation(_ArrayObservation[Act, ObsOut]):
    """Cast every observation to ``dtype``.

    Box, Discrete, MultiDiscrete and MultiBinary spaces are accepted (Gymnasium's rules for the
    new space). On a device without 64-bit types a 64-bit ``dtype`` is narrowed to 32 bits. The
    vector twin is :class:`array_env.vector.DtypeObservation`.

    Args:
        env: The environment.
        dtype: The new dtype: a NumPy scalar type, dtype object or string.

    Raises:
        TypeError: If the space is of another kind.

    Examples:
        >>> import gymnasium as gym
        >>> env = DtypeObservation(gym.make("CartPole-v1"), "float64")
        >>> env.reset(seed=0)[0].dtype, env.observation_space.dtype
        (dtype('float64'), dtype('float64'))
    """

    def __init__(self, env: gym.Env[Any, Act], dtype: Any) -> None:
        space = dtype_space(type(self).__name__, env.observation_space, dtype)
        gym.utils.RecordConstructorArgs.__init__(self, dtype=dtype)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space
        self.dtype = dtype
        self._kernel = CastKernel(env.observation_space, space.dtype)


class DiscretizeObservation(_ArrayObservation[Act, ObsOut]):
    """Bin a finite ``Box`` observation uniformly into one ``Discrete`` (or per-element) index.

    Each element is clipped to its bounds and binned (``numpy.digitize`` on Gymnasium's bin
    edges, as a comparison count); the per-element indices are combined row-major into one
    index, or returned as they are with ``multidiscrete=True``. Observations come back as
    integer arrays (0-d for ``Discrete``) in the input's namespace and on its device. The
    vector twin is :class:`array_env.vector.DiscretizeObservation` (Gymnasium has none).

    Args:
        env: The environment; its observation space must be a bounded Box.
        bins: Bins per element: one integer for all, or one per element.
        multidiscrete: Return a ``MultiDiscrete`` index vector instead of one index.

    Raises:
        TypeError: If the space is not a Box.
        ValueError: If a bound is infinite or ``bins`` has the wrong length.

    Examples:
        >>> import gymnasium as gym
        >>> env = DiscretizeObservation(gym.make("MountainCar-v0"), 10)
        >>> env.observation_space
        Discrete(100)
        >>> obs, _ = env.reset(seed=0)
        >>> int(obs)
        45
    """

    def __init__(
        self, env: gym.Env[Any, Act], bins: int | tuple[int, ...], multidiscrete: bool = False
    ) -> None:
        settings = DiscretizeSettings(type(self).__name__, env.observation_space, bins)
        gym.utils.RecordConstructorArgs.__init__(self, bins=bins, multidiscrete=multidiscrete)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.low, self.high, self.n_dims = settings.low, settings.high, settings.n_dims
        self.bins, self.bin_edges = settings.bins, settings.bin_edges
        self.multidiscrete = multidiscrete
        self.observation_space = cast(
            "gym.Space[Any]",
            spaces.MultiDiscrete(self.bins)
            if multidiscrete
            else spaces.Discrete(int(np.prod(self.bins))),  # pyright: ignore[reportUnknownArgumentType]
        )
        low, high, edges, strides = settings.constants
        self._kernel = DiscretizeKernel(
            env.observation_space, (low, high, edges, strides), flat=not multidiscrete
        )

    def revert_observation(self, obs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return the edges of the bin ``obs`` falls in, as NumPy arrays (Gymnasium's method)."""
        from array_env.convert import to_namespace

        host = np.asarray(to_namespace(obs, "numpy")) if not isinstance(obs, int) else obs
        if self.multidiscrete:
            indices = [int(i) for i in np.ravel(host)]
        else:
            flat, indices = int(host), list[int]()
            for b in reversed(self.bins):
                indices.insert(0, flat % int(b))
                flat //= int(b)
        edges = [  # pyright: ignore[reportUnknownVariableType]
            np.linspace(self.low[i], self.high[i], self.bins[i] + 1) for i in range(self.n_dims)
        ]
        dtype = self.env.observation_space.dtype
        lows = np.array([edges[i][idx] for i, idx in enumerate(indices)], dtype=dtype)
        highs = np.array([edges[i][idx + 1] for i, idx in enumerate(indices)], dtype=dtype)
        return lows, highs
