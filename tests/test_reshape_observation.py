from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import ReshapeObservation as VectorReshape
from array_env.wrappers import ReshapeObservation
from array_env.wrappers.stateless_observation import reshape_observation
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


def _cartpole() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1")


@pytest.mark.parametrize("shape", [(2, 2), (4, 1), (1, 2, 2)])
def test_equals_gymnasium_on_numpy(shape: tuple[int, ...]) -> None:
    count = check_matches_gymnasium(
        lambda: ReshapeObservation(_cartpole(), shape),
        lambda: gym.wrappers.ReshapeObservation(_cartpole(), shape),
    )
    assert count > 2000


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    check_vector_matches_gymnasium(
        _cartpole, lambda e: VectorReshape(e, (2, 2)),
        lambda e: gym_vector.ReshapeObservation(e, (2, 2)), mode,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    check_vector_equals_single(
        _cartpole, lambda e: VectorReshape(e, (2, 2)),
        lambda e: gym.wrappers.ReshapeObservation(e, (2, 2)), mode,
    )  # fmt: skip


def test_same_results_on_every_backend(backend: Backend) -> None:
    check_backend(backend, _cartpole, lambda e: ReshapeObservation(e, (2, 2)))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(backend, "array_env/CartPole-v1", lambda e: VectorReshape(e, (2, 2)), mode)


def test_core_under_jit() -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    jit_matches_eager(lambda v, xp: reshape_observation(v, shape=(2, 2), batch_ndim=1, xp=xp), x)  # pyright: ignore[reportUnknownArgumentType, reportUnknownLambdaType]


def test_attributes_and_space() -> None:
    env = ReshapeObservation(_cartpole(), (2, 2))
    theirs = gym.wrappers.ReshapeObservation(_cartpole(), (2, 2))
    assert env.shape == theirs.shape == (2, 2)
    assert env.observation_space == theirs.observation_space


@pytest.mark.parametrize(
    "args",
    [((3, 2),), ([2, 2],), ((2.0, 2.0),), ((-4, -1),)],
    ids=["product", "not-a-tuple", "floats", "negative"],
)
def test_constructor_errors_match_gymnasium(args: tuple[Any, ...]) -> None:
    same_error(
        lambda: ReshapeObservation(_cartpole(), *args),
        lambda: gym.wrappers.ReshapeObservation(_cartpole(), *args),
        "ReshapeObservation",
    )
    same_error(
        lambda: VectorReshape(gym.make_vec("CartPole-v1", 2), *args),
        lambda: gym_vector.ReshapeObservation(gym.make_vec("CartPole-v1", 2), *args),
        "ReshapeObservation",
    )


def test_non_box_space_raises_type_error() -> None:
    same_error(
        lambda: ReshapeObservation(gym.make("FrozenLake-v1"), (1,)),
        lambda: gym.wrappers.ReshapeObservation(gym.make("FrozenLake-v1"), (1,)),
        "ReshapeObservation",
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(4, np.float64), "dtype float64, expected float32"),
        (np.zeros(3, np.float32), r"shape \(3,\), expected \(4,\)"),
        ("strict", "must be a numpy array"),
        ([0.0, 0.0, 0.0, 0.0], "must be a numpy array, got list"),
    ],
)
def test_bad_observation_raises_and_changes_nothing(bad: Any, message: str) -> None:
    base = Feed(gym.spaces.Box(-1, 1, (4,), np.float32), np.ones(4, np.float32))
    env = ReshapeObservation(base, (2, 2))
    env.reset()
    contracts = env._contracts  # pyright: ignore[reportPrivateUsage]
    base.next = (
        Backend.ARRAY_API_STRICT.asarray([1.0, 2.0, 3.0, 4.0], "float32")
        if isinstance(bad, str)
        else bad
    )
    with pytest.raises(ArrayMismatchError, match=f"ReshapeObservation: observation.*{message}"):
        env.step(0)
    assert env._contracts is contracts  # pyright: ignore[reportPrivateUsage]


def test_wrong_device_is_rejected() -> None:
    base = Feed(
        gym.spaces.Box(-1, 1, (4,), np.float32),
        Backend.ARRAY_API_STRICT.asarray([0.0] * 4, "float32"),
    )
    env = ReshapeObservation(base, (2, 2))
    env.reset()
    base.next = Backend.ARRAY_API_STRICT_DEVICE1.asarray([0.0] * 4, "float32")
    with pytest.raises(ArrayMismatchError, match="on device device1, expected CPU_DEVICE"):
        env.step(0)


def test_vector_rejects_bad_batch() -> None:
    envs = VectorReshape(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), (2, 2))
    envs.reset(seed=0)
    with pytest.raises(
        ArrayMismatchError,
        match=r"ReshapeObservation: observation has shape \(3, 4\), expected \(2, 4\)",
    ):
        envs.observations(np.zeros((3, 4), np.float32))


def test_a_subclass_observation_runs_in_step_and_reset() -> None:
    # Gymnasium's ObservationWrapper.step calls self.observation; so does a subclass's step.
    class Negated(ReshapeObservation[Any, Any]):
        def observation(self, observation: Any) -> Any:
            return -super().observation(observation)

    env = Negated(gym.make("CartPole-v1"), (2, 2))
    plain = ReshapeObservation(gym.make("CartPole-v1"), (2, 2))
    np.testing.assert_array_equal(env.reset(seed=3)[0], -plain.reset(seed=3)[0])
    for _ in range(5):
        np.testing.assert_array_equal(env.step(0)[0], -plain.step(0)[0])
