"""The shells every array environment shares: one functional model, a single and a vector face.

A *model* is the pure part of an environment: it owns the namespace, the device and the
device-side constants, and maps a batched state (a ``NamedTuple`` of ``(N,)`` arrays) to the next
state, reward and termination. :class:`ArrayEnv` runs it with a batch of one and
:class:`ArrayVectorEnv` with ``num_envs``, resetting sub-environments with ``xp.where`` masks, so
neither reads a device value back on the host in ``step`` or ``reset``.

Randomness is drawn with the environment's seeded ``np_random`` on the host and sent to the
device. The vector environment cannot know on the host which sub-environments will reset (that
would read the done mask back), so in the autoreset modes it draws a fresh reset batch for all
``num_envs`` every step and selects it with the mask; on NumPy, where the mask is a host array,
it decodes and writes only the rows that reset (:mod:`array_env.envs._host_autoreset`), with the
same draw and so the same values.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from array_env._checks import ArrayMismatchError, check_array
from array_env._namespace import (
    PicklableNamespaces,
    device_name,
    namespace_name,
    resolve_device,
    resolve_namespace,
)
from array_env._ops.upload import host_to_device
from array_env._tree import tree_map
from array_env.envs._host_autoreset import fill_rows, reset_rows, take_columns
from array_env.typing import Device, DeviceLike, Namespace, NamespaceLike

__all__ = [
    "ActionOutsideSpaceError",
    "ArrayEnv",
    "ArrayModel",
    "ArrayVectorEnv",
]

S = TypeVar("S", bound=tuple[Any, ...])


class ActionOutsideSpaceError(gym.error.InvalidAction, ValueError):
    """An action of the right array type whose values lie outside the action space."""


class ArrayModel(PicklableNamespaces, Generic[S]):
    """The pure dynamics of an environment over a batch of sub-environments.

    Subclasses set the spaces and implement the abstract methods; every array method works on
    a leading batch axis and never reads a value back to the host.

    Args:
        xp: The namespace (an ``xp`` object, module or name such as ``"torch"``).
        device: The device (object or name such as ``"cuda:0"``); ``None`` for the default.
    """

    _namespace_fields: ClassVar[tuple[str, ...]] = ("xp",)
    _device_fields: ClassVar[tuple[tuple[str, str], ...]] = (("device", "xp"),)
    observation_space: spaces.Space[Any]
    action_space: spaces.Space[Any]
    render_fps: ClassVar[int] = 50
    step_returns_new_arrays: ClassVar[bool] = False
    """Whether every state field, reward and termination array ``step`` returns is a new array
    nothing else references, and ``observe`` returns no view of one; vector envs on NumPy then
    autoreset them in place."""

    def __init__(self, xp: NamespaceLike, device: DeviceLike | None) -> None:
        self.xp: Namespace[Any] = resolve_namespace(xp)
        self.device: Device = resolve_device(self.xp, device)
        info = self.xp.__array_namespace_info__()
        has_f64 = "float64" in info.dtypes(device=self.device, kind="real floating")
        has_i64 = "int64" in info.dtypes(device=self.device, kind="signed integer")
        self.float_dtype: Any = self.xp.float64 if has_f64 else self.xp.float32
        self.int_dtype: Any = self.xp.int64 if has_i64 else self.xp.int32
        self.host_float: type[np.floating[Any]] = np.float64 if has_f64 else np.float32
        self.host_int: type[np.signedinteger[Any]] = np.int64 if has_i64 else np.int32

    def parse_options(self, options: dict[str, Any] | None) -> Any:
        """Turn ``reset`` options into host parameters of the reset distribution."""
        del options
        return None

    def draw_reset(self, rng: np.random.Generator, size: tuple[int, ...], params: Any) -> Any:
        """Draw the host randomness of ``size`` resets; the first axis indexes state fields."""
        raise NotImplementedError

    def initial_state(self, noise: list[Any]) -> S:
        """Build a batched state from device draws: one ``(N,)`` array per drawn field."""
        raise NotImplementedError

    def step(self, state: S, action: Any) -> tuple[S, Any, Any]:
        """Advance every sub-environment: ``(state, reward, terminated)``, batched."""
        raise NotImplementedError

    def observe(self, state: S) -> Any:
        """Return the batched observation of ``state``."""
        raise NotImplementedError

    def render(self, state: S) -> Any:
        """Return ``(N, H, W, 3)`` ``uint8`` frames of ``state``."""
        raise NotImplementedError

    def upload(self, host: Any) -> Any:
        """Send a host draw to the device once."""
        return host_to_device(host, xp=self.xp, device=self.device)

    def autoreset_bounds(self, params: Any) -> list[tuple[float, float]] | None:
        """Per-field uniform bounds of the reset draw, or ``None`` if it is not uniform.

        A vector env draws autoresets for all its sub-environments on every step (see
        :meth:`draw_autoreset`). Where the reset distribution is uniform per field, that draw is
        16 raw bits of ``rng`` per value, a quarter of the cost of ``rng.uniform``; the values
        then lie on a grid of ``2**16`` points in ``[low, high)``.
        """
        del params
        return None

    def draw_autoreset(self, rng: np.random.Generator, size: tuple[int, ...], params: Any) -> Any:
        """Draw the host randomness of ``size`` autoresets, ``(fields, *size)``.

        The draw never depends on which sub-environments reset, so every backend consumes
        ``rng`` alike; :meth:`decode_autoreset` turns any columns of it into state fields.
        For uniform fields the draw is ``uint16``: the next ``ceil(fields * N / 4)`` 64-bit
        outputs of ``rng.bit_generator``, read as 16-bit words in memory order.
        """
        bounds = self.autoreset_bounds(params)
        if bounds is None:
            return self.draw_reset(rng, size, params)
        count = len(bounds) * int(np.prod(size))
        raw = rng.bit_generator.random_raw(-(-count // 4)).view(np.uint16)[:count]
        return raw.reshape((len(bounds), *size))

    def decode_autoreset(self, draw: Any, params: Any) -> list[Any]:
        """Turn an xp array of :meth:`draw_autoreset` columns into one row per state field.

        Elementwise, so decoding a subset of columns gives the same values as decoding all:
        ``low + bits * (high - low) / 2**16`` in the model's float dtype.
        """
        bounds = self.autoreset_bounds(params)
        if bounds is None:
            return [draw[i, ...] for i in range(draw.shape[0])]
        bits = self.xp.astype(draw, self.float_dtype)
        if len(set(bounds)) == 1:
            low, high = bounds[0]
            values = bits * ((high - low) * 2.0**-16) + low
            return [values[i, ...] for i in range(len(bounds))]
        return [
            bits[i, ...] * ((high - low) * 2.0**-16) + low for i, (low, high) in enumerate(bounds)
        ]

    def fresh_state(self, rng: np.random.Generator, size: tuple[int, ...], params: Any) -> S:
        """Draw resets on the host and build their state on the device (batch shape ``size``)."""
        noise = self.draw_reset(rng, size, params)
        if not size:
            noise = noise[:, None]
        noise = self.upload(noise)
        return self.initial_state([noise[i, ...] for i in range(noise.shape[0])])

    def where(self, mask: Any, fresh: S, state: S) -> S:
        """Take ``fresh`` where ``mask`` is true and ``state`` elsewhere, field by field."""
        where = self.xp.where
        return type(state)(*(where(mask, f, s) for f, s in zip(fresh, state, strict=True)))


class _ActionCheck(PicklableNamespaces):
    """Validate actions without a device sync; value checks are optional (they read back)."""

    _namespace_fields: ClassVar[tuple[str, ...]] = ("xp",)
    _device_fields: ClassVar[tuple[tuple[str, str], ...]] = (("device", "xp"),)

    def __init__(
        self,
        space: spaces.Space[Any],
        *,
        owner: str,
        model: ArrayModel[Any],
        batch: tuple[int, ...],
        check_values: bool,
    ) -> None:
        self.owner, self.xp, self.device = owner, model.xp, model.device
        self.space, self.check_values = space, check_values
        xp = self.xp
        if isinstance(space, spaces.Discrete):
            self.shape = batch
            self.dtype = None
            self.low: Any = int(space.start)
            self.high: Any = int(space.start + space.n - 1)
            self.expected = f"an integer array of shape {batch} in [{self.low}, {self.high}]"
        elif isinstance(space, spaces.Box):
            # isinstance cannot recover Box's type parameter from Space[Any] (pyright: Unknown).
            box: spaces.Box[Any] = space  # pyright: ignore[reportUnknownVariableType]
            self.shape = (*batch, *box.shape)
            self.dtype = getattr(xp, np.dtype(box.dtype).name)
            self.low = model.upload(box.low)
            self.high = model.upload(box.high)
            self.expected = f"a {np.dtype(box.dtype).name} array of shape {self.shape} in {box}"
        else:  # pragma: no cover - the shipped envs use Discrete and Box
            raise TypeError(f"{owner}: unsupported action space {space}")
        self._integer_dtype: Any = None  # the last integer dtype seen, to skip `isdtype`

    def _in_bounds(self, action: Any) -> bool:
        xp = self.xp
        if self.dtype is None:  # scalar bounds: two reductions, no temporaries
            return bool(xp.min(action) >= self.low) and bool(xp.max(action) <= self.high)
        return bool(xp.all(action >= self.low) & xp.all(action <= self.high))

    def __call__(self, action: Any) -> None:
        xp = self.xp
        check_array(
            action,
            owner=self.owner,
            name="action",
            xp=xp,
            device=self.device,
            dtype=self.dtype,
            shape=self.shape,
        )
        if self.dtype is None and action.dtype is not self._integer_dtype:
            if not xp.isdtype(action.dtype, "integral"):
                raise ArrayMismatchError(
                    f"{self.owner}: action has dtype {action.dtype}, expected an integer dtype"
                )
            self._integer_dtype = action.dtype
        if self.check_values and not self._in_bounds(action):
            raise ActionOutsideSpaceError(
                f"{self.owner}: action {action!r} lies outside the action space {self.space}; "
                f"expected {self.expected}"
            )


def _default_check_values(model: ArrayModel[Any]) -> bool:
    if compat.is_numpy_namespace(model.xp) or compat.is_array_api_strict_namespace(model.xp):
        return True
    return device_name(model.device).startswith("cpu")


def _check_render_mode(owner: str, render_mode: str | None, modes: list[str]) -> None:
    if render_mode is not None and render_mode not in modes:
        raise ValueError(
            f"{owner}: render_mode must be one of {modes} or None, got {render_mode!r}"
        )


class ArrayEnv(PicklableNamespaces, gym.Env[Any, Any]):
    """A single environment that runs an :class:`ArrayModel` with a batch of one.

    ``step`` returns the reward and ``terminated`` as 0-d arrays of the env's namespace on its
    device (not Python numbers, which would cost a device sync per step); ``truncated`` is a 0-d
    ``False`` array, as time limits come from :class:`gymnasium.wrappers.TimeLimit` (added by
    ``gymnasium.make``), exactly as for Gymnasium's classic-control environments.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50}  # noqa: RUF012
    _namespace_fields: ClassVar[tuple[str, ...]] = ("xp",)
    _device_fields: ClassVar[tuple[tuple[str, str], ...]] = (("device", "xp"),)

    def __init__(
        self,
        model: ArrayModel[Any],
        *,
        render_mode: str | None,
        check_action_values: bool | None,
    ) -> None:
        owner = type(self).__name__
        _check_render_mode(owner, render_mode, self.metadata["render_modes"])
        self.metadata = {**self.metadata, "render_fps": model.render_fps}
        self.model = model
        self.xp, self.device = model.xp, model.device
        self.observation_space = model.observation_space
        self.action_space = model.action_space
        self.render_mode = render_mode
        if check_action_values is None:
            check_action_values = _default_check_values(model)
        self.check_action_values = check_action_values
        self._check_action = _ActionCheck(
            model.action_space, owner=owner, model=model, batch=(), check_values=check_action_values
        )
        self.state: Any = None
        self._params = model.parse_options(None)
        self._false = self.xp.zeros((), dtype=self.xp.bool, device=self.device)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset with ``np_random`` (seeded by ``seed``) and return the first observation."""
        super().reset(seed=seed)
        self._params = self.model.parse_options(options)
        self.state = self.model.fresh_state(self.np_random, (), self._params)
        return _first(self.model.observe(self.state)), {}

    def step(self, action: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Advance one step; see the class docstring for the types returned."""
        if self.state is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        self._check_action(action)
        state, reward, terminated = self.model.step(self.state, self.xp.expand_dims(action, axis=0))
        self.state = state
        obs = _first(self.model.observe(state))
        return obs, reward[0, ...], terminated[0, ...], self._false, {}

    def render(self) -> Any:
        """Return the frame as an ``(H, W, 3)`` ``uint8`` array on the env's device."""
        if self.render_mode is None:
            gym.logger.warn(f"{type(self).__name__}: render() called without a render_mode")
            return None
        if self.state is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before render()")
        return self.model.render(self.state)[0, ...]


def _first(tree: Any) -> Any:
    return tree_map(lambda leaf: leaf[0, ...], tree)


class ArrayVectorEnv(PicklableNamespaces, VectorEnv[Any, Any, Any]):
    """A native batched environment: one set of arrays with a leading ``num_envs`` axis.

    All three autoreset modes are supported and reported in ``metadata["autoreset_mode"]``:

    * ``next-step`` (Gymnasium's default): the step after a sub-environment ends resets it and
      returns its first observation with reward 0, ``terminated`` and ``truncated`` false.
    * ``same-step``: an ending sub-environment is reset in the same step; ``info["final_obs"]``
      holds the batched observations before the reset (equal to ``obs`` elsewhere) and
      ``info["_final_obs"]`` the device mask of the sub-environments that ended
      (``info["final_info"]`` is ``{}`` with the same mask in ``info["_final_info"]``).
    * ``disabled``: nothing resets by itself; ``reset(options={"reset_mask": mask})`` resets the
      sub-environments where ``mask`` (a boolean array of the env's namespace and device, or a
      NumPy array that is then sent to the device) is true.

    Rewards are ``float32``, ``terminated``/``truncated`` boolean, all ``(num_envs,)`` arrays on
    the env's device. ``render`` returns one ``(num_envs, H, W, 3)`` ``uint8`` array.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50}  # noqa: RUF012
    _namespace_fields: ClassVar[tuple[str, ...]] = ("xp",)
    _device_fields: ClassVar[tuple[tuple[str, str], ...]] = (("device", "xp"),)

    def __init__(
        self,
        model: ArrayModel[Any],
        *,
        num_envs: int,
        max_episode_steps: int | None,
        render_mode: str | None,
        autoreset_mode: AutoresetMode | str,
        check_action_values: bool | None,
    ) -> None:
        owner = type(self).__name__
        _check_render_mode(owner, render_mode, self.metadata["render_modes"])
        if int(num_envs) < 1:
            raise ValueError(f"{owner}: num_envs must be at least 1, got {num_envs}")
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {
            **self.metadata,
            "render_fps": model.render_fps,
            "autoreset_mode": self.autoreset_mode,
        }
        self.model = model
        self.xp, self.device = model.xp, model.device
        self.num_envs = int(num_envs)
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.single_observation_space = model.observation_space
        self.single_action_space = model.action_space
        self.observation_space = batch_space(model.observation_space, self.num_envs)
        self.action_space = batch_space(model.action_space, self.num_envs)
        if check_action_values is None:
            check_action_values = _default_check_values(model)
        self.check_action_values = check_action_values
        self._check_action = _ActionCheck(
            model.action_space,
            owner=owner,
            model=model,
            batch=(self.num_envs,),
            check_values=check_action_values,
        )
        self.state: Any = None
        self._params = model.parse_options(None)
        xp, device, n = self.xp, self.device, self.num_envs
        self._zero_steps = xp.zeros((n,), dtype=xp.int32, device=device)
        self._no_envs = xp.zeros((n,), dtype=xp.bool, device=device)
        self._steps, self._prev_done = self._zero_steps, self._no_envs
        # NumPy masks are host arrays already: fill the resetting rows instead of a `where`.
        self._host_masks = compat.is_numpy_namespace(xp)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every sub-environment, or those in ``options["reset_mask"]``."""
        super().reset(seed=seed)
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if mask is not None and self.state is not None:
            mask = self._reset_mask(mask)
            if options:
                self._params = self.model.parse_options(options)
            fresh = self._fresh()
            self.state = self.model.where(mask, fresh, self.state)
            self._steps = self.xp.where(mask, 0, self._steps)
            self._prev_done = self._prev_done & ~mask
        else:
            self._params = self.model.parse_options(options or None)
            self.state = self._fresh()
            self._steps, self._prev_done = self._zero_steps, self._no_envs
        return self.model.observe(self.state), {}

    def _fresh(self) -> Any:
        return self.model.fresh_state(self.np_random, (self.num_envs,), self._params)

    def _reset_mask(self, mask: Any) -> Any:
        if isinstance(mask, np.ndarray) and not compat.is_numpy_namespace(self.xp):
            mask = self.model.upload(mask)
        check_array(
            mask,
            owner=type(self).__name__,
            name='options["reset_mask"]',
            xp=self.xp,
            device=self.device,
            dtype=self.xp.bool,
            shape=(self.num_envs,),
        )
        # isinstance(mask, np.ndarray) on Any leaves pyright `Any | ndarray[Unknown, Unknown]`.
        return mask  # pyright: ignore[reportUnknownVariableType]

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Advance every sub-environment one step, autoresetting as the mode says."""
        if self.state is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        self._check_action(actions)
        xp, model = self.xp, self.model
        state, reward, terminated = model.step(self.state, actions)
        reward = xp.astype(reward, xp.float32)
        steps = self._steps + 1
        if self.max_episode_steps is None:
            truncated = self._no_envs
        else:
            truncated = steps >= self.max_episode_steps
        info: dict[str, Any] = {}
        if self.autoreset_mode is AutoresetMode.NEXT_STEP:
            # The step's own reward and flags are new arrays (see `step_returns_new_arrays`).
            owned = model.step_returns_new_arrays
            state, (steps, reward, terminated, truncated) = self._autoreset(
                state,
                self._prev_done,
                [
                    (steps, 0, True),
                    (reward, 0.0, True),
                    (terminated, False, owned),
                    (truncated, False, truncated is not self._no_envs),
                ],
            )
            self._prev_done = terminated | truncated
        elif self.autoreset_mode is AutoresetMode.SAME_STEP:
            done = terminated | truncated
            info = {
                "final_obs": model.observe(state),
                "_final_obs": done,
                "final_info": {},
                "_final_info": done,
            }
            state, (steps,) = self._autoreset(state, done, [(steps, 0, True)])
        self.state, self._steps = state, steps
        return model.observe(state), reward, terminated, truncated, info

    def _autoreset(
        self, state: Any, mask: Any, cleared: list[tuple[Any, Any, bool]]
    ) -> tuple[Any, list[Any]]:
        """Reset the sub-environments in ``mask`` of a state fresh from ``model.step``.

        ``cleared`` holds ``(array, value, owned)``: each array is returned with ``value`` where
        ``mask`` is true, written in place on NumPy if ``owned`` (nothing else references it).
        Both paths consume ``np_random`` alike (:meth:`ArrayModel.draw_autoreset` for all
        ``num_envs``), so a seed gives the same trajectory on every backend.
        """
        model, params = self.model, self._params
        draw = model.draw_autoreset(self.np_random, (self.num_envs,), params)
        if not self._host_masks:
            fresh = model.initial_state(model.decode_autoreset(model.upload(draw), params))
            where = self.xp.where
            return model.where(mask, fresh, state), [where(mask, v, a) for a, v, _ in cleared]
        rows = reset_rows(mask)
        if not rows.shape[0]:
            return state, [array for array, _, _ in cleared]
        fresh = model.initial_state(model.decode_autoreset(take_columns(draw, rows), params))
        in_place = model.step_returns_new_arrays
        state = type(state)(
            *(
                fill_rows(old, rows, new, in_place=in_place)
                for old, new in zip(state, fresh, strict=True)
            )
        )
        return state, [fill_rows(a, rows, v, in_place=owned) for a, v, owned in cleared]

    def render(self) -> Any:
        """Return the frames as one ``(num_envs, H, W, 3)`` ``uint8`` array on the device."""
        if self.render_mode is None:
            gym.logger.warn(f"{type(self).__name__}: render() called without a render_mode")
            return None
        if self.state is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before render()")
        return self.model.render(self.state)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_envs={self.num_envs}, xp={namespace_name(self.xp)}, "
            f"device={device_name(self.device)}, autoreset_mode={self.autoreset_mode.value})"
        )
