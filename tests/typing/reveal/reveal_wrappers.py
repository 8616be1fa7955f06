"""Single-environment wrappers: each conversion, and the stacks agents build."""

from typing import Any

import array_api_compat
import gymnasium as gym
import jax
import numpy as np
import numpy.typing as npt
import torch
from typing_extensions import assert_type

import array_env.jax
import array_env.numpy
import array_env.torch
from array_env.wrappers import (
    ArrayConversion,
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


def conversions_over_gym_make() -> None:
    # gym.make gives Env[Any, Any]; the named conversions still fix their output types.
    raw = gym.make("CartPole-v1")
    assert_type(raw, gym.Env[Any, Any])
    assert_type(NumpyToTorch(raw), NumpyToTorch)
    assert_type(NumpyToTorch(raw).reset()[0], torch.Tensor)
    assert_type(NumpyToTorch(raw).step(torch.tensor(1))[0], torch.Tensor)
    assert_type(NumpyToJax(raw).reset()[0], jax.Array)


def each_conversion(
    n: gym.Env[NDArray, NDArray], t: gym.Env[torch.Tensor, torch.Tensor], j: gym.Env[jax.Array, Any]
) -> None:
    to_torch: gym.Env[torch.Tensor, torch.Tensor] = NumpyToTorch(n)
    to_numpy: gym.Env[NDArray, NDArray] = TorchToNumpy(t)
    assert_type(to_torch.reset()[0], torch.Tensor)
    assert_type(to_numpy.reset()[0], NDArray)
    assert_type(NumpyToJax(n).reset()[0], jax.Array)
    assert_type(JaxToNumpy(j).reset()[0], NDArray)
    assert_type(JaxToTorch(j).reset()[0], torch.Tensor)
    assert_type(TorchToJax(t).reset()[0], jax.Array)
    assert_type(JaxToTorch(j).env, gym.Env[jax.Array, Any])


def generic_conversion(n: NDArray, t: torch.Tensor, j: jax.Array) -> None:
    # The generic base takes its types from typed namespaces (array_namespace, Namespace[A]).
    env = array_env.numpy.make("array_env/CartPole-v1")
    g = ArrayConversion(env, array_api_compat.array_namespace(n), array_api_compat.array_namespace(t))
    assert_type(g, ArrayConversion[NDArray, torch.Tensor])
    assert_type(g.reset()[0], torch.Tensor)
    to_jax = ArrayConversion(env, "numpy", array_api_compat.array_namespace(j))
    assert_type(to_jax.step(j)[0], jax.Array)
    # Names and modules carry no array type: the result is Any, as with gymnasium.
    assert_type(ArrayConversion(env, "numpy", "torch").reset()[0], Any)


def common_stacks() -> None:
    env = NormalizeObservation(NumpyToTorch(gym.make("CartPole-v1")))
    assert_type(env, NormalizeObservation[torch.Tensor, torch.Tensor])
    assert_type(env.reset()[0], torch.Tensor)
    assert_type(env.step(torch.tensor(0))[0], torch.Tensor)
    stacked = NormalizeReward(NormalizeObservation(array_env.torch.make("array_env/CartPole-v1")))
    assert_type(stacked, NormalizeReward[torch.Tensor, torch.Tensor])
    assert_type(stacked.step(torch.tensor(1))[0], torch.Tensor)
    assert_type(stacked.env, gym.Env[torch.Tensor, torch.Tensor])
    back = TorchToNumpy(NormalizeObservation(NumpyToTorch(array_env.numpy.make("array_env/Catch-v0"))))
    assert_type(back.reset()[0], NDArray)
    # Over gym.make's Env[Any, Any] a generic wrapper has nothing to infer from.
    assert_type(NormalizeObservation(gym.make("CartPole-v1")), NormalizeObservation[Any, Any])


def wrappers_keep_what_they_pass_through(e: gym.Env[jax.Array, int]) -> None:
    assert_type(NormalizeObservation(e), NormalizeObservation[jax.Array, int])
    assert_type(NormalizeReward(e).step(3)[0], jax.Array)
    assert_type(NormalizeObservation(e).unwrapped, gym.Env[jax.Array, int])


def template_wrappers(j: gym.Env[jax.Array, jax.Array], t: array_env.torch.Env) -> None:
    assert_type(ClipAction(j), ClipAction[jax.Array, jax.Array])
    assert_type(ClipAction(j).step(j.reset()[0])[0], jax.Array)
    stacked = FrameStackObservation(t, 4)
    assert_type(stacked, FrameStackObservation[torch.Tensor, torch.Tensor])
    assert_type(stacked.reset()[0], torch.Tensor)
    padded = FrameStackObservation(t, 4, padding_type=torch.zeros(4))
    assert_type(padded.step(torch.tensor(0))[0], torch.Tensor)
    recorded = RecordEpisodeStatistics(ClipAction(NormalizeObservation(t)))
    assert_type(recorded, RecordEpisodeStatistics[torch.Tensor, torch.Tensor])
    assert_type(recorded.step(torch.tensor(1))[0], torch.Tensor)


def pixel_stack() -> None:
    env = FrameStackObservation(NumpyToTorch(array_env.numpy.make("array_env/Catch-v0")), 4)
    assert_type(env.reset()[0], torch.Tensor)
    back = JaxToNumpy(FrameStackObservation(array_env.jax.make("array_env/Catch-v0"), 2))
    assert_type(back.reset()[0], NDArray)


def typed_numpy_stacks(
    pixels: gym.Env[npt.NDArray[np.uint8], int],
    features: gym.Env[npt.NDArray[np.float32], npt.NDArray[np.float32]],
) -> None:
    # Integer frames are not Array (Self-typed arithmetic); stacking does no arithmetic on them.
    assert_type(FrameStackObservation(pixels, 4).reset()[0], npt.NDArray[np.uint8])
    normalized = ClipAction(NormalizeObservation(features))
    assert_type(normalized, ClipAction[npt.NDArray[np.float32], npt.NDArray[np.float32]])
    assert_type(normalized.reset()[0], npt.NDArray[np.float32])
