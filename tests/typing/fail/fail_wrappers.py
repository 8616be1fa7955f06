"""Each marked line must be rejected, by mypy with the code and by pyright with the rule given."""

from typing import Any

import gymnasium as gym
import jax
import numpy.typing as npt
import torch

import array_env.jax
import array_env.numpy
import array_env.torch
from array_env.wrappers import NormalizeObservation, NormalizeReward, NumpyToTorch, TorchToNumpy


def wrong_action_type(j: jax.Array) -> None:
    env = NormalizeObservation(NumpyToTorch(gym.make("CartPole-v1")))
    env.step(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    env.step(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def wrong_observation_type() -> None:
    env = NumpyToTorch(gym.make("CartPole-v1"))
    obs: npt.NDArray[Any] = env.reset()[0]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ = obs


def conversion_of_the_wrong_backend(t: array_env.torch.Env, j: array_env.jax.Env) -> None:
    NumpyToTorch(t)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    TorchToNumpy(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def env_is_invariant(t: array_env.torch.Env) -> None:
    # An Env of tensors is not an Env of some other array, nor of the Array protocol.
    n: array_env.numpy.Env = t  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ = n


def stack_keeps_the_types(n: gym.Env[npt.NDArray[Any], int]) -> None:
    env = NormalizeReward(NormalizeObservation(n))
    tensor: torch.Tensor = env.reset()[0]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    env.step(torch.tensor(1))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    _ = tensor


def unknown_reference_env() -> None:
    array_env.torch.make("CartPole-v1")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    array_env.numpy.make_vec("array_env/Nope-v0", 2)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def wrapper_alias_fixes_the_types(j: array_env.jax.Env) -> None:
    array_env.torch.Wrapper(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def frame_stack_padding_of_another_backend(t: array_env.torch.Env, j: jax.Array) -> None:
    from array_env.wrappers import FrameStackObservation

    FrameStackObservation(t, 4, padding_type=j)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]


def clip_action_keeps_the_action_type(t: array_env.torch.Env, n: npt.NDArray[Any]) -> None:
    from array_env.wrappers import ClipAction, RecordEpisodeStatistics

    RecordEpisodeStatistics(ClipAction(t)).step(n)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def wrappers_need_array_observations_and_actions(
    s: gym.Env[str, int], d: gym.Env[dict[str, Any], npt.NDArray[Any]]
) -> None:
    from array_env.wrappers import ClipAction, FrameStackObservation

    NormalizeObservation(s)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]
    NormalizeObservation(d)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]
    FrameStackObservation(s, 4)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]
    ClipAction(s)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]
