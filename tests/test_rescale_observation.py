from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import RescaleObservation as VectorRescale
from array_env.wrappers import RescaleObservation
from array_env.wrappers.stateless_observation import rescale_observation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    check_vector_matches_gymnasium,
    jit_matches_eager,
    same_error,
)

INF = np.inf
_GYMNASIUM: Any = gym.wrappers.RescaleObservation  # typed for NumPy bounds; floats work too
BOUNDS: dict[str, tuple[str, Any, Any]] = {
    "pendulum-arrays": ("Pendulum-v1", np.array([-2, -1, -10]), np.array([1, 0, 1])),
    "pendulum-scalars": ("Pendulum-v1", np.float32(0), np.float32(1)),
    "pendulum-python-floats": ("Pendulum-v1", -0.5, 3.0),
    "cartpole-unbounded": (
        "CartPole-v1",
        np.array([-1, -INF, -2, -INF], np.float32),
        np.array([1, INF, 2, INF], np.float32),
    ),
}


@pytest.mark.parametrize("name", list(BOUNDS))
def test_equals_gymnasium_on_numpy(name: str) -> None:
    env_id, low, high = BOUNDS[name]
    count = check_matches_gymnasium(
        lambda: RescaleObservation(gym.make(env_id), low, high),
        lambda: gym.wrappers.RescaleObservation(gym.make(env_id), low, high),
    )
    assert count > 2000


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
@pytest.mark.parametrize("name", ["pendulum-arrays", "cartpole-unbounded"])
def test_vector_equals_gymnasium_vector(name: str, mode: AutoresetMode) -> None:
    env_id, low, high = BOUNDS[name]
    check_vector_matches_gymnasium(
        lambda: gym.make(env_id), lambda e: VectorRescale(e, low, high),
        lambda e: gym_vector.RescaleObservation(e, low, high), mode,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    env_id, low, high = BOUNDS["cartpole-unbounded"]
    check_vector_equals_single(
        lambda: gym.make(env_id), lambda e: VectorRescale(e, low, high),
        lambda e: gym.wrappers.RescaleObservation(e, low, high), mode,
    )  # fmt: skip


def test_same_results_on_every_backend(backend: Backend) -> None:
    _, low, high = BOUNDS["pendulum-arrays"]
    check_backend(
        backend, lambda: gym.make("Pendulum-v1"), lambda e: RescaleObservation(e, low, high)
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(
        backend, "array_env/Pendulum-v1", lambda e: VectorRescale(e, -1.0, 1.0), mode
    )


def test_core_under_jit() -> None:
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    gradient = np.array([2.0, 0.5, 1.0], np.float32)
    intercept = np.array([0.0, 1.0, -3.0], np.float32)
    jit_matches_eager(rescale_observation, x, gradient, intercept)


def test_outputs_inside_the_declared_space() -> None:
    env = RescaleObservation(gym.make("Pendulum-v1"), np.float32(0), np.float32(1))
    env.action_space.seed(0)
    env.reset(seed=0)
    for _ in range(300):
        obs = env.step(env.action_space.sample())[0]
        assert obs in env.observation_space


@pytest.mark.parametrize(
    "args",
    [
        ("a", 1.0),
        (np.zeros(2), np.ones(3)),
        (np.zeros(3), np.ones(2)),
        (1.0, 0.0),
        (np.array([-1, -1, -1]), np.array([1, INF, 1])),
    ],
    ids=["type", "min-shape", "max-shape", "min-above-max", "infinite-mismatch"],
)
def test_constructor_errors_match_gymnasium(args: tuple[Any, Any]) -> None:
    same_error(
        lambda: RescaleObservation(gym.make("Pendulum-v1"), *args),
        lambda: gym.wrappers.RescaleObservation(gym.make("Pendulum-v1"), *args),
        "RescaleObservation",
    )
    same_error(
        lambda: RescaleObservation(gym.make("FrozenLake-v1"), 0.0, 1.0),
        lambda: _GYMNASIUM(gym.make("FrozenLake-v1"), 0.0, 1.0),
        "RescaleObservation",
    )


def test_bad_observation_raises_and_changes_nothing() -> None:
    base = Feed(gym.spaces.Box(-1, 1, (3,), np.float32), np.zeros(3, np.float32))
    env = RescaleObservation(base, 0.0, 1.0)
    env.reset()
    contracts, constants = env._contracts, env._constants  # pyright: ignore[reportPrivateUsage]
    base.next = np.zeros(3, np.float64)
    with pytest.raises(
        ArrayMismatchError, match="RescaleObservation: observation has dtype float64"
    ):
        env.step(0)
    base.next = Backend.ARRAY_API_STRICT.asarray([0.0] * 3, "float32")
    with pytest.raises(
        ArrayMismatchError, match="RescaleObservation: observation must be a numpy array"
    ):
        env.step(0)
    assert env._contracts is contracts  # pyright: ignore[reportPrivateUsage]
    assert env._constants is constants  # pyright: ignore[reportPrivateUsage]
    base.next = np.zeros(3, np.float32)
    np.testing.assert_allclose(env.step(0)[0], [0.5, 0.5, 0.5])
