from __future__ import annotations

import copy
import functools
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import TimeAwareObservation as VectorTimeAware
from array_env.wrappers import TimeAwareObservation
from array_env.wrappers.temporal_observation import time_feature
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    SpacesEnv,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    jit_matches_eager,
    rollout,
    same_error,
)

OPTIONS = [
    {},
    {"flatten": False},
    {"normalize_time": True},
    {"flatten": False, "normalize_time": True},
]
MAKERS: dict[str, Any] = {
    "cartpole": lambda: gym.make("CartPole-v1"),
    "nested-dict": lambda: gym.make("array_env/NestedCatch-v0", max_episode_steps=30),
    "blackjack-tuple": lambda: gym.make("Blackjack-v1", max_episode_steps=3),
    "dict-key": lambda: gym.wrappers.TimeLimit(
        SpacesEnv(gym.spaces.Dict(time=gym.spaces.Discrete(2), x=gym.spaces.Box(0, 1, (2,)))), 25
    ),
}


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
@pytest.mark.parametrize("name", ["cartpole", "nested-dict", "blackjack-tuple"])
def test_equals_gymnasium_on_numpy(name: str, options: dict[str, Any]) -> None:
    make = MAKERS[name]
    count = check_matches_gymnasium(
        lambda: TimeAwareObservation(make(), **options),
        lambda: gym.wrappers.TimeAwareObservation(make(), **options),
    )
    assert count > 2000


def test_dict_time_key_and_attributes() -> None:
    make = MAKERS["dict-key"]
    check_matches_gymnasium(
        lambda: TimeAwareObservation(make(), flatten=False, dict_time_key="t"),
        lambda: gym.wrappers.TimeAwareObservation(make(), flatten=False, dict_time_key="t"),
        steps=300,
    )
    env = TimeAwareObservation(gym.make("CartPole-v1"), normalize_time=True)
    assert (env.max_timesteps, env.flatten, env.normalize_time) == (500, True, True)
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    assert env.timesteps == 3


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("options", OPTIONS[:3], ids=lambda o: ",".join(o) or "default")
def test_vector_equals_gymnasium_single_per_sub_env(
    mode: AutoresetMode, options: dict[str, Any]
) -> None:
    # Gymnasium has no vector TimeAwareObservation: its single wrapper anchors each sub-env.
    check_vector_equals_single(
        MAKERS["nested-dict"], lambda e: VectorTimeAware(e, **options),
        lambda e: gym.wrappers.TimeAwareObservation(e, **options), mode,
        tree=not options.get("flatten", True),
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_our_single(mode: AutoresetMode) -> None:
    check_vector_equals_single(
        MAKERS["cartpole"], VectorTimeAware, TimeAwareObservation, mode, steps=600
    )


@pytest.mark.parametrize("options", [{}, {"normalize_time": True}], ids=["int", "normalized"])
def test_same_results_on_every_backend(backend: Backend, options: dict[str, Any]) -> None:
    check_backend(backend, MAKERS["cartpole"], lambda e: TimeAwareObservation(e, **options))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(
        backend, "array_env/Pendulum-v1", lambda e: VectorTimeAware(e, normalize_time=True), mode
    )


def _time_core(steps: Any, *, xp: Any, normalize: bool) -> Any:
    return time_feature(
        steps, max_timesteps=500, normalize=normalize, float_dtype=xp.float32, wide=xp.float32,
        xp=xp,
    )  # fmt: skip


def test_core_under_jit() -> None:
    steps = np.array([0, 3, 499], np.int32)
    for normalize in (False, True):
        jit_matches_eager(functools.partial(_time_core, normalize=normalize), steps)


def test_pickles_and_deep_copies_mid_episode() -> None:
    env = TimeAwareObservation(gym.make("CartPole-v1"))
    env.reset(seed=1)
    for _ in range(5):
        env.step(1)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        np.testing.assert_array_equal(clone.step(0)[0][-1], 6.0)


def test_bad_observation_leaves_the_counter_untouched() -> None:
    space = gym.spaces.Box(-1, 1, (3,), np.float32)
    base = Feed(space, np.zeros(3, np.float32))
    env = TimeAwareObservation(gym.wrappers.TimeLimit(base, 10))
    env.reset()
    env.step(0)
    base.next = np.zeros(3, np.float64)
    with pytest.raises(ArrayMismatchError, match="TimeAwareObservation: observation"):
        env.step(0)
    assert env.timesteps == 1
    base.next = np.zeros(3, np.float32)
    assert env.step(0)[0][-1] == 2


def test_step_before_reset_and_constructor_errors() -> None:
    env = TimeAwareObservation(
        gym.wrappers.TimeLimit(Feed(gym.spaces.Box(0, 1, (2,)), np.zeros(2, np.float32)), 5)
    )
    with pytest.raises(gym.error.ResetNeeded, match="TimeAwareObservation"):
        env.step(0)
    no_limit = Feed(gym.spaces.Box(0, 1, (2,)), np.zeros(2, np.float32))
    same_error(
        lambda: TimeAwareObservation(no_limit),
        lambda: gym.wrappers.TimeAwareObservation(no_limit),
        "TimeAwareObservation",
    )
    same_error(
        lambda: TimeAwareObservation(MAKERS["dict-key"]()),
        lambda: gym.wrappers.TimeAwareObservation(MAKERS["dict-key"]()),
        "TimeAwareObservation",
    )


def test_counter_lives_on_the_device() -> None:
    backend = Backend.ARRAY_API_STRICT_DEVICE1
    env = TimeAwareObservation(
        gym.wrappers.TimeLimit(
            Feed(gym.spaces.Box(0, 1, (2,)), backend.asarray([0.0, 0.0], "float32")), 5
        )
    )
    obs = rollout(env, 3, seed=0)[-1]
    assert obs.device == backend.device
    assert env._steps.device == backend.device  # pyright: ignore[reportPrivateUsage]


def test_vector_reads_the_limit_of_array_envs_vector_time_limit() -> None:
    from array_env.envs import CartPoleVectorEnv
    from array_env.vector import TimeLimit as VectorTimeLimit

    bare = CartPoleVectorEnv(num_envs=3, xp="numpy")
    assert bare.spec is None
    with pytest.raises(ValueError, match="TimeAwareObservation"):
        VectorTimeAware(bare)
    envs = VectorTimeAware(VectorTimeLimit(bare, 7), normalize_time=False)
    assert envs.max_timesteps == 7
    observations, _ = envs.reset(seed=0)
    for step in range(1, 4):
        observations = envs.step(np.zeros(3, np.int64))[0]
        np.testing.assert_array_equal(observations[:, -1], np.full(3, step, np.float32))
