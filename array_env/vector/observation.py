"""Vector observation wrappers: the twins of :mod:`array_env.wrappers.observation`.

They call the single-env cores with a leading batch axis and masks, never a Python loop over
sub-environments (the one exception is Gymnasium's ``info["final_obs"]``, a NumPy object array
of per-sub-env observations: its finished entries are stacked once per step that has any).
"""

from __future__ import annotations

from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from array_env._ops.ring_buffer import (
    FrameRing,
    push_frame,
    restart_rows,
    stacked_frames,
    start_ring,
)
from array_env._ops.running_moments import update_moments, update_moments_masked
from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.observation import (
    ObservationMoments,
    check_epsilon,
    frame_stack_constants,
    frame_stack_settings,
    normalize_observation,
    normalized_box,
)

__all__ = ["FrameStackObservation", "NormalizeObservation"]

A = TypeVar("A")
Act = TypeVar("Act")


class NormalizeObservation(
    ObservationMoments, VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs
):
    """Normalise batched observations with statistics shared by all sub-environments.

    The vector twin of :class:`array_env.wrappers.NormalizeObservation`: every sub-env's
    observation updates one set of running statistics, on the observations' device, and comes
    back as float32. Under every autoreset mode each sub-env contributes exactly the
    observations the single wrapper would see:

    * next-step: the reset step's observation is the new episode's first one (as after the
      single wrapper's ``reset``);
    * same-step: the finished episode's last observation, ``info["final_obs"]``, is counted
      first and returned normalised, then the new episode's first observation;
    * disabled: a partial ``reset(options={"reset_mask": m})`` counts only the reset sub-envs.

    Args:
        env: The vector environment; its single observation space must be a Box.
        epsilon: Added to the variance under the square root; must be positive.

    Raises:
        gymnasium.error.InvalidBound: If ``epsilon`` is not positive.
        TypeError: If the observation space is not a Box.

    Example:
        >>> import gymnasium as gym
        >>> envs = NormalizeObservation(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"))
        >>> obs, _ = envs.reset(seed=123)
        >>> for _ in range(10):
        ...     obs, *_ = envs.step(envs.action_space.sample())
        >>> obs.shape, obs.dtype
        ((3, 4), dtype('float32'))
        >>> float(envs.state_dict()["count"])
        33.0001
    """

    def __init__(self, env: VectorEnv[A, Act, A], epsilon: float = 1e-8) -> None:
        check_epsilon(type(self).__name__, epsilon)
        # gymnasium types VectorEnv.single_observation_space as a bare Space (Space[Unknown]).
        single = normalized_box(type(self).__name__, env.single_observation_space)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        VectorWrapper.__init__(self, env)
        self.single_observation_space = single
        self.observation_space = batch_space(single, self.num_envs)
        self.epsilon = epsilon
        self._host_dtype = env.single_observation_space.dtype  # pyright: ignore[reportUnknownMemberType]
        self._mode = autoreset_mode(env)
        self._init_moments(single.shape)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs; count the observations of those that were reset."""
        mask = reset_mask(options)  # read first: Gymnasium's vector envs pop it from options
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # VectorEnv types seed as int | None; SyncVectorEnv takes a list too
        contract = self._check(observations)
        if mask is not None:
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
        return self._normalize(observations, contract, mask), infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs; count and normalise their observations (and final ones)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        contract = self._check(observations)
        if self._mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
            infos = {**infos, "final_obs": self._normalize_final(infos, contract)}
        return self._normalize(observations, contract, None), rewards, terminated, truncated, infos

    def _check(self, observations: A) -> ArrayContract:
        return self._observation_contract(
            observations, name="observations", shape=(self.num_envs, *self._moments_shape)
        )

    def _normalize(self, observations: A, contract: ArrayContract, mask: Any) -> Any:
        xp = contract.fast_xp
        if self._cast:
            observations = xp.astype(observations, self._moments.mean.dtype)
        if self.update_running_mean:
            if mask is None:
                self._moments = update_moments(self._moments, observations, xp=xp)
            else:
                self._moments = update_moments_masked(self._moments, observations, mask, xp=xp)
        return normalize_observation(
            self._moments, observations, epsilon=self.epsilon, dtype=self._float32, xp=xp
        )

    def _normalize_final(self, infos: dict[str, Any], contract: ArrayContract) -> Any:
        final: Any = infos["final_obs"]
        if not (compat.is_numpy_array(final) and final.dtype == object):
            # a stacked array of the env's namespace: mask with ``_final_obs``
            check = contract._replace(dtype=None)
            check.check(final, owner=type(self).__name__, name='info["final_obs"]')
            mask = convert_array(infos["_final_obs"], xp=contract.xp, device=contract.device)
            # `final` is Any; the negated is_numpy_array (TypeIs) leaves pyright `Any | ndarray`.
            return self._normalize(final, contract, mask)  # pyright: ignore[reportArgumentType]
        rows = np.flatnonzero(np.asarray(infos["_final_obs"]))
        if rows.size == 0:
            return final
        single = contract._replace(shape=self._moments_shape)
        for row in rows:
            single.check(final[row], owner=type(self).__name__, name=f'info["final_obs"][{row}]')
        stacked = contract.xp.stack([final[row] for row in rows])
        normalized = self._normalize(stacked, contract, None)
        out = final.copy()
        for index, row in enumerate(rows):
            out[row] = normalized[index, ...]
        return out


class FrameStackObservation(VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs):
    """Stack each sub-environment's last ``stack_size`` observations, oldest first.

    The vector twin of :class:`array_env.wrappers.FrameStackObservation` (Gymnasium 1.x has no
    vector frame stack): observations ``(num_envs, *frame)`` become ``(num_envs, stack_size,
    *frame)``, and each sub-env's stack equals the single wrapper's on that sub-env. One ring
    buffer with a leading sub-env axis holds every stack; a sub-env restarts its stack (padding
    included) exactly where its new episode starts, with masks, never a Python loop:

    * next-step: on the reset step after ``terminated | truncated``;
    * same-step: on the finishing step, after its last frame is pushed; ``info["final_obs"]``
      then holds the finished episode's last stack (in the layout the env used: a stacked
      array, or Gymnasium's object array of per-sub-env observations);
    * disabled: on ``reset(options={"reset_mask": mask})``, for the sub-envs in ``mask``.

    Args:
        env: The vector environment; its single observation space must be a Box.
        stack_size: The number of frames per stack, at least 1.
        padding_type: ``"reset"``, ``"zero"``, or a frame inside the single observation space.

    Raises:
        TypeError: If the observation space is not a Box or ``stack_size`` is not an integer.
        ValueError: If ``stack_size < 1`` or ``padding_type`` is invalid.

    Example:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = FrameStackObservation(envs, 4)
        >>> envs.single_observation_space.shape, envs.observation_space.shape
        ((4, 4), (2, 4, 4))
        >>> obs, _ = envs.reset(seed=0)
        >>> obs, *_ = envs.step(envs.action_space.sample())
        >>> obs.shape
        (2, 4, 4)
        >>> bool((obs[:, :3] == obs[:, :1]).all()), bool((obs[:, 3] != obs[:, 2]).any())
        (True, True)
    """

    def __init__(
        self, env: VectorEnv[A, Act, A], stack_size: int, *, padding_type: str | Any = "reset"
    ) -> None:
        box, padding_kind, host_padding = frame_stack_settings(
            type(self).__name__,
            env.single_observation_space,  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            stack_size,
            padding_type,
        )
        gym.utils.RecordConstructorArgs.__init__(
            self, stack_size=stack_size, padding_type=padding_type
        )
        VectorWrapper.__init__(self, env)
        self.stack_size: int = int(stack_size)
        self.padding_type: str = padding_kind
        self.single_observation_space = batch_space(box, n=self.stack_size)
        self.observation_space = batch_space(self.single_observation_space, n=self.num_envs)
        self._frame_space = box
        self._host_padding = host_padding
        self._mode = autoreset_mode(env)
        self._contract: ArrayContract | None = None
        self._flags: ArrayContract | None = None
        self._ring: FrameRing | None = None
        self._prev_done: Any = None  # next-step mode: the sub-envs whose next step is a reset

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs; restart the stacks of those that were reset."""
        mask = reset_mask(options)  # read first: Gymnasium's SyncVectorEnv pops it from options
        observations, infos = self.env.reset(seed=seed, options=options)
        contract = self._check(observations)
        xp, layout = contract.fast_xp, self._layout
        if mask is None or self._ring is None:
            self._ring = start_ring(observations, layout=layout, padding=self._padding, xp=xp)
            self._prev_done = None
        else:
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
            self._ring = restart_rows(self._ring, observations, mask, layout=layout, xp=xp)
            if self._prev_done is not None:
                self._prev_done = xp.logical_and(self._prev_done, xp.logical_not(mask))
        return stacked_frames(self._ring, layout=layout, xp=xp), infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and push their observations onto their stacks."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        ring = self._ring
        if ring is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        contract = self._check(observations)
        flags = self._flags
        assert flags is not None
        owner = type(self).__name__
        if not flags.matches(terminated):
            flags.check(terminated, owner=owner, name="terminated")
        if not flags.matches(truncated):
            flags.check(truncated, owner=owner, name="truncated")
        xp, layout = contract.fast_xp, self._layout
        if self._mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
            final, object_rows = self._final_frames(infos["final_obs"], observations, contract)
            finished = push_frame(ring, final, layout=layout, xp=xp)
            final_stacks = stacked_frames(finished, layout=layout, xp=xp)
            done = xp.logical_or(terminated, truncated)
            ring = restart_rows(finished, observations, done, layout=layout, xp=xp)
            infos = {**infos, "final_obs": _final_layout(final_stacks, object_rows, infos)}
        elif self._mode is AutoresetMode.NEXT_STEP:
            ring = push_frame(ring, observations, layout=layout, restart=self._prev_done, xp=xp)
            self._prev_done = xp.logical_or(terminated, truncated)
        else:
            ring = push_frame(ring, observations, layout=layout, xp=xp)
        self._ring = ring
        return stacked_frames(ring, layout=layout, xp=xp), rewards, terminated, truncated, infos

    def _check(self, observations: A) -> ArrayContract:
        contract = self._contract
        if contract is None:
            owner = type(self).__name__
            contract = contract_for(
                observations, owner=owner, name="observations",
                host_dtype=self._frame_space.dtype,
                shape=(self.num_envs, *self._frame_space.shape),
            )  # fmt: skip
            self._layout, self._padding = frame_stack_constants(
                contract, self.stack_size, batch_ndim=1, frame_ndim=len(self._frame_space.shape),
                host_padding=self._host_padding,
            )  # fmt: skip
            self._flags = contract._replace(dtype=None, shape=(self.num_envs,))
            self._contract = contract
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name="observations")
        return contract

    def _final_frames(
        self, final: Any, observations: A, contract: ArrayContract
    ) -> tuple[Any, list[int] | None]:
        """The finished episodes' last frames as one batch (observations elsewhere).

        Returns the batch and, for Gymnasium's object-array ``final_obs``, its finished rows.
        """
        owner = type(self).__name__
        if not (compat.is_numpy_array(final) and final.dtype == object):
            contract.check(final, owner=owner, name='info["final_obs"]')
            return final, None
        # Gymnasium's SyncVectorEnv: a host object array, None where no episode finished.
        rows = [row for row, frame in enumerate(final) if frame is not None]
        single = contract._replace(shape=tuple(self._frame_space.shape))
        for row in rows:
            single.check(final[row], owner=owner, name=f'info["final_obs"][{row}]')
        frames = [final[i] if i in rows else observations[i, ...] for i in range(self.num_envs)]  # type: ignore[index]  # pyright: ignore[reportIndexIssue, reportUnknownVariableType]
        return contract.xp.stack(frames), rows  # pyright: ignore[reportUnknownArgumentType]


def _final_layout(final_stacks: Any, object_rows: list[int] | None, infos: dict[str, Any]) -> Any:
    """Return the final stacks in the layout the env used for ``final_obs``."""
    if object_rows is None:
        return final_stacks
    out = np.full(len(infos["final_obs"]), None, dtype=object)
    for row in object_rows:
        out[row] = final_stacks[row, ...]
    return out
