"""A backend's typed wrappers reject an env typed with another backend's arrays."""

from typing import Any

import jax
import numpy.typing as npt
import torch

import array_env.jax
import array_env.numpy
import array_env.torch


def numpy_env_into_torch_wrappers(n: array_env.numpy.Env, nv: array_env.numpy.VectorEnv) -> None:
    array_env.torch.NormalizeObservation(n)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    array_env.torch.VectorNormalizeObservation(nv)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def torch_env_into_jax_and_numpy_wrappers(t: array_env.torch.Env) -> None:
    array_env.jax.FrameStackObservation(t, 4)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    array_env.numpy.ClipAction(t)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def wrong_types_out(j: jax.Array) -> None:
    env = array_env.torch.ClipAction(array_env.torch.make("array_env/Pendulum-v1"))
    env.step(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    obs: npt.NDArray[Any] = env.reset()[0]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    tensor: torch.Tensor = array_env.numpy.FlattenObservation(env).reset()[0]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ = obs, tensor


def dict_observations_are_not_typed_as_arrays(t: array_env.torch.Env) -> None:
    array_env.torch.TimeAwareObservation(t, flatten=False)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    array_env.jax.AddRenderObservation(t, render_only=False)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
