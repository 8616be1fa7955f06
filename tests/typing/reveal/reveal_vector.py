"""Vector wrappers over VectorEnv[Obs, Act, Array]: conversions and stacks."""

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
from array_env.vector import (
    ClipAction,
    FrameStackObservation,
    JaxToNumpy,
    JaxToTorch,
    NormalizeObservation,
    NormalizeReward,
    NumpyToJax,
    NumpyToTorch,
    RecordEpisodeStatistics,
    TorchToJax,
    TorchToNumpy,
)

NDArray = npt.NDArray[Any]


def conversions_over_gym_make_vec() -> None:
    raw = gym.make_vec("CartPole-v1", num_envs=4)
    assert_type(raw, VectorEnv[Any, Any, Any])
    envs = NumpyToTorch(raw)
    obs, rewards, terminations, truncations, _ = envs.step(torch.zeros(4, dtype=torch.int64))
    assert_type(obs, torch.Tensor)
    assert_type(rewards, torch.Tensor)
    assert_type(terminations, torch.Tensor)
    assert_type(truncations, torch.Tensor)
    assert_type(NumpyToJax(raw).reset()[0], jax.Array)


def each_conversion() -> None:
    n = array_env.numpy.make_vec("array_env/CartPole-v1", 4)
    t = array_env.torch.make_vec("array_env/CartPole-v1", 4)
    j = array_env.jax.make_vec("array_env/CartPole-v1", 4)
    assert_type(NumpyToTorch(n).reset()[0], torch.Tensor)
    assert_type(TorchToNumpy(t).reset()[0], NDArray)
    assert_type(NumpyToJax(n).reset()[0], jax.Array)
    assert_type(JaxToNumpy(j).reset()[0], NDArray)
    assert_type(JaxToTorch(j).step(torch.zeros(4))[1], torch.Tensor)
    assert_type(TorchToJax(t).step(j.reset()[0])[2], jax.Array)


def vector_stacks() -> None:
    envs = NormalizeReward(NormalizeObservation(array_env.torch.make_vec("array_env/Pendulum-v1", 8)))
    assert_type(envs, NormalizeReward[torch.Tensor, torch.Tensor, torch.Tensor])
    obs, rewards, *_ = envs.step(torch.zeros(8, 1))
    assert_type(obs, torch.Tensor)
    assert_type(rewards, torch.Tensor)
    assert_type(envs.env, VectorEnv[torch.Tensor, torch.Tensor, torch.Tensor])
    converted = NormalizeObservation(NumpyToTorch(gym.make_vec("CartPole-v1", num_envs=2)))
    assert_type(converted.reset()[0], torch.Tensor)
    on_jax = NormalizeObservation(array_env.jax.make_vec("array_env/CartPole-v1", 16))
    assert_type(on_jax, NormalizeObservation[jax.Array, jax.Array])
    assert_type(on_jax.step(on_jax.reset()[0])[0], jax.Array)


def template_wrappers() -> None:
    envs = array_env.torch.make_vec("array_env/Pendulum-v1", 8)
    clipped = ClipAction(envs)
    assert_type(clipped, ClipAction[torch.Tensor, torch.Tensor, torch.Tensor])
    stacked = FrameStackObservation(clipped, 3)
    assert_type(stacked, FrameStackObservation[torch.Tensor, torch.Tensor])
    recorded = RecordEpisodeStatistics(stacked)
    assert_type(recorded, RecordEpisodeStatistics[torch.Tensor, torch.Tensor, torch.Tensor])
    obs, rewards, terminations, _, _ = recorded.step(torch.zeros(8, 1))
    assert_type(obs, torch.Tensor)
    assert_type(rewards, torch.Tensor)
    assert_type(terminations, torch.Tensor)
    pixels = FrameStackObservation(NumpyToJax(array_env.numpy.make_vec("array_env/Catch-v0", 4)), 4)
    assert_type(pixels.reset()[0], jax.Array)
