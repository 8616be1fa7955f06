"""What the checkers infer for array namespaces: the array_api_compat stub and array_env.typing."""

from typing import Any

import array_api_compat
import array_api_strict
import jax
import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
import torch
from array_api_strict._array_object import Array as StrictArray
from typing_extensions import assert_type

from array_env.typing import ArrayT, Namespace


def array_namespace_is_generic(
    n: npt.NDArray[Any], t: torch.Tensor, j: jax.Array, s: StrictArray
) -> None:
    assert_type(array_api_compat.array_namespace(n), Namespace[npt.NDArray[Any]])
    assert_type(array_api_compat.array_namespace(t), Namespace[torch.Tensor])
    assert_type(array_api_compat.array_namespace(j), Namespace[jax.Array])
    assert_type(array_api_compat.array_namespace(s), Namespace[StrictArray])
    assert_type(array_api_compat.array_namespace(t, t), Namespace[torch.Tensor])
    assert_type(array_api_compat.get_namespace(j), Namespace[jax.Array])


def namespace_functions_keep_the_array_type(t: torch.Tensor, j: jax.Array) -> None:
    xp = array_api_compat.array_namespace(t)
    assert_type(xp.mean(t), torch.Tensor)
    assert_type(xp.sqrt(xp.asarray(1.0)), torch.Tensor)
    assert_type(xp.where(t > 0, t, 0.0), torch.Tensor)
    assert_type(xp.stack([t, t]), torch.Tensor)
    assert_type(xp.isdtype(t.dtype, "real floating"), bool)
    assert_type(xp.pi, float)
    jxp = array_api_compat.array_namespace(j)
    assert_type(jxp.zeros((2, 3), dtype=jxp.float32), jax.Array)
    assert_type(array_api_compat.to_device(t, "cpu"), torch.Tensor)


def jax_and_strict_modules_are_namespaces() -> tuple[Namespace[jax.Array], Namespace[StrictArray]]:
    return jnp, array_api_strict


def namespace_parameters(jax_xp: Namespace[jax.Array], strict_xp: Namespace[StrictArray]) -> None:
    assert_type(jax_xp.ones(3), jax.Array)
    assert_type(strict_xp.arange(3), StrictArray)


def is_array_helpers_narrow(x: object) -> None:
    if array_api_compat.is_torch_array(x):
        assert_type(x, torch.Tensor)
    if array_api_compat.is_jax_array(x):
        assert_type(x, jax.Array)
    if array_api_compat.is_numpy_array(x):
        assert_type(x, npt.NDArray[Any])


def is_namespace_helpers_narrow(
    xp: object, either: Namespace[torch.Tensor] | Namespace[jax.Array], unknown: Namespace[Any]
) -> None:
    if array_api_compat.is_torch_namespace(xp):
        assert_type(xp, Namespace[torch.Tensor])
    if array_api_compat.is_jax_namespace(xp):
        assert_type(xp, Namespace[jax.Array])
    if array_api_compat.is_numpy_namespace(xp):
        assert_type(xp, Namespace[npt.NDArray[Any]])
    if array_api_compat.is_jax_namespace(either):
        assert_type(either, Namespace[jax.Array])
    else:
        assert_type(either, Namespace[torch.Tensor])
    if array_api_compat.is_torch_namespace(unknown):  # Any stays Any: no narrowing from [Any]
        assert_type(unknown, Namespace[Any])


def double(x: ArrayT) -> ArrayT:
    return (x - x.T) * 2.0 + 1


def array_protocol_keeps_each_backend(
    n: np.ndarray, f32: npt.NDArray[np.float32], t: torch.Tensor, j: jax.Array, s: StrictArray
) -> None:
    assert_type(double(n), np.ndarray)
    assert_type(double(f32), npt.NDArray[np.float32])
    assert_type(double(t), torch.Tensor)
    assert_type(double(j), jax.Array)
    assert_type(double(s), StrictArray)
