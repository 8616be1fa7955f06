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
from array_env._ops.running_moments import (
    require_finite,
    update_moments,
    update_moments_masked,
)
from array_env._ops.stop_gradient import stop_gradient
from array_env._tree import format_path
from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, checked_reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._stack_leaves import assemble, frame_stack_settings, space_dtype
from array_env.wrappers.observation import (
    ObservationMoments,
    check_epsilon,
    frame_stack_constants,
    host_leaf_value,
    normalize_observation,
    normalized_box,
    stack_leaf_values,
    update_and_normalize,
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

    A partial reset's ``reset_mask`` is checked (a boolean array of shape ``(num_envs,)``, of
    the observations' namespace) before the env is reset. Non-finite values, ``obs_rms`` and
    autograd are handled as in the single wrapper.

    Args:
        env: The vector environment; its single observation space must have a shape.
        epsilon: Added to the variance under the square root; must be positive.
        check_finite: Reject non-finite observations before they reach the statistics.

    Raises:
        TypeError: If ``epsilon`` is not a real number.
        gymnasium.error.InvalidBound: If ``epsilon`` is not positive.
        ValueError: If the observation space has no shape (Dict, Tuple, ...).

    Examples:
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

    def __init__(
        self, env: VectorEnv[A, Act, A], epsilon: float = 1e-8, *, check_finite: bool = False
    ) -> None:
        check_epsilon(type(self).__name__, epsilon)
        # gymnasium types VectorEnv.single_observation_space as a bare Space (Space[Unknown]).
        single = normalized_box(type(self).__name__, env.single_observation_space)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        VectorWrapper.__init__(self, env)
        self.single_observation_space = single
        self.observation_space = batch_space(single, self.num_envs)
        self.epsilon = epsilon
        self.check_finite = bool(check_finite)
        self._host_dtype = env.single_observation_space.dtype  # pyright: ignore[reportUnknownMemberType]
        self._mode = autoreset_mode(env)
        self._init_moments(single.shape)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs; count the observations of those that were reset."""
        known = self._contract
        mask = checked_reset_mask(  # before env.reset: Gymnasium's envs pop it from options
            type(self).__name__, options, self.num_envs,
            xp=None if known is None else known.xp, device=None if known is None else known.device,
        )  # fmt: skip
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # VectorEnv types seed as int | None; SyncVectorEnv takes a list too
        contract = self._check(observations)
        if mask is not None:
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
        return self._normalize(observations, contract, mask), infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs; count and normalise their observations (and final ones)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        contract = self._check(observations)
        if self.check_finite:  # before final_obs is counted: a rejected step changes nothing
            owner = type(self).__name__
            require_finite(observations, owner=owner, name="observations", xp=contract.fast_xp)
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
        if self.check_finite:
            require_finite(observations, owner=type(self).__name__, name="observations", xp=xp)
        if self.update_running_mean:  # the statistics never join an autograd graph
            counted = stop_gradient(observations)
            if mask is None:
                if counted is observations:  # no autograd graph: one working array for both
                    epsilon = self._device_epsilon(contract)
                    self._moments, normalized = update_and_normalize(
                        self._moments, observations, epsilon=epsilon, dtype=self._float32, xp=xp
                    )
                    return normalized
                self._moments = update_moments(self._moments, counted, xp=xp)
            else:
                self._moments = update_moments_masked(self._moments, counted, mask, xp=xp)
        epsilon = self._device_epsilon(contract)
        return normalize_observation(
            self._moments, observations, epsilon=epsilon, dtype=self._float32, xp=xp
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
    *frame)``, and each sub-env's stack equals the single wrapper's (and Gymnasium's single
    ``FrameStackObservation``'s) on that sub-env. Box, Discrete, MultiDiscrete and MultiBinary
    observations are stacked, and Dict and Tuple spaces of them leaf by leaf (a ``dict`` or
    ``tuple`` of stacks). Spaces whose values are not arrays (Text, Graph, Sequence, OneOf)
    are refused: their batches are host tuples that no ring buffer holds; stack each sub-env
    with the single wrapper instead. One ring buffer per leaf with a leading sub-env axis holds
    every stack; a sub-env restarts its stack (padding included) exactly where its new episode
    starts, with masks, never a Python loop:

    * next-step: on the reset step after ``terminated | truncated``;
    * same-step: on the finishing step, after its last frame is pushed; ``info["final_obs"]``
      then holds the finished episode's last stack (in the layout the env used: a stacked
      array, or Gymnasium's object array of per-sub-env observations);
    * disabled: on ``reset(options={"reset_mask": mask})``, for the sub-envs in ``mask`` (a
      boolean array of shape ``(num_envs,)``, checked before the env is reset).

    Args:
        env: The vector environment.
        stack_size: The number of frames per stack, at least 1.
        padding_type: ``"reset"``, ``"zero"``, or a value inside the single observation space.

    Raises:
        TypeError: If ``stack_size`` is not an integer, or the space holds values that are
            not arrays.
        ValueError: If ``stack_size < 1`` or ``padding_type`` is invalid.

    Examples:
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
        owner = type(self).__name__
        space: gym.Space[Any] = env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        padding_kind, leaves = frame_stack_settings(owner, space, stack_size, padding_type)
        opaque = [leaf for leaf in leaves if not leaf.is_array]
        if opaque:
            raise TypeError(
                f"{owner}: the vector frame stack holds array observations only, got "
                f"{type(opaque[0].space).__name__} at {format_path(opaque[0].path, 'space')} "
                f"({space}); wrap each sub-env in array_env.wrappers.FrameStackObservation"
            )
        gym.utils.RecordConstructorArgs.__init__(
            self, stack_size=stack_size, padding_type=padding_type
        )
        VectorWrapper.__init__(self, env)
        self.stack_size: int = int(stack_size)
        self.padding_type: str = padding_kind
        self.single_observation_space = batch_space(space, n=self.stack_size)
        self.observation_space = batch_space(self.single_observation_space, n=self.num_envs)
        self._space = space
        self._leaves = leaves
        self._root_leaf = len(leaves) == 1 and leaves[0].path == ()
        self._mode = autoreset_mode(env)
        self._contracts: list[ArrayContract | None] = [None] * len(leaves)
        self._layouts: list[Any] = [None] * len(leaves)
        self._paddings: list[Any] = [None] * len(leaves)
        self._flags: ArrayContract | None = None
        self._rings: list[FrameRing] | None = None
        self._prev_done: Any = None  # next-step mode: the sub-envs whose next step is a reset

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs; restart the stacks of those that were reset."""
        first = self._contracts[0]
        mask = checked_reset_mask(  # before env.reset: Gymnasium's envs pop it from options
            type(self).__name__, options, self.num_envs,
            xp=None if first is None else first.xp, device=None if first is None else first.device,
        )  # fmt: skip
        observations, infos = self.env.reset(seed=seed, options=options)
        values = self._checked(observations)
        rings = self._rings
        if mask is None or rings is None:
            self._rings = [
                start_ring(stop_gradient(value), layout=self._layouts[i],
                           padding=self._paddings[i], xp=self._xp(i))
                for i, value in enumerate(values)
            ]  # fmt: skip
            self._prev_done = None
        else:
            contract = self._contracts[0]
            assert contract is not None
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
            self._rings = [
                restart_rows(ring, stop_gradient(value), mask, layout=self._layouts[i],
                             xp=self._xp(i))
                for i, (ring, value) in enumerate(zip(rings, values, strict=True))
            ]  # fmt: skip
            if self._prev_done is not None:
                xp = contract.fast_xp
                self._prev_done = xp.logical_and(self._prev_done, xp.logical_not(mask))
        return self._stacked(self._rings), infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and push their observations onto their stacks."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        rings = self._rings
        if rings is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        values = [stop_gradient(value) for value in self._checked(observations)]
        flags = self._flags
        assert flags is not None
        owner = type(self).__name__
        if not flags.matches(terminated):
            flags.check(terminated, owner=owner, name="terminated")
        if not flags.matches(truncated):
            flags.check(truncated, owner=owner, name="truncated")
        xp = self._xp(0)
        if self._mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
            finals, object_rows = self._final_frames(infos["final_obs"], values)
            done = xp.logical_or(terminated, truncated)
            finished = [
                push_frame(ring, final, layout=self._layouts[i], xp=self._xp(i))
                for i, (ring, final) in enumerate(zip(rings, finals, strict=True))
            ]
            final_stacks = self._stacked(finished, assembled=False)
            rings = [
                restart_rows(ring, value, done, layout=self._layouts[i], xp=self._xp(i))
                for i, (ring, value) in enumerate(zip(finished, values, strict=True))
            ]
            infos = {**infos, "final_obs": self._final_layout(final_stacks, object_rows, infos)}
        elif self._mode is AutoresetMode.NEXT_STEP:
            rings = [
                push_frame(ring, value, layout=self._layouts[i], restart=self._prev_done,
                           xp=self._xp(i))
                for i, (ring, value) in enumerate(zip(rings, values, strict=True))
            ]  # fmt: skip
            self._prev_done = xp.logical_or(terminated, truncated)
        else:
            rings = [
                push_frame(ring, value, layout=self._layouts[i], xp=self._xp(i))
                for i, (ring, value) in enumerate(zip(rings, values, strict=True))
            ]
        self._rings = rings
        return self._stacked(rings), rewards, terminated, truncated, infos

    def _xp(self, i: int) -> Any:
        contract = self._contracts[i]
        assert contract is not None
        return contract.fast_xp

    def _stacked(self, rings: list[FrameRing], *, assembled: bool = True) -> Any:
        out = [
            stacked_frames(ring, layout=self._layouts[i], xp=self._xp(i))
            for i, ring in enumerate(rings)
        ]
        if not assembled:
            return out
        return out[0] if self._root_leaf else assemble(self._space, out)

    def _checked(self, observations: Any) -> list[Any]:
        """Each leaf's batch, checked; fixes the contracts at the first contact (all or none)."""
        owner = type(self).__name__
        values = stack_leaf_values(owner, self._leaves, observations, self._root_leaf)
        fixed: list[tuple[int, ArrayContract]] = []
        for i, leaf in enumerate(self._leaves):
            contract = self._contracts[i]
            if contract is not None and contract.matches(values[i]):
                continue
            name = format_path(leaf.path, "observations")
            if contract is None:
                fixed.append((i, contract_for(
                    values[i], owner=owner, name=name, host_dtype=space_dtype(leaf.space),
                    shape=(self.num_envs, *(leaf.space.shape or ())),
                )))  # fmt: skip
            else:
                contract.check(values[i], owner=owner, name=name)
        if fixed:
            built = [
                (
                    i,
                    contract,
                    *frame_stack_constants(
                        contract,
                        self.stack_size,
                        batch_ndim=1,
                        frame_ndim=len(self._leaves[i].space.shape or ()),
                        host_padding=self._leaves[i].padding,
                    ),
                )
                for i, contract in fixed
            ]
            first = self._contracts[0] or fixed[0][1]
            flags = first._replace(dtype=None, shape=(self.num_envs,))
            for i, contract, layout, padding in built:
                self._contracts[i], self._layouts[i], self._paddings[i] = contract, layout, padding
            self._flags = flags
        return values

    def _final_frames(self, final: Any, values: list[Any]) -> tuple[list[Any], list[int] | None]:
        """Each leaf's finished episodes' last frames as one batch (observations elsewhere).

        Returns the batches and, for Gymnasium's object-array ``final_obs``, its finished rows.
        """
        owner = type(self).__name__
        if not (compat.is_numpy_array(final) and final.dtype == object):
            finals = stack_leaf_values(owner, self._leaves, final, self._root_leaf)
            for i, leaf in enumerate(self._leaves):
                contract = self._contracts[i]
                assert contract is not None
                name = format_path(leaf.path, 'info["final_obs"]')
                contract.check(finals[i], owner=owner, name=name)
            return [stop_gradient(value) for value in finals], None
        # Gymnasium's SyncVectorEnv: a host object array, None where no episode finished.
        rows = [row for row, frame in enumerate(final) if frame is not None]
        per_row = {
            row: stack_leaf_values(owner, self._leaves, final[row], self._root_leaf) for row in rows
        }
        batches: list[Any] = []
        for i, leaf in enumerate(self._leaves):
            contract = self._contracts[i]
            assert contract is not None
            single = contract._replace(shape=tuple(leaf.space.shape or ()))
            for row in rows:
                per_row[row][i] = host_leaf_value(per_row[row][i], space_dtype(leaf.space))
                name = format_path((row, *leaf.path), 'info["final_obs"]')
                single.check(per_row[row][i], owner=owner, name=name)
            frames = [
                per_row[row][i] if row in per_row else values[i][row, ...]
                for row in range(self.num_envs)
            ]
            batches.append(contract.xp.stack(frames))
        return batches, rows

    def _final_layout(
        self, final_stacks: list[Any], object_rows: list[int] | None, infos: dict[str, Any]
    ) -> Any:
        """Return the final stacks in the layout the env used for ``final_obs``."""
        if object_rows is None:
            return final_stacks[0] if self._root_leaf else assemble(self._space, final_stacks)
        out = np.full(len(infos["final_obs"]), None, dtype=object)
        for row in object_rows:
            stacks = [stack[row, ...] for stack in final_stacks]
            out[row] = stacks[0] if self._root_leaf else assemble(self._space, stacks)
        return out
