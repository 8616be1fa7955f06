from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import pytest
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
from array_env.testing import Backend, assert_on_backend
from array_env.vector import FilterObservation as VectorFilter
from array_env.wrappers import FilterObservation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    OnBackend,
    check_matches_gymnasium,
    check_vector_equals_single,
    check_vector_matches_gymnasium,
    rollout,
    same_error,
)

CASES: dict[str, tuple[str, Any]] = {
    "dict-one-key": ("array_env/NestedCatch-v0", ["sensors"]),
    "dict-reordered": ("array_env/NestedCatch-v0", ("sensors", "position")),
    "tuple-indices": ("Blackjack-v1", [2, 0]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_equals_gymnasium_on_numpy(name: str) -> None:
    env_id, keys = CASES[name]
    count = check_matches_gymnasium(
        lambda: FilterObservation(gym.make(env_id), keys),
        lambda: gym.wrappers.FilterObservation(gym.make(env_id), keys),
    )
    assert count > 2000


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
@pytest.mark.parametrize("name", ["dict-one-key", "dict-reordered"])
def test_vector_equals_gymnasium_vector(name: str, mode: AutoresetMode) -> None:
    # Gymnasium's vector wrapper returns a Dict in its space's (sorted) key order.
    env_id, keys = CASES[name]
    check_vector_matches_gymnasium(
        lambda: gym.make(env_id), lambda e: VectorFilter(e, keys),
        lambda e: gym_vector.FilterObservation(e, keys), mode,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    env_id, keys = CASES["dict-one-key"]
    check_vector_equals_single(
        lambda: gym.make(env_id), lambda e: VectorFilter(e, keys),
        lambda e: gym.wrappers.FilterObservation(e, keys), mode, tree=True,
    )  # fmt: skip


def test_entries_stay_on_the_backend(backend: Backend) -> None:
    env = FilterObservation(OnBackend(gym.make("array_env/NestedCatch-v0"), backend), ["sensors"])
    observations = rollout(env, 30, seed=0)
    assert_on_backend(observations, backend.xp, backend.device)
    assert env.filter_keys == ["sensors"]


@pytest.mark.parametrize(
    ("env_id", "keys"),
    [
        ("array_env/NestedCatch-v0", "sensors"),
        ("array_env/NestedCatch-v0", ["missing"]),
        ("array_env/NestedCatch-v0", [0]),
        ("array_env/NestedCatch-v0", []),
        ("Blackjack-v1", ["a"]),
        ("Blackjack-v1", [0, 0]),
        ("Blackjack-v1", [5]),
        ("CartPole-v1", ["a"]),
    ],
    ids=[
        "string",
        "missing",
        "int-in-dict",
        "empty",
        "str-in-tuple",
        "duplicate",
        "out-of-range",
        "box",
    ],
)
def test_constructor_errors_match_gymnasium(env_id: str, keys: Any) -> None:
    same_error(
        lambda: FilterObservation(gym.make(env_id), keys),
        lambda: gym.wrappers.FilterObservation(gym.make(env_id), keys),
        "FilterObservation",
    )


def test_a_subclass_observation_runs_in_step_and_reset() -> None:
    # Gymnasium's ObservationWrapper.step calls self.observation; so does a subclass's step.
    class Counted(FilterObservation[Any]):
        calls = 0

        def observation(self, observation: Any) -> Any:
            Counted.calls += 1
            return super().observation(observation)

    env = Counted(gym.make("array_env/NestedCatch-v0"), ["position"])
    plain = FilterObservation(gym.make("array_env/NestedCatch-v0"), ["position"])
    ours, _ = env.reset(seed=3)
    expected, _ = plain.reset(seed=3)
    assert list(ours) == list(expected) == ["position"]
    for _ in range(4):
        action = plain.action_space.sample()
        got, want = env.step(action)[0], plain.step(action)[0]
        assert (got["position"] == want["position"]).all()
    assert Counted.calls == 5
