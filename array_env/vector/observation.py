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

from array_env._ops.running_moments import update_moments, update_moments_masked
from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.observation import (
    MomentsHolder,
    check_epsilon,
    normalize_observation,
    normalized_box,
)

__all__ = ["NormalizeObservation"]

A = TypeVar("A")
Act = TypeVar("Act")


class NormalizeObservation(
    MomentsHolder, VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs
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
        single = normalized_box(type(self).__name__, env.single_observation_space)
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        VectorWrapper.__init__(self, env)
        self.single_observation_space = single
        self.observation_space = batch_space(single, self.num_envs)
        self.epsilon = epsilon
        self._host_dtype = env.single_observation_space.dtype
        self._mode = autoreset_mode(env)
        self._init_moments(single.shape)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs; count the observations of those that were reset."""
        mask = reset_mask(options)  # read first: Gymnasium's vector envs pop it from options
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # VectorEnv types seed as int | None; SyncVectorEnv takes a list too
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
        contract = self._contract
        if contract is None:
            contract = self._adopt(
                contract_for(
                    observations,
                    owner=type(self).__name__,
                    name="observations",
                    host_dtype=self._host_dtype,
                    shape=(self.num_envs, *self._moments_shape),
                )
            )
            self._float32 = contract.xp.float32
            self._cast = not contract.xp.isdtype(contract.dtype, "real floating")
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name="observations")
        return contract

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
            return self._normalize(final, contract, mask)
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
