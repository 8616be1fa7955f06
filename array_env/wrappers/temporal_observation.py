"""Observation wrappers with state across steps: TimeAwareObservation and DelayObservation.

Both keep their state on the observations' device from the first contact on: TimeAware a step
counter (a ``(1,)`` column, or one per sub-env in the vector twin), Delay one ring buffer per
observation leaf (:mod:`array_env._ops.ring_buffer`, zero-padded, read at its oldest slot).
The pure cores are :func:`time_feature` (:func:`time_column` for the single counter) and
:func:`delayed_frame`; the vector twins in :mod:`array_env.vector.temporal_observation` call
them with a leading batch axis and masks. A single env whose observation is one array keeps
its last ``delay + 1`` arrays in a window instead
(:func:`~array_env._ops.ring_buffer.push_window`): as from Gymnasium's deque, each array is
returned once, as it arrived, so no buffer write and no copy are needed. The single shell holds
that window in a ``deque`` of references and pushes with ``append`` and ``popleft`` (the same
window as ``push_window``'s tuple, a third cheaper per step than a slice and a concatenation).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Generic

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers.utils import create_zero_array
from typing_extensions import TypeVar

from array_env._ops.flatten import (
    FlatLeaf,
    device_constant,
    device_dtype,
    flatten_plan,
    gym_flatten,
    is_space,
    leaf_at,
)
from array_env._ops.ring_buffer import (
    FrameRing,
    RingLayout,
    make_layout,
    oldest_in_window,
    push_frame,
    start_ring,
    start_window,
)
from array_env._ops.stop_gradient import stop_gradient
from array_env._tree import tree_leaves, tree_map_with_path
from array_env.convert import convert_array, to_namespace
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for, device_to_check
from array_env.wrappers._kernel_shell import KernelShell, adopt_leaf, anchor_leaf, host_leaf
from array_env.wrappers.stateless_observation import CheckKernel, FlattenKernel, flatten_kernel

__all__ = [
    "DelayObservation",
    "TimeAwareObservation",
    "TimeSettings",
    "delay_settings",
    "delayed_frame",
    "time_column",
    "time_feature",
]

Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it


# ---------------------------------------------------------------- cores


def time_feature(
    steps: Any,
    *,
    max_timesteps: int,
    normalize: bool,
    float_dtype: Any,
    wide: Any,
    xp: Namespace[Any],
) -> Any:
    """The time entry of each observation: ``(*batch, 1)``, a fresh array.

    Args:
        steps: The step counters, ``batch``-shaped int32 (0-d for one env).
        max_timesteps: The episode length limit.
        normalize: Return ``steps / max_timesteps`` as ``float_dtype`` (computed in ``wide``),
            else the counters themselves as int32.
        float_dtype: float32.
        wide: The widest float of the device (float64 where it has one).
        xp: The namespace.
    """
    return time_column(
        xp.expand_dims(steps, axis=-1), max_timesteps=max_timesteps, normalize=normalize,
        float_dtype=float_dtype, wide=wide, xp=xp,
    )  # fmt: skip


def time_column(
    column: Any,
    *,
    max_timesteps: int,
    normalize: bool,
    float_dtype: Any,
    wide: Any,
    copy: bool = True,
    xp: Namespace[Any],
) -> Any:
    """:func:`time_feature` of counters already shaped ``(*batch, 1)`` (the single wrapper's).

    With ``copy=False`` the counters come back as they are where no arithmetic is needed: for
    a caller that only reads them into a new array (the flattening concatenation).
    """
    if normalize:
        return xp.astype(xp.astype(column, wide) / max_timesteps, float_dtype)
    return xp.astype(column, column.dtype, copy=True) if copy else column


def delayed_frame(ring: FrameRing, *, layout: RingLayout, xp: Namespace[Any]) -> Any:
    """The ring's oldest frame per sub-env (the padding until the ring is full), a new array."""
    oldest = ring.newest + 1 if ring.newest + 1 < layout.stack_size else 0
    full = layout.stack_size - 1
    if layout.batch_ndim == 0:
        frame = ring.frames[oldest, ...] if ring.age == full else ring.padding
        return xp.asarray(frame, copy=True)
    rows = xp.reshape(ring.age == full, (-1,) + (1,) * layout.frame_ndim)
    return xp.where(rows, ring.frames[:, oldest, ...], ring.padding)


# ---------------------------------------------------------------- TimeAware settings


def _max_timesteps(owner: str, env: gym.Env[Any, Any]) -> int:
    if env.spec is not None and env.spec.max_episode_steps is not None:
        return int(env.spec.max_episode_steps)
    wrapped: Any = env
    while isinstance(wrapped, gym.Wrapper):
        if isinstance(wrapped, gym.wrappers.TimeLimit):
            return int(wrapped._max_episode_steps)  # pyright: ignore[reportPrivateUsage]
        wrapped = wrapped.env  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    raise ValueError(
        f"{owner}: The environment must be wrapped by a TimeLimit wrapper or the spec specify a "
        f"`max_episode_steps`, got {env}"
    )


class TimeSettings:
    """TimeAwareObservation's host settings: spaces, where the time goes, the flattening kernel."""

    def __init__(
        self, owner: str, space: Any, max_timesteps: int, *,
        flatten: bool, normalize_time: bool, dict_time_key: str,
    ) -> None:  # fmt: skip
        self.max_timesteps = max_timesteps
        self.normalize = normalize_time
        self.key: str | int
        time_space: Any = (
            spaces.Box(0.0, 1.0) if normalize_time else spaces.Box(0, max_timesteps, dtype=np.int32)
        )
        if is_space(space, spaces.Dict):
            if dict_time_key in space.spaces:
                raise ValueError(
                    f"{owner}: The `dict_time_key` ({dict_time_key!r}) already exists in the "
                    f"observation space, got {space}"
                )
            augmented: gym.Space[Any] = spaces.Dict(
                {dict_time_key: time_space, **space.spaces}, sort_keys=space.sort_keys
            )
            self.kind, self.key = "dict", dict_time_key
        elif is_space(space, spaces.Tuple):
            augmented = spaces.Tuple((*space.spaces, time_space))
            self.kind, self.key = "tuple", len(space.spaces)
        else:
            augmented = spaces.Dict(obs=space, time=time_space)
            self.kind, self.key = "wrap", "time"
        self.augmented = augmented
        self.kernel: FlattenKernel | None = None
        if flatten:
            self.space, self.kernel = flatten_kernel(augmented)
        else:
            self.space = augmented
        self.source_leaves: tuple[FlatLeaf, ...] | None = flatten_plan(space)
        # Without flattening the observation passes through, but it is still checked (the
        # time entry follows its namespace and device): an identity kernel over its leaves.
        self.check_kernel = None if self.source_leaves is None else CheckKernel(self.source_leaves)

    def augment(self, observation: Any, time: Any) -> Any:
        """Add the time entry to the observation, as Gymnasium places it."""
        if self.kind == "dict":
            return {self.key: time, **observation}
        if self.kind == "tuple":
            return (*observation, time)
        return {"obs": observation, "time": time}


def first_array(observation: Any) -> Any:
    """The first array leaf of an observation (a 0-d NumPy array for a host scalar leaf)."""
    for leaf in tree_leaves(observation):
        leaf = host_leaf(leaf)
        if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
            return leaf
    return np.zeros(())


class _TimeShell(KernelShell):
    """Augment and, when flattening, flatten through the kernel shell (single and vector)."""

    _settings: TimeSettings
    _wide: Any
    _int32: Any
    _float32: Any
    _xp: Any

    def _time_contact(self, observation: Any) -> ArrayContract:
        contract = contract_for(
            first_array(observation), owner=type(self).__name__, name="observation"
        )
        xp, device = contract.fast_xp, contract.device
        self._xp = xp
        self._int32 = device_dtype(np.int32, xp=xp, device=device)
        self._float32 = device_dtype(np.float32, xp=xp, device=device)
        self._wide = device_dtype(np.float64, xp=xp, device=device)
        self._one = xp.ones((1,), dtype=self._int32, device=device)  # array + array: cheaper
        return contract

    def _time(self, steps: Any) -> Any:
        s = self._settings
        return time_feature(
            steps, max_timesteps=s.max_timesteps, normalize=s.normalize,
            float_dtype=self._float32, wide=self._wide, xp=self._xp,
        )  # fmt: skip

    def _output(self, observation: Any, steps: Any, *, one: str | None = None) -> Any:
        return self._output_time(observation, self._time(steps), one=one)

    def _output_time(self, observation: Any, time: Any, *, one: str | None = None) -> Any:
        s = self._settings
        augmented = s.augment(observation, time)
        if s.kernel is None:
            if s.space is s.augmented:
                if s.check_kernel is not None and one is None:
                    self._transform(observation)
                elif s.check_kernel is not None and one is not None:
                    self._transform_one(observation, one)
                return augmented
            return gym_flatten(s.augmented, to_namespace(augmented, "numpy"))
        return self._transform(augmented) if one is None else self._transform_one(augmented, one)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for name in ("_xp", "_int32", "_float32", "_wide", "_one"):
            state.pop(name, None)
        steps = state.pop("_steps", None)
        state["_saved_steps"] = None if steps is None else to_namespace(steps, "numpy")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("_saved_steps", None)
        self.__dict__.update(state)
        self._steps = None
        self._pending_steps = saved


class TimeAwareObservation(
    _TimeShell,
    Wrapper[ObsOut, Act, Any, Act],
    gym.utils.RecordConstructorArgs,
    Generic[Act, ObsOut],
):
    """Add the number of steps taken in the episode to every observation.

    As Gymnasium's: for a ``Dict`` space the time goes under ``dict_time_key`` (first), for a
    ``Tuple`` space it is appended, otherwise the observation becomes
    ``{"obs": obs, "time": time}``; ``flatten=True`` (the default) flattens the result into one
    Box. The time is an int32 ``(1,)`` array, or float32 ``steps / max_timesteps`` with
    ``normalize_time=True``. The counter lives on the observations' device: :attr:`timesteps`
    reads it (a host read). The vector twin is :class:`array_env.vector.TimeAwareObservation`
    (Gymnasium has none).

    Args:
        env: The environment; its spec or a ``TimeLimit`` wrapper must give the episode limit.
        flatten: Flatten the observation into one Box.
        normalize_time: Give the time as a float in ``[0, 1]``.
        dict_time_key: The key of the time entry in a ``Dict`` observation.

    Raises:
        ValueError: If no episode limit is known or ``dict_time_key`` exists already.

    Examples:
        >>> import gymnasium as gym
        >>> env = TimeAwareObservation(gym.make("CartPole-v1"))
        >>> env.observation_space.shape, env.max_timesteps
        ((5,), 500)
        >>> obs, _ = env.reset(seed=42)
        >>> obs, *_ = env.step(0)
        >>> float(obs[-1]), env.timesteps
        (1.0, 1)
    """

    max_timesteps: int

    def __init__(
        self,
        env: gym.Env[Any, Act],
        flatten: bool = True,
        normalize_time: bool = False,
        *,
        dict_time_key: str = "time",
    ) -> None:
        owner = type(self).__name__
        settings = TimeSettings(
            owner, env.observation_space, _max_timesteps(owner, env), flatten=flatten,
            normalize_time=normalize_time, dict_time_key=dict_time_key,
        )  # fmt: skip
        gym.utils.RecordConstructorArgs.__init__(
            self, flatten=flatten, normalize_time=normalize_time, dict_time_key=dict_time_key
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.flatten: bool = flatten
        self.normalize_time: bool = normalize_time
        self.max_timesteps = settings.max_timesteps
        self.observation_space = settings.space
        self._settings = settings
        kernel = settings.kernel or settings.check_kernel
        if kernel is not None:
            self._kernel = kernel
        self._steps: Any = None
        self._pending_steps: Any = None

    @property
    def timesteps(self) -> int:
        """The steps taken in the current episode (reads the device counter)."""
        return 0 if self._steps is None else int(self._steps[0])

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the env and the counter; the first observation has time 0."""
        observation, info = self.env.reset(seed=seed, options=options)
        if self._steps is None and "_xp" not in self.__dict__:
            self._time_contact(observation)
        # the counter is a (1,) column: its arithmetic stays an array (a 0-d NumPy array gives
        # NumPy scalars), and it is the time entry's shape already
        steps = self._xp.zeros((1,), dtype=self._int32, device=self._device(observation))
        out = self._output_time(observation, self._column(steps))
        self._steps = steps
        return out, info

    def step(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the env and count the step."""
        steps = self._steps
        if steps is None and self._pending_steps is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        observation, reward, terminated, truncated, info = self.env.step(action)
        if steps is None:  # an unpickled copy: its counter comes back at the first contact
            self._time_contact(observation)
            steps = device_constant(
                self._pending_steps, xp=self._xp, device=self._device(observation)
            )
        steps = steps + self._one
        out = self._output_time(observation, self._column(steps))  # raises on a bad observation
        self._steps = steps  # only now: a rejected observation leaves the counter untouched
        return out, reward, terminated, truncated, info

    def _column(self, steps: Any) -> Any:
        s = self._settings
        return time_column(
            steps, max_timesteps=s.max_timesteps, normalize=s.normalize,
            float_dtype=self._float32, wide=self._wide, copy=s.kernel is None, xp=self._xp,
        )  # fmt: skip

    def _device(self, observation: Any) -> Any:
        from array_api_compat import device

        return device(first_array(observation))


# ---------------------------------------------------------------- Delay


def delay_settings(owner: str, space: Any, delay: Any) -> tuple[int, tuple[FlatLeaf, ...] | None]:
    """Validate the delay (Gymnasium's errors); return it and the space's array leaves."""
    if not np.issubdtype(type(delay), np.integer):  # pyright: ignore[reportUnknownArgumentType]
        raise TypeError(
            f"{owner}: The delay is expected to be an integer, actual type: {type(delay)}"
        )
    if not delay >= 0:
        raise ValueError(f"{owner}: The delay needs to be greater than zero, actual value: {delay}")
    return int(delay), flatten_plan(space)


class DelayRings:
    """One zero-padded ring buffer per array leaf of the observation (single or vector)."""

    def __init__(
        self, owner: str, leaves: tuple[FlatLeaf, ...], delay: int, batch: tuple[int, ...]
    ) -> None:
        self.owner = owner
        self.leaves = leaves
        self.size = delay + 1
        self.batch = batch
        self.contracts: tuple[ArrayContract, ...] | None = None
        self.layouts: tuple[RingLayout, ...] = ()
        self.paddings: tuple[Any, ...] = ()
        self.rings: tuple[FrameRing, ...] | None = None
        self.xp: Any = None

    def arrays(
        self, observation: Any, name: str, batch: tuple[int, ...] | None = None
    ) -> list[Any]:
        """The observation's leaves, checked (the contracts are fixed at the first call)."""
        leaves = [leaf_at(observation, leaf.path) for leaf in self.leaves]
        batch = self.batch if batch is None else batch
        contracts = self.contracts
        if contracts is None:
            first = contract_for(anchor_leaf(leaves), owner=self.owner, name=name)
            leaves = [adopt_leaf(x, first) for x in leaves]
            xp, device = first.xp, first.device
            contracts = tuple(
                first._replace(
                    dtype=device_dtype(leaf.space.dtype, xp=xp, device=device),
                    shape=(*self.batch, *_shape(leaf)),
                )
                for leaf in self.leaves
            )  # fmt: skip
            self._check(contracts, leaves, name, batch)
            self.contracts, self.xp = contracts, first.fast_xp
            self.layouts = tuple(
                make_layout(self.size, batch_ndim=len(self.batch), frame_ndim=len(_shape(leaf)),
                            pad_with_first=False, xp=xp, device=device)
                for leaf in self.leaves
            )  # fmt: skip
            self.paddings = tuple(
                xp.astype(
                    device_constant(
                        np.asarray(create_zero_array(leaf.space)), xp=xp, device=device
                    ),
                    c.dtype,
                )
                for leaf, c in zip(self.leaves, contracts, strict=True)
            )
        else:
            leaves = [adopt_leaf(x, contracts[0]) for x in leaves]
            self._check(contracts, leaves, name, batch)
        return leaves

    def _check(
        self,
        contracts: tuple[ArrayContract, ...],
        leaves: list[Any],
        name: str,
        batch: tuple[int, ...],
    ) -> None:
        for contract, value, leaf in zip(contracts, leaves, self.leaves, strict=True):
            if not contract.matches(value) or batch != self.batch:
                contract._replace(shape=(*batch, *_shape(leaf))).check(
                    value, owner=self.owner, name=_leaf_name(name, leaf)
                )

    def start(self, leaves: list[Any]) -> tuple[FrameRing, ...]:
        """New rings starting from the reset leaves."""
        return tuple(
            start_ring(value, layout=layout, padding=padding, xp=self.xp)
            for value, layout, padding in zip(leaves, self.layouts, self.paddings, strict=True)
        )

    def push(
        self, rings: tuple[FrameRing, ...], leaves: list[Any], restart: Any = None
    ) -> tuple[FrameRing, ...]:
        """The rings with the leaves pushed (``restart``: vector next-step reset rows)."""
        return tuple(
            push_frame(ring, value, layout=layout, restart=restart, xp=self.xp)
            for ring, value, layout in zip(rings, leaves, self.layouts, strict=True)
        )

    def read(self, rings: tuple[FrameRing, ...], template: Any) -> Any:
        """The delayed observation, in the structure of ``template``."""
        frames = {
            leaf.path: delayed_frame(ring, layout=layout, xp=self.xp)
            for leaf, ring, layout in zip(self.leaves, rings, self.layouts, strict=True)
        }
        return tree_map_with_path(lambda path, _: frames[path], template)


def _shape(leaf: FlatLeaf) -> tuple[int, ...]:
    return tuple(leaf.space.shape or ())


def _leaf_name(name: str, leaf: FlatLeaf) -> str:
    from array_env._tree import format_path

    return format_path(leaf.path, name)


class DelayObservation(
    Wrapper[ObsOut, Act, Any, Act], gym.utils.RecordConstructorArgs, Generic[Act, ObsOut]
):
    """Return each observation ``delay`` steps late; until then, the space's zero observation.

    As Gymnasium's (the "zero" is ``create_zero_array``: zeros clipped into the space's
    bounds). The last ``delay + 1`` observations live in a preallocated ring buffer per array
    leaf, on the observations' device; an observation that is one array is kept as it arrived
    in a window of ``delay + 1`` arrays and returned as it is (as Gymnasium's deque does);
    spaces whose values are not arrays (Text, Graph, Sequence) are queued on the host as
    Gymnasium does. The vector twin is
    :class:`array_env.vector.DelayObservation` (Gymnasium has none).

    Args:
        env: The environment.
        delay: The number of steps to delay observations by, at least 0.

    Raises:
        TypeError: If ``delay`` is not an integer.
        ValueError: If ``delay`` is negative.

    Examples:
        >>> import gymnasium as gym
        >>> env = DelayObservation(gym.make("CartPole-v1"), 2)
        >>> first, _ = env.reset(seed=42)
        >>> first.tolist()
        [0.0, 0.0, 0.0, 0.0]
        >>> env.step(0)[0].tolist()
        [0.0, 0.0, 0.0, 0.0]
        >>> [round(x, 4) for x in env.step(0)[0].tolist()]
        [0.0274, -0.0061, 0.0359, 0.0197]
    """

    def __init__(self, env: gym.Env[Any, Act], delay: int) -> None:
        owner = type(self).__name__
        self.delay: int
        delay_value, leaves = delay_settings(owner, env.observation_space, delay)
        gym.utils.RecordConstructorArgs.__init__(self, delay=delay)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.delay = delay_value
        self._leaves = leaves
        self._buffers = None if leaves is None else DelayRings(owner, leaves, delay_value, ())
        self._rings: tuple[FrameRing, ...] | None = None
        self._rings_on_host = False
        self.observation_queue: deque[Any] = deque()  # host queue for non-array spaces only
        # An observation that is one array (a Box or MultiBinary space) takes the window of
        # :func:`start_window`: the arrays as they arrived, checked; Gymnasium's deque in effect.
        self._one_array = leaves is not None and len(leaves) == 1 and not leaves[0].path
        self._one_array = self._one_array and leaves is not None and leaves[0].kind == "array"
        # the window less its oldest slot (returned already), oldest first; None: empty slot
        self._slots: deque[Any] | None = None
        self._slots_on_host = False
        # The step path's state in one tuple (one attribute read): the window, then the contract
        # inlined as (array_type, dtype, shape, device or None where the type implies it).
        self._fast: _WindowPath = _NO_WINDOW
        self._spec: tuple[type[Any], Any, Any, Any] | None = None
        self._detach = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the env and empty the delay buffer."""
        observation, info = self.env.reset(seed=seed, options=options)
        buffers = self._buffers
        if buffers is None:
            self.observation_queue.clear()
            return self._host_delay(observation), info
        leaves = buffers.arrays(observation, "observation")
        if self._one_array:
            if self._spec is None:  # once per wrapper (and per unpickled copy)
                self._one_array_contact()
            window = start_window(self._stored(leaves[0]), self.delay)
            # the deque keeps the window less its oldest slot, returned now (Gymnasium's queue:
            # the last ``delay`` observations, empty slots included)
            self._set_window(deque(window[1:]))
            return oldest_in_window(window, buffers.paddings[0], xp=buffers.xp), info
        self._rings = rings = buffers.start(leaves)
        self._rings_on_host = False
        return buffers.read(rings, observation), info

    def step(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the env; return the observation from ``delay`` steps ago."""
        window, array_type, dtype, shape, device = self._fast
        if window is None:
            return self._step_other(action)
        observation, reward, terminated, truncated, info = self.env.step(action)
        value: Any = observation  # an identity test on the type would narrow it to ``object``
        # the contract's ``matches``, inlined; the full check raises before any change
        if (
            type(value) is array_type
            and ((kind := value.dtype) is dtype or kind == dtype)
            and value.shape == shape
        ):
            if device is None:  # NumPy: the type implies the device
                window.append(value)
            elif value.device == device:
                window.append(stop_gradient(value) if self._detach else value)
            else:
                self._slow_push(observation, window)
        else:
            self._slow_push(observation, window)
        # push_window's step on the deque: the oldest slot leaves, returned (empty: the padding)
        oldest = window.popleft()
        if oldest is None:
            return self._padded(), reward, terminated, truncated, info
        return oldest, reward, terminated, truncated, info

    def _padded(self) -> Any:
        """An empty slot's observation: a copy of the padding (the space's zero observation)."""
        return self._xp.asarray(self._padding, copy=True)

    def _slow_push(self, observation: Any, window: deque[Any]) -> None:
        """Check ``observation`` in full and append it (raises before any change)."""
        buffers = self._buffers
        assert buffers is not None
        window.append(self._stored(buffers.arrays(observation, "observation")[0]))

    def _step_other(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """A step without a window on the device: rings, host queue, or an unpickled window."""
        host_window = self._slots
        if host_window is None:
            return self._step_rings(action)
        observation, reward, terminated, truncated, info = self.env.step(action)
        buffers = self._buffers
        assert buffers is not None
        value = buffers.arrays(observation, "observation")[0]  # raises before any change
        self._one_array_contact()  # the copy's first contact: its window follows
        window = deque(_move(x, buffers) for x in host_window)
        window.append(self._stored(value))
        self._set_window(window)
        oldest = window.popleft()
        if oldest is None:
            return self._padded(), reward, terminated, truncated, info
        return oldest, reward, terminated, truncated, info

    def _set_window(self, window: deque[Any]) -> None:
        assert self._spec is not None
        self._slots, self._slots_on_host = window, False
        self._fast = (window, *self._spec)

    def _one_array_contact(self) -> None:
        buffers = self._buffers
        assert buffers is not None
        assert buffers.contracts is not None
        contract = buffers.contracts[0]
        self._spec = (
            contract.array_type, contract.dtype, contract.shape, device_to_check(contract)
        )  # fmt: skip
        self._detach = compat.is_torch_namespace(contract.xp)  # never keep autograd history
        self._xp = buffers.xp
        self._padding = buffers.paddings[0]

    def _stored(self, value: Any) -> Any:
        return stop_gradient(value) if self._detach else value

    def _step_rings(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        buffers = self._buffers
        if buffers is not None and self._rings is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        observation, reward, terminated, truncated, info = self.env.step(action)
        if buffers is None:
            return self._host_delay(observation), reward, terminated, truncated, info
        leaves = buffers.arrays(observation, "observation")  # raises before any write
        rings = self._rings
        assert rings is not None
        if self._rings_on_host:  # an unpickled copy: its buffers follow the first contact
            rings = tuple(ring_to(r, buffers) for r in rings)
            self._rings_on_host = False
        self._rings = rings = buffers.push(rings, leaves)
        return buffers.read(rings, observation), reward, terminated, truncated, info

    def _host_delay(self, observation: Any) -> Any:
        self.observation_queue.append(observation)
        if len(self.observation_queue) > self.delay:
            return self.observation_queue.popleft()
        return create_zero_array(self.observation_space)

    def __getstate__(self) -> dict[str, Any]:
        # Namespaces and devices do not pickle: the buffers travel as NumPy arrays and follow
        # the copy's first contact.
        state = dict(self.__dict__)
        buffers = self._buffers
        if buffers is not None:
            state["_buffers"] = DelayRings(buffers.owner, buffers.leaves, self.delay, ())
            if self._rings is not None:
                state["_rings"] = tuple(ring_to_host(r) for r in self._rings)
                state["_rings_on_host"] = True
            if self._slots is not None:
                state["_slots"] = tuple(
                    None if x is None else np.asarray(to_namespace(x, "numpy")) for x in self._slots
                )
                state["_slots_on_host"] = True
        for name in ("_xp", "_padding"):
            state.pop(name, None)
        state["_fast"], state["_spec"], state["_detach"] = _NO_WINDOW, None, False
        return state


_WindowPath = tuple[deque[Any] | None, type[Any], Any, Any, Any]
_NO_WINDOW: _WindowPath = (None, type(None), None, None, None)


def _move(x: Any, buffers: DelayRings) -> Any:
    if x is None:
        return None
    assert buffers.contracts is not None
    contract = buffers.contracts[0]
    return convert_array(x, xp=contract.xp, device=contract.device)


def ring_to_host(ring: FrameRing) -> FrameRing:
    age = ring.age if isinstance(ring.age, int) else to_namespace(ring.age, "numpy")
    return ring._replace(
        frames=np.array(to_namespace(ring.frames, "numpy")), age=age,
        padding=to_namespace(ring.padding, "numpy"),
    )  # fmt: skip


def ring_to(ring: FrameRing, buffers: DelayRings) -> FrameRing:
    assert buffers.contracts is not None
    contract = buffers.contracts[0]

    def move(x: Any) -> Any:
        return x if isinstance(x, int) else convert_array(x, xp=contract.xp, device=contract.device)

    frames = move(ring.frames)
    if buffers.layouts[0].in_place:
        frames = contract.xp.asarray(frames, copy=True)  # a writable buffer of its own
    return ring._replace(frames=frames, age=move(ring.age), padding=move(ring.padding))
