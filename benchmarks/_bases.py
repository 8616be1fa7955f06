"""Bare environments the wrapper benchmarks wrap: cheap, deterministic, NumPy on the host.

Gymnasium's own envs serve where they fit (Pendulum, CartPole and its native vector CartPole);
the others are minimal stand-ins with the observations a wrapper family needs: Atari-sized
``(210, 160, 3)`` uint8 frames (image wrappers), and a ``Dict`` of two boxes (Filter, Flatten).
Each returns precomputed arrays, so the env itself costs almost nothing and the rows measure the
wrappers.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

FRAME = (210, 160, 3)
EPISODE = 200


class FrameEnv(gym.Env[np.ndarray, np.int64]):
    """Atari-sized uint8 frames from a pool of 8, episodes of 200 steps, ``rgb_array`` render."""

    def __init__(self, render_mode: str | None = "rgb_array") -> None:
        self.metadata = {"render_modes": ["rgb_array"], "render_fps": 30}
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(0, 255, FRAME, np.uint8)
        self.action_space = gym.spaces.Discrete(4)
        self._pool = np.random.default_rng(0).integers(0, 256, (8, *FRAME), dtype=np.uint8)
        self._t = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._t = 0
        return self._pool[0], {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self._t += 1
        return self._pool[self._t % 8], 1.0, self._t >= EPISODE, False, {}

    def render(self) -> np.ndarray:
        frame: np.ndarray = self._pool[self._t % 8]
        return frame


class DictEnv(gym.Env[Any, np.ndarray]):
    """A ``Dict`` observation of two float32 boxes and a Box action; episodes of 200 steps."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Dict(
            {
                "position": gym.spaces.Box(-1, 1, (3,), np.float32),
                "velocity": gym.spaces.Box(-8, 8, (2,), np.float32),
            }
        )
        self.action_space = gym.spaces.Box(-2, 2, (1,), np.float32)
        rng = np.random.default_rng(0)
        self._obs = [
            {
                "position": rng.uniform(-1, 1, 3).astype(np.float32),
                "velocity": rng.uniform(-8, 8, 2).astype(np.float32),
            }
            for _ in range(8)
        ]
        self._t = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        self._t = 0
        return self._obs[0], {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        self._t += 1
        return self._obs[self._t % 8], -1.0, False, self._t >= EPISODE, {}


class BatchEnv(VectorEnv[Any, Any, Any]):
    """A native vector env cycling through precomputed batches (next-step autoreset metadata)."""

    def __init__(self, single: gym.Env[Any, Any], num_envs: int) -> None:
        self.num_envs = num_envs
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        batched: gym.Space[Any] = batch_space(single.observation_space, num_envs)
        self.observation_space = batched
        self.action_space = batch_space(single.action_space, num_envs)
        self.metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["rgb_array"]}
        self.render_mode = "rgb_array"
        self._batches: list[Any] = [batched.sample() for _ in range(4)]
        self._rewards = np.ones(num_envs, np.float32)
        self._flags = np.zeros(num_envs, bool)
        self._t = 0

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        self._t = 0
        return self._batches[0], {}

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        self._t += 1
        return self._batches[self._t % 4], self._rewards, self._flags, self._flags, {}

    def render(self) -> Any:
        frames: np.ndarray = np.asarray(self._batches[self._t % 4])
        return tuple(frames[i] for i in range(self.num_envs))


def native_cartpole(num_envs: int) -> VectorEnv[Any, Any, Any]:
    """array_env's own NumPy ``CartPoleVectorEnv`` (next-step autoreset) with ``num_envs`` envs."""
    import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  # registers the ids

    envs: VectorEnv[Any, Any, Any] = gym.make_vec(
        "array_env/CartPole-v1", num_envs, vectorization_mode="vector_entry_point", xp="numpy"
    )
    return envs
