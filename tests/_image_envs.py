"""Small seeded image environments for the image-wrapper tests (host NumPy frames).

``RandomFrames`` draws every frame from ``np_random`` (so the differential tests see every kind
of colour, not just a game's few), ends episodes at random, and pays a random reward; it renders
its last frame. ``OnBackend`` hands a wrapped env's NumPy observations out as another backend's.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from array_env.testing import Backend


class RandomFrames(gym.Env[np.ndarray, Any]):
    """Random uint8 frames of ``shape``; episodes end with probability ``1 / mean_length``.

    With ``length``, every episode ends (terminated) after exactly ``length`` steps instead.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}  # noqa: RUF012

    def __init__(
        self,
        shape: tuple[int, ...] = (210, 160, 3),
        mean_length: int = 40,
        render_mode: str | None = None,
        length: int | None = None,
    ) -> None:
        self.observation_space = gym.spaces.Box(0, 255, shape, np.uint8)
        self.action_space = gym.spaces.Discrete(3)
        self.render_mode = render_mode
        self._shape = shape
        self._length = length  # a fixed episode length instead of random ends
        self._steps = 0
        self._end = 1.0 / mean_length
        self._frame = np.zeros(shape, np.uint8)

    def _draw(self) -> np.ndarray:
        self._frame = self.np_random.integers(0, 256, self._shape, np.uint8)
        return self._frame

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._steps = 0
        return self._draw(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        frame = self._draw()
        reward = float(self.np_random.normal())
        self._steps += 1
        if self._length is not None:
            return frame, reward, self._steps >= self._length, False, {}
        terminated = bool(self.np_random.random() < self._end)
        truncated = bool(self.np_random.random() < self._end / 4)
        return frame, reward, terminated, truncated, {}

    def render(self) -> np.ndarray:
        return self._frame.copy()


class OnBackend(gym.ObservationWrapper[Any, Any, Any]):
    """Hands the wrapped env's NumPy observations out as arrays of ``backend``."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def observation(self, observation: Any) -> Any:
        return self.backend.asarray(observation, observation.dtype.name)


def rollout(env: gym.Env[Any, Any], steps: int, seed: int) -> list[Any]:
    """Observations over ``steps`` steps with resets, actions from a seeded generator."""
    rng = np.random.default_rng(seed)
    out = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        out.append(obs)
        if terminated or truncated:
            out.append(env.reset()[0])
    return out
