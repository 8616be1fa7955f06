"""Each marked line must be rejected, by mypy with the code and by pyright with the rule given."""

from typing import Any

import array_api_compat
import jax
import jax.numpy as jnp
import numpy.typing as npt
import torch

from array_env.typing import ArrayT, Namespace


def namespace_takes_its_own_arrays(t: torch.Tensor, n: npt.NDArray[Any]) -> None:
    xp = array_api_compat.array_namespace(t)
    xp.mean(n)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    out: npt.NDArray[Any] = xp.asarray(n)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ = out


def module_of_another_backend() -> Namespace[torch.Tensor]:
    return jnp  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def narrowed_namespace(xp: object, j: jax.Array) -> None:
    if array_api_compat.is_torch_namespace(xp):
        xp.sqrt(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def not_an_array(x: ArrayT) -> ArrayT:
    return x


def array_bound() -> None:
    not_an_array("text")  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]
    not_an_array(3)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]


def to_namespace_result(n: npt.NDArray[Any]) -> None:
    from array_env import to_namespace

    wrong: npt.NDArray[Any] = to_namespace(n, "torch")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ = wrong
