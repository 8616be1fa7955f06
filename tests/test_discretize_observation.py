from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import DiscretizeObservation as VectorDiscretize
from array_env.wrappers import DiscretizeObservation
from array_env.wrappers.stateless_observation import DiscretizeSettings, discretize_observation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    jit_matches_eager,
    same_error,
)

CASES: dict[str, tuple[str, Any, bool]] = {
    "mountaincar-10": ("MountainCar-v0", 10, False),
    "mountaincar-7x9": ("MountainCar-v0", (7, 9), False),
    "pendulum-multidiscrete": ("Pendulum-v1", (4, 5, 6), True),
    "pendulum-1-bin": ("Pendulum-v1", 1, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_equals_gymnasium_on_numpy(name: str) -> None:
    env_id, bins, multi = CASES[name]
    count = check_matches_gymnasium(
        lambda: DiscretizeObservation(gym.make(env_id), bins, multi),
        lambda: gym.wrappers.DiscretizeObservation(gym.make(env_id), bins, multi),
    )
    assert count > 2000


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("name", ["mountaincar-7x9", "pendulum-multidiscrete"])
def test_vector_equals_gymnasium_single_per_sub_env(name: str, mode: AutoresetMode) -> None:
    # Gymnasium has no vector DiscretizeObservation: its single wrapper anchors each sub-env.
    env_id, bins, multi = CASES[name]
    check_vector_equals_single(
        lambda: gym.make(env_id), lambda e: VectorDiscretize(e, bins, multi),
        lambda e: gym.wrappers.DiscretizeObservation(e, bins, multi), mode,
    )  # fmt: skip


def test_same_results_on_every_backend(backend: Backend) -> None:
    # Bin edges are float64 where the backend has it; float32 elsewhere can move a value
    # lying within one float32 ulp of an edge by one bin (none does on this trajectory).
    check_backend(
        backend, lambda: gym.make("Pendulum-v1"), lambda e: DiscretizeObservation(e, 6, True),
        rtol=0, atol=0,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(
        backend, "array_env/Pendulum-v1", lambda e: VectorDiscretize(e, (3, 4, 5)), mode,
        rtol=0, atol=0,
    )  # fmt: skip


def test_core_under_jit() -> None:
    space = gym.spaces.Box(-1, 1, (2, 2), np.float32)
    low, high, edges, strides = DiscretizeSettings("t", space, (2, 3, 4, 5)).constants
    x = np.random.default_rng(0).uniform(-1.5, 1.5, (6, 2, 2)).astype(np.float32)
    for combine in (True, False):
        jit_matches_eager(
            lambda v, lo, hi, e, s, xp, c=combine: discretize_observation(  # pyright: ignore[reportUnknownArgumentType, reportUnknownLambdaType]
                v, lo, hi, e, s, combine=c, batch_ndim=1, xp=xp  # pyright: ignore[reportUnknownArgumentType]
            ),
            x, low, high, edges, strides,
        )  # fmt: skip


def test_attributes_and_revert_match_gymnasium() -> None:
    ours = DiscretizeObservation(gym.make("MountainCar-v0"), (7, 9))
    theirs = gym.wrappers.DiscretizeObservation(gym.make("MountainCar-v0"), (7, 9))
    np.testing.assert_array_equal(ours.bins, theirs.bins)
    np.testing.assert_array_equal(ours.low, theirs.low)  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
    assert ours.n_dims == theirs.n_dims
    assert ours.multidiscrete == theirs.multidiscrete
    for a, b in zip(ours.bin_edges, theirs.bin_edges, strict=True):  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType, reportUnknownVariableType]
        np.testing.assert_array_equal(a, b)  # pyright: ignore[reportUnknownArgumentType]
    obs, _ = ours.reset(seed=0)
    gymnasium_wrapper: Any = theirs  # its methods are untyped
    for got, want in zip(
        ours.revert_observation(obs), gymnasium_wrapper.revert_observation(int(obs)), strict=True
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("env_id", "bins"),
    [("CartPole-v1", 4), ("FrozenLake-v1", 4), ("MountainCar-v0", (3, 4, 5))],
    ids=["infinite", "not-a-box", "bins-length"],
)
def test_constructor_errors_match_gymnasium(env_id: str, bins: Any) -> None:
    same_error(
        lambda: DiscretizeObservation(gym.make(env_id), bins),
        lambda: gym.wrappers.DiscretizeObservation(gym.make(env_id), bins),
        "DiscretizeObservation",
    )


def test_bad_observation_raises() -> None:
    base = Feed(gym.spaces.Box(-1, 1, (2,), np.float32), np.zeros(2, np.float32))
    env = DiscretizeObservation(base, 3)
    env.reset()
    base.next = np.zeros(2, np.float64)
    with pytest.raises(
        ArrayMismatchError, match="DiscretizeObservation: observation has dtype float64"
    ):
        env.step(0)
