from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
from array_env.testing import Backend, assert_on_backend
from array_env.vector import VectorizeTransformObservation
from array_env.wrappers import FlattenObservation, TransformObservation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    check_vector_equals_single,
    check_vector_matches_gymnasium,
    native_vector_rollout,
)


class Square(TransformObservation[Any, Any, Any]):
    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env, lambda obs: obs * obs, None)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
@pytest.mark.parametrize(
    "wrapper", [gym.wrappers.FlattenObservation, FlattenObservation], ids=["gymnasium", "ours"]
)
def test_equals_gymnasium_vector(wrapper: Any, mode: AutoresetMode) -> None:
    check_vector_matches_gymnasium(
        lambda: gym.make("array_env/NestedCatch-v0"),
        lambda e: VectorizeTransformObservation(e, wrapper),
        lambda e: gym_vector.VectorizeTransformObservation(e, gym.wrappers.FlattenObservation),
        mode,
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_each_sub_env_equals_the_single_wrapper(mode: AutoresetMode) -> None:
    check_vector_equals_single(
        lambda: gym.make("CartPole-v1"),
        lambda e: VectorizeTransformObservation(e, Square),
        Square,
        mode,
    )


def test_results_stay_on_the_backend(backend: Backend) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    got = native_vector_rollout(
        backend, "array_env/CartPole-v1", lambda e: VectorizeTransformObservation(e, Square),
        AutoresetMode.NEXT_STEP, steps=20,
    )  # fmt: skip
    want = native_vector_rollout(
        Backend.NUMPY, "array_env/CartPole-v1", lambda e: VectorizeTransformObservation(e, Square),
        AutoresetMode.NEXT_STEP, steps=20,
    )  # fmt: skip
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    envs = VectorizeTransformObservation(
        gym.make_vec("array_env/CartPole-v1", 2, vectorization_mode="vector_entry_point",
                     xp=backend.namespace_name, device=backend.device_spec), Square,
    )  # fmt: skip
    assert_on_backend(envs.reset(seed=0)[0], backend.xp, backend.device)


def test_bad_autoreset_metadata_raises_type_error() -> None:
    envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
    envs.metadata = {**envs.metadata, "autoreset_mode": "NextStep"}
    with pytest.raises(TypeError, match="VectorizeTransformObservation"):
        VectorizeTransformObservation(envs, Square)
