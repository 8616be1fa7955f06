"""Vector lifecycle wrappers: :class:`TimeLimit`, the twin of :class:`array_env.wrappers.TimeLimit`.

Gymnasium has no vector TimeLimit (``gym.make_vec`` puts a single TimeLimit inside each sub-env,
and native vector envs take ``max_episode_steps`` themselves). This one wraps any vector env and
keeps one step count per sub-env on the device.
"""

from __future__ import annotations

from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import iterate

from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.vector._info_rows import merge_rows
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.lifecycle import check_max_episode_steps, count_step

__all__ = ["TimeLimit", "count_steps"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")

_FINAL_KEYS = ("final_obs", "_final_obs", "final_info", "_final_info")


def count_steps(elapsed: A, restart: A | None, *, max_episode_steps: int, xp: Any) -> tuple[A, A]:
    """Advance every sub-env's step count; return the counts and where they reach the limit.

    ``restart`` (next-step autoreset) marks the sub-envs whose step is a reset step: their new
    episode has run 0 steps. Pure and jit-safe: ``where`` on masks, no host read.

    Examples:
        >>> import numpy as np
        >>> counts, reached = count_steps(
        ...     np.array([0, 2, 2]), np.array([False, False, True]), max_episode_steps=3, xp=np
        ... )
        >>> counts.tolist(), reached.tolist()
        ([1, 3, 0], [False, True, False])
    """
    if restart is None:
        return count_step(elapsed, max_episode_steps=max_episode_steps)
    previous: Any = elapsed
    counted: Any = xp.where(restart, 0, previous + 1)
    return counted, counted >= max_episode_steps


class TimeLimit(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Truncate each sub-env's episode once it has run ``max_episode_steps`` steps.

    The vector twin of :class:`array_env.wrappers.TimeLimit`: each sub-env behaves exactly as
    that single wrapper around it, under every autoreset mode. The step counts are an integer
    array on the device of the env's flags, updated with masks (:func:`count_steps`); which
    sub-envs truncate is device data. A sub-env that this wrapper truncates but whose env did
    not end must still be reset as the autoreset mode says, and the env does not know it ended,
    so the wrapper resets it with ``env.reset(options={"reset_mask": m})``:

    * next-step: on the following step (the env steps it once more, unseen, then it is reset
      and the step reports its first observation, reward 0, flags false and the reset's info);
    * same-step: on the truncating step (the last observation goes to ``info["final_obs"]``,
      the step's info to ``info["final_info"]``);
    * disabled: the caller's ``reset(options={"reset_mask": m})`` restarts the counts in ``m``.

    With NumPy flags (Gymnasium's vector envs) the partial reset is called only on steps where
    some sub-env needs it, as Gymnasium's envs require a mask with a true entry. With flags on
    another namespace it is called on every step of the first two modes (possibly with an empty
    mask, which array_env's vector envs accept), so that no step reads the device.

    Args:
        env: The vector environment.
        max_episode_steps: The step after which each episode is truncated, a positive int.

    Raises:
        TypeError: If ``max_episode_steps`` is not an int.
        ValueError: If ``max_episode_steps`` is not positive.
        gymnasium.error.ResetNeeded: From :meth:`step` before the first :meth:`reset`.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = TimeLimit(envs, max_episode_steps=3)
        >>> _ = envs.reset(seed=0)
        >>> [envs.step(np.array([0, 1]))[3].tolist() for _ in range(4)]
        [[False, False], [False, False], [True, True], [False, False]]
    """

    def __init__(self, env: VectorEnv[Obs, Act, A], max_episode_steps: int) -> None:
        check_max_episode_steps(type(self).__name__, max_episode_steps)
        gym.utils.RecordConstructorArgs.__init__(self, max_episode_steps=max_episode_steps)
        VectorWrapper.__init__(self, env)
        self._max_episode_steps = max_episode_steps
        self._mode = autoreset_mode(env)
        self._contract: ArrayContract | None = None
        self._host_masks = False
        self._has_reset = False
        self._elapsed: Any = None  # None: every count is 0
        self._restart: Any = None  # next-step: the sub-envs whose coming step is a reset step
        self._forced: Any = None  # next-step: those of them that this wrapper ended

    @property
    def elapsed_steps(self) -> Any:
        """Each sub-env's step count in its episode, ``(num_envs,)`` on the device."""
        if self._elapsed is None and self._contract is not None:
            return self._zeros(self._contract)
        return self._elapsed

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the sub-envs and restart the step counts of those reset."""
        mask = reset_mask(options)  # read first: Gymnasium's vector envs pop it from options
        result = self.env.reset(seed=seed, options=options)
        contract = self._contract
        if mask is None or contract is None or not self._has_reset:
            self._elapsed = self._restart = self._forced = None
        else:
            xp = contract.fast_xp
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
            keep = xp.logical_not(mask)
            if self._elapsed is not None:
                self._elapsed = xp.where(mask, 0, self._elapsed)
            if self._restart is not None:
                self._restart = xp.logical_and(self._restart, keep)
                self._forced = xp.logical_and(self._forced, keep)
        self._has_reset = True
        return result

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs; truncate those whose episode reached the limit."""
        if not self._has_reset:
            raise gym.error.ResetNeeded(
                f"{type(self).__name__}: Cannot call env.step() before calling env.reset()"
            )
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        contract = self._check(terminated, truncated)
        xp = contract.fast_xp
        elapsed = self._zeros(contract) if self._elapsed is None else self._elapsed
        limit = self._max_episode_steps
        if self._mode is AutoresetMode.NEXT_STEP:
            forced = self._forced
            if forced is not None and self._needed(forced):
                observations, reset_infos = self._reset_rows(forced)
                rewards = xp.where(forced, xp.zeros_like(rewards), rewards)
                terminated = xp.logical_and(terminated, xp.logical_not(forced))
                truncated = xp.logical_and(truncated, xp.logical_not(forced))
                infos = merge_rows(infos, reset_infos, forced, drop_empty=self._host_masks)
            elapsed, reached = count_steps(elapsed, self._restart, max_episode_steps=limit, xp=xp)
            ended = xp.logical_or(terminated, truncated)
            truncated = xp.logical_or(truncated, reached)
            self._forced = xp.logical_and(reached, xp.logical_not(ended))
            self._restart = xp.logical_or(terminated, truncated)
        elif self._mode is AutoresetMode.SAME_STEP:
            elapsed, reached = count_steps(elapsed, None, max_episode_steps=limit, xp=xp)
            forced = xp.logical_and(reached, xp.logical_not(xp.logical_or(terminated, truncated)))
            truncated = xp.logical_or(truncated, reached)
            if self._needed(forced):
                last = observations
                observations, reset_infos = self._reset_rows(forced)
                infos = self._add_final(infos, reset_infos, last, forced)
            elapsed = xp.where(xp.logical_or(terminated, truncated), 0, elapsed)
        else:
            elapsed, reached = count_steps(elapsed, None, max_episode_steps=limit, xp=xp)
            truncated = xp.logical_or(truncated, reached)
        self._elapsed = elapsed
        return observations, rewards, terminated, truncated, infos

    def _needed(self, forced: Any) -> bool:
        # NumPy masks are on the host: ask (Gymnasium's envs reject an all-false reset mask).
        return bool(np.any(forced)) if self._host_masks else True

    def _reset_rows(self, forced: Any) -> tuple[Any, dict[str, Any]]:
        return self.env.reset(options={"reset_mask": forced})

    def _add_final(
        self, infos: dict[str, Any], reset_infos: dict[str, Any], last: Any, forced: Any
    ) -> dict[str, Any]:
        """Same-step: the forced rows' last observation and step info go to ``final_*``."""
        xp = self._contract.fast_xp if self._contract is not None else None
        assert xp is not None
        step_infos = {k: v for k, v in infos.items() if k not in _FINAL_KEYS}
        drop = self._host_masks
        merged = merge_rows(step_infos, reset_infos, forced, drop_empty=drop)
        n = self.num_envs
        final_mask = infos.get("_final_obs", xp.zeros_like(forced))
        final_obs = infos.get("final_obs")
        if self._host_masks and (final_obs is None or _is_object_array(final_obs)):
            # Gymnasium's layout: an object array of per-sub-env observations
            final_obs = np.full(n, None, dtype=object) if final_obs is None else final_obs.copy()
            rows = np.flatnonzero(forced).tolist()
            space: Any = self.env.observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            for row, obs in enumerate(iterate(space, last)):
                if row in rows:
                    final_obs[row] = obs
        elif final_obs is None:
            final_obs = last  # batched: the forced rows' last observations, equal elsewhere
        else:
            final_obs = _where_tree(forced, last, final_obs, xp)
        merged["final_obs"] = final_obs
        merged["_final_obs"] = xp.logical_or(final_mask, forced)
        merged["final_info"] = merge_rows(
            infos.get("final_info", {}), step_infos, forced, drop_empty=drop
        )
        merged["_final_info"] = xp.logical_or(infos.get("_final_info", final_mask), forced)
        return merged

    def _check(self, terminated: Any, truncated: Any) -> ArrayContract:
        owner = type(self).__name__
        contract = self._contract
        if contract is None:
            contract = contract_for(
                terminated, owner=owner, name="terminated", shape=(self.num_envs,)
            )
            contract = contract._replace(dtype=contract.xp.bool)
            contract.check(terminated, owner=owner, name="terminated")
            self._host_masks = compat.is_numpy_namespace(contract.xp)
            self._int_dtype = contract.xp.__array_namespace_info__().default_dtypes(
                device=contract.device
            )["integral"]
            self._contract = contract
        elif not contract.matches(terminated):
            contract.check(terminated, owner=owner, name="terminated")
        if not contract.matches(truncated):
            contract.check(truncated, owner=owner, name="truncated")
        return contract

    def _zeros(self, contract: ArrayContract) -> Any:
        return contract.fast_xp.zeros(
            (self.num_envs,), dtype=self._int_dtype, device=contract.device
        )


def _is_object_array(x: object) -> bool:
    dtype: Any = getattr(x, "dtype", None)
    return isinstance(x, np.ndarray) and dtype == np.dtype(object)


def _broadcast(mask: Any, value: Any, xp: Any) -> Any:
    if value.ndim <= 1:
        return mask
    return xp.reshape(mask, (mask.shape[0],) + (1,) * (value.ndim - 1))


def _where_tree(mask: Any, new: Any, old: Any, xp: Any) -> Any:
    """``new`` where ``mask`` else ``old``, over matching trees of batched arrays."""
    if isinstance(new, dict):
        return {k: _where_tree(mask, new[k], old[k], xp) for k in new}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(new, tuple):
        return tuple(_where_tree(mask, a, b, xp) for a, b in zip(new, old, strict=True))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return xp.where(_broadcast(mask, new, xp), new, old)
