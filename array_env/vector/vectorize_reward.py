"""Vector ``TransformReward`` and ``VectorizeTransformReward``.

Gymnasium's ``VectorizeTransformReward`` writes ``func(r)`` into the env's reward array one
sub-env at a time. Here ``func`` is called once on the whole rewards array (it must work
elementwise, as array_env's ``ClipReward`` and any arithmetic lambda do) and the env's array is
never written to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gymnasium as gym
from gymnasium.vector import VectorEnv, VectorWrapper

from array_env._checks import ArrayMismatchError

__all__ = ["TransformReward", "VectorizeTransformReward"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")


class TransformReward(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Apply ``func`` to every rewards array the vector env returns.

    Gymnasium's vector ``TransformReward``; the single twin is
    :class:`array_env.wrappers.TransformReward`.

    Args:
        env: The vector environment.
        func: Maps the env's rewards array to the wrapper's.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = TransformReward(envs, lambda r: 2 * r + 1)
        >>> _ = envs.reset(seed=0)
        >>> envs.step(np.array([1, 0]))[1].tolist()
        [3.0, 3.0]
    """

    def __init__(self, env: VectorEnv[Obs, Act, A], func: Callable[[A], A]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, func=func)
        VectorWrapper.__init__(self, env)
        self.func = func

    def rewards(self, rewards: A) -> A:
        """Return ``func(rewards)``."""
        return self.func(rewards)

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and transform their rewards."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        return observations, self.func(rewards), terminations, truncations, infos


class VectorizeTransformReward(VectorWrapper[Obs, Act, Obs, Act, A]):
    """Use a single-env reward transform on a vector env, on the whole rewards array at once.

    Gymnasium's ``VectorizeTransformReward``: ``wrapper(Env(), **kwargs)`` is built and exposed
    as :attr:`wrapper`, and its ``func`` is applied to each step's rewards. array_env's
    ``ClipReward`` checks the array and keeps it on its device; another ``TransformReward``'s
    ``func`` must work elementwise on an array.

    Args:
        env: The vector environment.
        wrapper: The single-env reward wrapper class.
        **kwargs: Its constructor arguments after ``env``.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> from array_env.wrappers import ClipReward as SingleClipReward
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = VectorizeTransformReward(envs, SingleClipReward, max_reward=0.25)
        >>> _ = envs.reset(seed=0)
        >>> envs.step(np.array([1, 0]))[1].tolist()
        [0.25, 0.25]
    """

    def __init__(self, env: VectorEnv[Obs, Act, A], wrapper: type[Any], **kwargs: Any) -> None:
        VectorWrapper.__init__(self, env)
        self.wrapper = wrapper(gym.Env(), **kwargs)

    def rewards(self, rewards: A) -> A:
        """Return the wrapper's ``func`` applied to the rewards array."""
        try:
            result: A = self.wrapper.func(rewards)
        except ArrayMismatchError as error:
            raise ArrayMismatchError(f"{type(self).__name__}: {error}") from error
        return result

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and transform their rewards."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        return observations, self.rewards(rewards), terminations, truncations, infos
