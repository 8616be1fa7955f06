"""Vector twins of TimeAwareObservation and DelayObservation (Gymnasium has neither).

The state is the single wrapper's with a leading sub-env axis: one step counter per sub-env,
one ring buffer row per sub-env and leaf. Episode boundaries are masks, never a loop over
sub-envs, so each sub-env sees exactly what the single wrapper would see on it:

* next-step: the reset step after ``terminated | truncated`` restarts the sub-env (as the
  single wrapper's ``reset``);
* same-step: the finishing step's ``info["final_obs"]`` is the finished episode's last
  output, and the returned observation starts the new episode;
* disabled: ``reset(options={"reset_mask": m})`` restarts the sub-envs in ``m``.
"""

from __future__ import annotations

import functools
from typing import Any, Generic

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space
from typing_extensions import TypeVar

from array_env._ops.flatten import leaf_at, single_space
from array_env._ops.ring_buffer import FrameRing, restart_rows
from array_env._tree import tree_map
from array_env.convert import convert_array, to_namespace
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._kernel_shell import host_leaf
from array_env.wrappers.temporal_observation import (
    DelayRings,
    TimeSettings,
    _max_timesteps,  # pyright: ignore[reportPrivateUsage]
    _TimeShell,  # pyright: ignore[reportPrivateUsage]
    delay_settings,
    first_array,
    ring_to,
    ring_to_host,
)

__all__ = ["DelayObservation", "TimeAwareObservation"]

Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it


def vector_max_timesteps(owner: str, env: VectorEnv[Any, Any, Any]) -> int:
    """The episode limit from the vector env's spec, its TimeLimit, else its first sub-env."""
    from array_env.vector.lifecycle import TimeLimit  # its module imports no observation code

    spec = env.spec
    if spec is not None and spec.max_episode_steps is not None:
        return int(spec.max_episode_steps)
    layer: Any = env
    while isinstance(layer, VectorWrapper):
        if isinstance(layer, TimeLimit):
            return layer._max_episode_steps  # pyright: ignore[reportPrivateUsage]
        layer = layer.env  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    subs = getattr(env.unwrapped, "envs", None)
    if subs:
        return _max_timesteps(owner, subs[0])
    raise ValueError(
        f"{owner}: The environment must be wrapped by a TimeLimit wrapper or the spec specify a "
        f"`max_episode_steps`, got {env}"
    )


class _Flags:
    """The contract of ``terminated``/``truncated``, fixed at their first step."""

    def __init__(self) -> None:
        self.contract: ArrayContract | None = None

    def done(self, owner: str, terminated: Any, truncated: Any, num_envs: int, xp: Any) -> Any:
        contract = self.contract
        if contract is None:
            contract = contract_for(terminated, owner=owner, name="terminated", shape=(num_envs,))
            self.contract = contract
        for name, flags in (("terminated", terminated), ("truncated", truncated)):
            if not contract.matches(flags):
                contract.check(flags, owner=owner, name=name)
        return xp.logical_or(terminated, truncated)


class TimeAwareObservation(
    _TimeShell,
    VectorWrapper[ObsOut, Act, Any, Act, Any],
    gym.utils.RecordConstructorArgs,
    Generic[Act, ObsOut],
):
    """Add each sub-env's step count to its observation.

    The twin of :class:`array_env.wrappers.TimeAwareObservation` (same options and layout):
    one int32 counter per sub-env on the observations' device, reset with masks per autoreset
    mode. :attr:`timesteps` reads the counters.

    Args:
        env: The vector environment; the episode limit comes from its spec, from an
            :class:`array_env.vector.TimeLimit` inside it, or its first sub-env's TimeLimit.
        flatten: Flatten each observation into one Box.
        normalize_time: Give the time as a float in ``[0, 1]``.
        dict_time_key: The key of the time entry in a ``Dict`` observation.

    Raises:
        ValueError: If no episode limit is known or ``dict_time_key`` exists already.

    Examples:
        >>> import gymnasium as gym
        >>> envs = TimeAwareObservation(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
        >>> obs, _ = envs.reset(seed=0)
        >>> obs, *_ = envs.step(envs.action_space.sample())
        >>> obs.shape, obs[:, -1].tolist(), envs.timesteps.tolist()
        ((2, 5), [1.0, 1.0], [1, 1])
    """

    def __init__(
        self,
        env: VectorEnv[Any, Act, Any],
        flatten: bool = True,
        normalize_time: bool = False,
        *,
        dict_time_key: str = "time",
    ) -> None:
        owner = type(self).__name__
        settings = TimeSettings(
            owner, single_space(env), vector_max_timesteps(owner, env),
            flatten=flatten, normalize_time=normalize_time, dict_time_key=dict_time_key,
        )  # fmt: skip
        gym.utils.RecordConstructorArgs.__init__(
            self, flatten=flatten, normalize_time=normalize_time, dict_time_key=dict_time_key
        )
        VectorWrapper.__init__(self, env)
        self.flatten: bool = flatten
        self.normalize_time: bool = normalize_time
        self.max_timesteps: int = settings.max_timesteps
        self.single_observation_space = settings.space
        self.observation_space = batch_space(settings.space, self.num_envs)
        self._settings = settings
        self._batch = (self.num_envs,)
        kernel = settings.kernel or settings.check_kernel
        if kernel is not None:
            self._kernel = kernel
        self._mode = autoreset_mode(env)
        self._flags = _Flags()
        self._steps: Any = None
        self._pending_steps: Any = None
        self._prev_done: Any = None

    @property
    def timesteps(self) -> np.ndarray:
        """Each sub-env's steps in its current episode (reads the device counters)."""
        if self._steps is None:
            return np.zeros(self.num_envs, dtype=np.int32)
        from array_env.convert import to_namespace

        return np.asarray(to_namespace(self._steps, "numpy"))

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the sub-envs; zero the counters of those that were reset."""
        mask = reset_mask(options)  # read first: Gymnasium's vector envs pop it from options
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        steps = self._current_steps(observations)
        xp = self._xp
        if mask is None or steps is None:
            steps = xp.zeros(
                self._batch, dtype=self._int32, device=compat.device(first_array(observations))
            )
            prev_done = None
        else:
            mask = convert_array(mask, xp=xp, device=compat.device(steps))
            steps = xp.where(mask, xp.zeros_like(steps), steps)
            prev_done = self._prev_done
            if prev_done is not None:
                prev_done = xp.logical_and(prev_done, xp.logical_not(mask))
        out = self._output(observations, steps)
        self._steps, self._prev_done = steps, prev_done
        return out, infos

    def step(self, actions: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and count the step (restarting finished sub-envs' counters)."""
        if self._steps is None and self._pending_steps is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        steps = self._current_steps(observations)
        assert steps is not None
        xp = self._xp
        done = self._flags.done(type(self).__name__, terminated, truncated, self.num_envs, xp)
        advanced = steps + 1
        prev_done = self._prev_done
        if self._mode is AutoresetMode.NEXT_STEP:
            new = (
                advanced
                if prev_done is None
                else xp.where(prev_done, xp.zeros_like(steps), advanced)
            )
            prev_done = done
        elif self._mode is AutoresetMode.SAME_STEP:
            new = xp.where(done, xp.zeros_like(steps), advanced)
            if "final_obs" in infos:
                infos = {**infos, "final_obs": self._final(infos, advanced)}
        else:
            new = advanced
        out = self._output(observations, new)  # raises on a bad observation: state untouched
        self._steps, self._prev_done = new, prev_done
        return out, rewards, terminated, truncated, infos

    def _current_steps(self, observations: Any) -> Any:
        if "_xp" not in self.__dict__:
            self._time_contact(observations)
        if self._steps is None and self._pending_steps is not None:
            device = compat.device(first_array(observations))
            self._steps = convert_array(self._pending_steps, xp=self._xp, device=device)
            self._pending_steps = None
        return self._steps

    def _final(self, infos: dict[str, Any], advanced: Any) -> Any:
        final: Any = infos["final_obs"]
        if not (compat.is_numpy_array(final) and final.dtype == object):
            return self._output(final, advanced)
        out = final.copy()
        for row in np.flatnonzero(np.asarray(infos["_final_obs"])).tolist():
            out[row] = self._output(final[row], advanced[row], one=f'info["final_obs"][{row}]')
        return out


class DelayObservation(
    VectorWrapper[ObsOut, Act, Any, Act, Any], gym.utils.RecordConstructorArgs, Generic[Act, ObsOut]
):
    """Return each sub-env's observation ``delay`` steps late (zeros at an episode's start).

    The twin of :class:`array_env.wrappers.DelayObservation`: one ring buffer with a leading
    sub-env axis per observation leaf, restarted per sub-env with masks. Array spaces only
    (Box, Discrete, MultiDiscrete, MultiBinary, and Dict/Tuple of them).

    Args:
        env: The vector environment.
        delay: The number of steps to delay observations by, at least 0.

    Raises:
        TypeError: If ``delay`` is not an integer or a leaf space is not an array space.
        ValueError: If ``delay`` is negative.

    Examples:
        >>> import gymnasium as gym
        >>> envs = DelayObservation(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), 1)
        >>> obs, _ = envs.reset(seed=0)
        >>> bool((obs == 0).all())
        True
        >>> obs, *_ = envs.step(envs.action_space.sample())
        >>> bool((obs != 0).any())
        True
    """

    def __init__(self, env: VectorEnv[Any, Act, Any], delay: int) -> None:
        owner = type(self).__name__
        single = single_space(env)
        delay_value, leaves = delay_settings(owner, single, delay)
        if leaves is None:
            raise TypeError(f"{owner}: only array spaces can be delayed in a batch, got {single}")
        gym.utils.RecordConstructorArgs.__init__(self, delay=delay)
        VectorWrapper.__init__(self, env)
        self.delay: int = delay_value
        self._buffers = DelayRings(owner, leaves, delay_value, (self.num_envs,))
        self._rings: tuple[FrameRing, ...] | None = None
        self._prev_done: Any = None
        self._mode = autoreset_mode(env)
        self._flags = _Flags()
        self._rings_on_host = False

    def __getstate__(self) -> dict[str, Any]:
        # Namespaces and devices do not pickle: buffers and masks travel as NumPy arrays and
        # follow the copy's first contact.
        state = dict(self.__dict__)
        buffers = self._buffers
        state["_buffers"] = DelayRings(buffers.owner, buffers.leaves, self.delay, buffers.batch)
        state["_flags"] = _Flags()
        if self._rings is not None:
            state["_rings"] = tuple(ring_to_host(r) for r in self._rings)
            state["_rings_on_host"] = True
        if self._prev_done is not None:
            state["_prev_done"] = to_namespace(self._prev_done, "numpy")
        return state

    def _own_rings(self) -> tuple[FrameRing, ...] | None:
        """The rings, moved to the device after an unpickling (at the first contact)."""
        rings = self._rings
        if rings is not None and self._rings_on_host:
            buffers = self._buffers
            assert buffers.contracts is not None
            contract = buffers.contracts[0]
            rings = tuple(ring_to(r, buffers) for r in rings)
            if self._prev_done is not None:
                self._prev_done = convert_array(
                    self._prev_done, xp=contract.xp, device=contract.device
                )
            self._rings, self._rings_on_host = rings, False
        return rings

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the sub-envs; restart the buffers of those that were reset."""
        mask = reset_mask(options)
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        buffers = self._buffers
        leaves = buffers.arrays(observations, "observations")
        rings = self._own_rings()
        if mask is None or rings is None:
            rings, prev_done = buffers.start(leaves), None
        else:
            assert buffers.contracts is not None
            contract = buffers.contracts[0]
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
            rings = self._restart(rings, leaves, mask)
            prev_done = self._prev_done
            if prev_done is not None:
                prev_done = buffers.xp.logical_and(prev_done, buffers.xp.logical_not(mask))
        self._rings, self._prev_done = rings, prev_done
        return buffers.read(rings, observations), infos

    def step(self, actions: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs; return each one's observation from ``delay`` steps ago."""
        if self._rings is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        buffers = self._buffers
        leaves = buffers.arrays(observations, "observations")
        rings = self._own_rings()
        assert rings is not None
        xp = buffers.xp
        done = self._flags.done(type(self).__name__, terminated, truncated, self.num_envs, xp)
        if self._mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
            final = infos["final_obs"]
            finished = buffers.push(rings, self._final_leaves(final, leaves, infos))
            infos = {
                **infos,
                "final_obs": self._final_layout(buffers.read(finished, observations), final, infos),
            }
            rings = self._restart(finished, leaves, done)
        elif self._mode is AutoresetMode.NEXT_STEP:
            rings = buffers.push(rings, leaves, restart=self._prev_done)
            self._prev_done = done
        else:
            rings = buffers.push(rings, leaves)
        self._rings = rings
        return buffers.read(rings, observations), rewards, terminated, truncated, infos

    def _restart(
        self, rings: tuple[FrameRing, ...], leaves: list[Any], mask: Any
    ) -> tuple[FrameRing, ...]:
        buffers = self._buffers
        return tuple(
            restart_rows(ring, leaf, mask, layout=layout, xp=buffers.xp)
            for ring, leaf, layout in zip(rings, leaves, buffers.layouts, strict=True)
        )

    def _final_leaves(self, final: Any, leaves: list[Any], infos: dict[str, Any]) -> list[Any]:
        """The finished episodes' last leaves as batches (the current leaves elsewhere)."""
        buffers = self._buffers
        if not (compat.is_numpy_array(final) and final.dtype == object):
            return buffers.arrays(final, 'info["final_obs"]')
        rows = set(np.flatnonzero(np.asarray(infos["_final_obs"])).tolist())
        for row in rows:
            buffers.arrays(final[row], f'info["final_obs"][{row}]', batch=())
        return [
            buffers.xp.stack([
                host_leaf(leaf_at(final[i], spec.path)) if i in rows else current[i, ...]
                for i in range(self.num_envs)
            ])
            for spec, current in zip(buffers.leaves, leaves, strict=True)
        ]  # fmt: skip

    def _final_layout(self, delayed: Any, final: Any, infos: dict[str, Any]) -> Any:
        if not (compat.is_numpy_array(final) and final.dtype == object):
            return delayed
        out = np.full(len(final), None, dtype=object)
        for row in np.flatnonzero(np.asarray(infos["_final_obs"])).tolist():
            out[row] = tree_map(functools.partial(_row, row=row), delayed)
        return out


def _row(leaf: Any, *, row: int) -> Any:
    return leaf[row, ...]
