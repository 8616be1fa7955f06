"""Test doubles shared by the action and reward wrapper tests.

``Received`` / ``VectorReceived`` sit under the wrapper and record what reaches the env;
``RewardsOn`` hands the env's rewards out as arrays of a backend, as a native env would.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from array_env.testing import Backend, to_host


class Received(gym.Wrapper[Any, Any, Any, Any]):
    """Records every action that reaches it, then hands it to the env on the host."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.actions: list[Any] = []

    def step(self, action: Any) -> Any:
        self.actions.append(action)
        return self.env.step(to_host(action))


class VectorReceived(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """The vector version of :class:`Received`."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.actions: list[Any] = []

    def step(self, actions: Any) -> Any:
        self.actions.append(actions)
        return self.env.step(to_host(actions))


class RewardsOn(gym.Wrapper[Any, Any, Any, Any]):
    """Hands the env's rewards out as 0-d float32 arrays of ``backend``."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, self.backend.asarray(float(reward), "float32"), terminated, truncated, info


class VectorRewardsOn(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Hands the vector env's rewards out as float32 arrays of ``backend``."""

    def __init__(self, env: Any, backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, info = self.env.step(actions)
        return obs, self.backend.asarray(rewards, "float32"), terminated, truncated, info
