"""Vector ``ClipReward``: the twin of :class:`array_env.wrappers.ClipReward`."""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
from gymnasium.vector import VectorEnv, VectorWrapper

from array_env.wrappers.reward_transform import RewardClipper, check_reward_bounds

__all__ = ["ClipReward"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")


class ClipReward(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Clip every sub-env's reward into ``[min_reward, max_reward]``.

    The vector twin of :class:`array_env.wrappers.ClipReward`: one ``maximum`` and one
    ``minimum`` over the rewards array, which keeps its namespace, device and floating dtype and
    is never written to (Gymnasium's clips the env's array in place, sub-env by sub-env). The
    bounds are moved to the rewards' device once, at the first step.

    Args:
        env: The vector environment.
        min_reward: Lower bound, or ``None`` for none.
        max_reward: Upper bound, or ``None`` for none.

    Raises:
        gymnasium.error.InvalidBound: If both bounds are ``None`` or ``min_reward > max_reward``.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = ClipReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), 0, 0.5)
        >>> _ = envs.reset(seed=0)
        >>> envs.step(np.array([1, 0]))[1].tolist()
        [0.5, 0.5]
    """

    def __init__(
        self, env: VectorEnv[Obs, Act, A], min_reward: Any = None, max_reward: Any = None
    ) -> None:
        check_reward_bounds(type(self).__name__, min_reward, max_reward)
        gym.utils.RecordConstructorArgs.__init__(self, min_reward=min_reward, max_reward=max_reward)
        VectorWrapper.__init__(self, env)
        self.func = RewardClipper(type(self).__name__, "rewards", min_reward, max_reward)

    def rewards(self, rewards: A) -> A:
        """Return the clipped rewards."""
        clipped: A = self.func(rewards)
        return clipped

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and clip their rewards."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        return observations, self.func(rewards), terminations, truncations, infos
