"""Code a type-checked user writes with array_env: must check cleanly, with no annotation tricks."""

from typing import Any, SupportsFloat

import array_api_compat
import gymnasium as gym
import jax
import torch

import array_env.jax
import array_env.torch
from array_env.typing import ArrayT, Namespace
from array_env.vector import NormalizeObservation as VectorNormalizeObservation
from array_env.wrappers import NormalizeObservation, NormalizeReward, NumpyToTorch


def standardise(x: ArrayT, xp: Namespace[ArrayT]) -> ArrayT:
    """A backend-agnostic helper: its result has the caller's array type."""
    return (x - xp.mean(x)) / (xp.sqrt(xp.var(x)) + 1e-8)


def total_return(env: gym.Env[ArrayT, ArrayT], action: ArrayT, steps: int) -> float:
    """A rollout generic in the array type, usable on every backend."""
    env.reset(seed=0)
    total = 0.0
    for _ in range(steps):
        _, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    return total


class ScaleReward(array_env.torch.Wrapper):
    """A user wrapper on the torch alias: `self.env` is a torch env, step is checked against it."""

    def __init__(self, env: array_env.torch.Env, scale: float) -> None:
        super().__init__(env)
        self.scale = scale

    def step(self, action: torch.Tensor) -> tuple[torch.Tensor, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, float(reward) * self.scale, terminated, truncated, info


def build() -> None:
    env = ScaleReward(NormalizeReward(NormalizeObservation(NumpyToTorch(gym.make("CartPole-v1")))), 0.1)
    obs, _ = env.reset(seed=0)
    xp = array_api_compat.array_namespace(obs)
    total_return(env, xp.asarray(1), steps=10)
    centred: torch.Tensor = standardise(obs, xp)
    _ = centred

    envs = VectorNormalizeObservation(array_env.jax.make_vec("array_env/CartPole-v1", 4))
    batch, *_ = envs.reset(seed=0)
    jxp = array_api_compat.array_namespace(batch)
    first: jax.Array = standardise(batch[0], jxp)
    _ = first
