"""to_namespace: an array keeps a concrete type when the target is typed; trees are Any."""

from typing import Any

import array_api_compat
import jax
import numpy as np
import numpy.typing as npt
import torch
from typing_extensions import assert_type

from array_env import to_namespace


def arrays(
    n: np.ndarray, i64: npt.NDArray[np.int64], t: torch.Tensor, j: jax.Array, f: np.float32
) -> None:
    assert_type(to_namespace(n, "torch"), torch.Tensor)
    assert_type(to_namespace(i64, "torch", device="cpu"), torch.Tensor)
    assert_type(to_namespace(np.array([0, 1]), "jax"), jax.Array)
    assert_type(to_namespace(t, "numpy"), npt.NDArray[Any])
    assert_type(to_namespace(j, "torch"), torch.Tensor)
    assert_type(to_namespace(f, "torch"), torch.Tensor)
    assert_type(to_namespace(n, array_api_compat.array_namespace(j)), jax.Array)


def trees_and_untyped_targets(n: np.ndarray, name: str) -> None:
    assert_type(to_namespace({"a": n, "b": (n, 1)}, "torch"), Any)
    assert_type(to_namespace([n, n], "jax"), Any)
    assert_type(to_namespace(n, "array_api_strict"), Any)
    assert_type(to_namespace(n, name), Any)


def untyped_input(obs: Any) -> None:
    # An observation typed Any may be a dict: the result stays Any in both checkers.
    assert_type(to_namespace(obs, "torch"), Any)
    assert_type(to_namespace(obs, "numpy"), Any)
