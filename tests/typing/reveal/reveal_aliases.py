"""The per-backend aliases: array_env.numpy, array_env.torch and array_env.jax."""

from typing import Any

import gymnasium as gym
import jax
import numpy.typing as npt
import torch
from gymnasium.vector import VectorEnv
from typing_extensions import assert_type

import array_env.jax
import array_env.numpy
import array_env.torch
from array_env.core import Wrapper


def single() -> None:
    t = array_env.torch.make("array_env/CartPole-v1")
    assert_type(t, gym.Env[torch.Tensor, torch.Tensor])
    assert_type(t, array_env.torch.Env)
    assert_type(t.reset(seed=0)[0], torch.Tensor)
    assert_type(t.step(torch.tensor(1))[0], torch.Tensor)
    j = array_env.jax.make("array_env/Pendulum-v1", device="cpu")
    assert_type(j.reset()[0], jax.Array)
    n = array_env.numpy.make("array_env/Catch-v0")
    assert_type(n.reset()[0], npt.NDArray[Any])
    assert_type(array_env.numpy.Array, type[npt.NDArray[Any]])


def nested() -> None:
    env = array_env.torch.make("array_env/NestedCatch-v0")
    assert_type(env, gym.Env[dict[str, Any], torch.Tensor])
    assert_type(env.reset()[0], dict[str, Any])


def vector() -> None:
    v = array_env.torch.make_vec("array_env/CartPole-v1", num_envs=8)
    assert_type(v, VectorEnv[torch.Tensor, torch.Tensor, torch.Tensor])
    assert_type(v, array_env.torch.VectorEnv)
    obs, reward, terminated, _truncated, _info = v.step(torch.zeros(8))
    assert_type(obs, torch.Tensor)
    assert_type(reward, torch.Tensor)
    assert_type(terminated, torch.Tensor)
    assert_type(array_env.jax.make_vec("array_env/Pendulum-v1", 4).reset()[0], jax.Array)
    nested = array_env.numpy.make_vec("array_env/NestedCatch-v0", 2)
    assert_type(nested, VectorEnv[dict[str, Any], npt.NDArray[Any], npt.NDArray[Any]])


class Clamp(array_env.torch.Wrapper):
    """A user wrapper written against the torch alias."""

    def step(
        self, action: torch.Tensor
    ) -> tuple[torch.Tensor, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs.clamp(-1.0, 1.0), reward, terminated, truncated, info


def wrapper_alias(env: array_env.torch.Env) -> None:
    w = Clamp(env)
    assert_type(w.env, gym.Env[torch.Tensor, torch.Tensor])
    assert_type(w.step(torch.tensor(0))[0], torch.Tensor)
    base: Wrapper[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] = w
    _ = base
