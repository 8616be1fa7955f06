from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import DtypeObservation as VectorDtype
from array_env.wrappers import DtypeObservation
from array_env.wrappers.stateless_observation import cast_observation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    SpacesEnv,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    check_vector_matches_gymnasium,
    jit_matches_eager,
    same_error,
)

CASES: dict[str, tuple[Any, Any]] = {
    "box-float64": (lambda: gym.make("CartPole-v1"), np.float64),
    "box-int32": (lambda: gym.make("Pendulum-v1"), "int32"),
    "discrete-float32": (lambda: gym.make("FrozenLake-v1"), np.float32),
    "multi-discrete-int32": (
        lambda: SpacesEnv(spaces.MultiDiscrete([3, 5, 2], start=[1, 0, -1])),
        np.int32,
    ),
    "multi-binary-float32": (lambda: SpacesEnv(spaces.MultiBinary((2, 3))), np.dtype("float32")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_equals_gymnasium_on_numpy(name: str) -> None:
    make, dtype = CASES[name]
    count = check_matches_gymnasium(
        lambda: DtypeObservation(make(), dtype),
        lambda: gym.wrappers.DtypeObservation(make(), dtype),
    )
    assert count > 2000


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
@pytest.mark.parametrize("name", ["box-float64", "multi-binary-float32"])
def test_vector_equals_gymnasium_vector(name: str, mode: AutoresetMode) -> None:
    make, dtype = CASES[name]
    check_vector_matches_gymnasium(
        make, lambda e: VectorDtype(e, dtype), lambda e: gym_vector.DtypeObservation(e, dtype), mode
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    make, dtype = CASES["box-float64"]
    check_vector_equals_single(
        make,
        lambda e: VectorDtype(e, dtype),
        lambda e: gym.wrappers.DtypeObservation(e, dtype),
        mode,
    )


def test_same_results_on_every_backend(backend: Backend) -> None:
    check_backend(
        backend, lambda: gym.make("CartPole-v1"), lambda e: DtypeObservation(e, np.float64)
    )


def test_discrete_host_scalars_on_numpy_only_backends(backend: Backend) -> None:
    if backend is not Backend.NUMPY:
        pytest.skip("FrozenLake hands out Python ints: the NumPy case")
    check_backend(
        backend, lambda: gym.make("FrozenLake-v1"), lambda e: DtypeObservation(e, np.float32)
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(
        backend, "array_env/CartPole-v1", lambda e: VectorDtype(e, "float64"), mode
    )


def test_narrowed_where_the_device_has_no_float64() -> None:
    backend = Backend.ARRAY_API_STRICT_NO_FLOAT64
    base = Feed(spaces.Box(-1, 1, (2,), np.float32), backend.asarray([0.5, -0.5], "float32"))
    env = DtypeObservation(base, np.float64)
    obs, _ = env.reset()
    assert obs.dtype == backend.xp.float32


def test_core_under_jit() -> None:
    x = np.linspace(-3, 3, 8, dtype=np.float32)
    jit_matches_eager(lambda v, xp: cast_observation(v, dtype=xp.int32, xp=xp), x)  # pyright: ignore[reportUnknownArgumentType, reportUnknownLambdaType, reportUnknownMemberType]


def test_output_is_a_new_array_even_for_the_same_dtype() -> None:
    base = Feed(spaces.Box(-1, 1, (2,), np.float32), np.array([0.5, -0.5], np.float32))
    env = DtypeObservation(base, np.float32)
    obs, _ = env.reset()
    assert obs is not base.next
    assert not np.shares_memory(obs, base.next)


def test_unsupported_space_raises_type_error() -> None:
    same_error(
        lambda: DtypeObservation(gym.make("Blackjack-v1"), np.float32),
        lambda: gym.wrappers.DtypeObservation(gym.make("Blackjack-v1"), np.float32),
        "DtypeObservation",
    )


def test_bad_observation_raises() -> None:
    base = Feed(spaces.Box(-1, 1, (2,), np.float32), np.zeros(2, np.float32))
    env = DtypeObservation(base, np.float64)
    env.reset()
    base.next = np.zeros((2, 1), np.float32)
    with pytest.raises(
        ArrayMismatchError, match=r"DtypeObservation: observation has shape \(2, 1\)"
    ):
        env.step(0)
