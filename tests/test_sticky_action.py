from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound, InvalidProbability
from gymnasium.vector import AutoresetMode

from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import StickyAction as VectorStickyAction
from array_env.wrappers import StickyAction
from array_env.wrappers.action_repeat import stick_actions
from tests._recording import Received, VectorReceived
from tests.autoreset_driver import MODES, drive

ATTRIBUTES = ("is_sticky_actions", "num_repeats", "repeats_taken", "repeat_action_probability")


def _rollout(env: Any, steps: int, seed: int, make_action: Any) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        step = env.step(make_action(rng))
        out += [*step[:4], *(getattr(env, name) for name in ATTRIBUTES), to_host(env.last_action)]
        if step[2] or step[3]:
            out.append(env.reset()[0])
    return out


def _cartpole_action(rng: np.random.Generator) -> Any:
    return int(rng.integers(2))


def _pendulum_action(rng: np.random.Generator) -> Any:
    return rng.uniform(-2, 2, (1,)).astype(np.float32)


@pytest.mark.parametrize("duration", [1, (1, 4)])
@pytest.mark.parametrize("probability", [0.25, 0.8])
@pytest.mark.parametrize(
    ("env_id", "make_action"),
    [("CartPole-v1", _cartpole_action), ("Pendulum-v1", _pendulum_action)],
)
def test_equals_gymnasium_on_numpy(
    env_id: str, make_action: Any, probability: float, duration: Any
) -> None:
    ours_received = Received(gym.make(env_id, max_episode_steps=100))
    theirs_received = Received(gym.make(env_id, max_episode_steps=100))
    ours = StickyAction(ours_received, probability, duration)
    theirs = gym.wrappers.StickyAction(theirs_received, probability, duration)
    actual = _rollout(ours, 3000, 7, make_action)
    expected = _rollout(theirs, 3000, 7, make_action)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert ours.repeat_action_duration_range == theirs.repeat_action_duration_range
    repeated = sum(
        a is b for a, b in zip(ours_received.actions[1:], ours_received.actions, strict=False)
    )
    assert repeated > 300  # the property is exercised, not vacuous
    for got, want in zip(ours_received.actions, theirs_received.actions, strict=True):
        np.testing.assert_array_equal(got, want)


def test_same_trajectory_on_every_backend(backend: Backend) -> None:
    expected = _rollout(
        StickyAction(gym.make("Pendulum-v1"), 0.5, (1, 3)), 300, 2, _pendulum_action
    )
    received = Received(gym.make("Pendulum-v1"))

    def make_action(rng: np.random.Generator) -> Any:
        return backend.asarray(_pendulum_action(rng), "float32")

    actual = _rollout(StickyAction(received, 0.5, (1, 3)), 300, 2, make_action)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    for got in received.actions:
        assert_on_backend(got, backend.xp, backend.device)


def test_constructor_errors_match_gymnasium() -> None:
    cases: list[tuple[Any, Any, type[Exception], str]] = [
        (1.0, 1, InvalidProbability,
         r"StickyAction: `repeat_action_probability` should be in the interval \[0,1\). "
         r"Received 1.0"),
        (-0.1, 1, InvalidProbability, "Received -0.1"),
        (0.5, (3, 1), InvalidBound, r"not a valid bound. Received \(3, 1\)"),
        (0.5, 0, ValueError, r"larger or equal than 1. Received \(0, 0\)"),
        (0.5, [1, 2], ValueError, "either an integer or a tuple"),
        (0.5, (1, 2, 3), ValueError, "tuple or a list of two integers"),
    ]  # fmt: skip
    for probability, duration, error, message in cases:
        with pytest.raises(error, match=message):
            StickyAction(gym.make("CartPole-v1"), probability, duration)
        with pytest.raises(error, match=message):
            VectorStickyAction(gym.make_vec("CartPole-v1", 2), probability, duration)
        with pytest.raises(error):
            gym.wrappers.StickyAction(gym.make("CartPole-v1"), probability, duration)


def test_bad_action_changes_no_state_and_draws_nothing() -> None:
    received = Received(gym.make("Pendulum-v1"))
    env = StickyAction(received, 0.5, (2, 4))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(_pendulum_action(rng))
    before = [getattr(env, name) for name in ATTRIBUTES] + [np.array(env.last_action, copy=True)]
    generator = copy.deepcopy(env.np_random.bit_generator.state)
    for bad, message in [
        (np.zeros(1, np.float64), "dtype float64, expected float32"),
        (np.zeros(2, np.float32), r"shape \(2,\), expected \(1,\)"),
        (Backend.ARRAY_API_STRICT.asarray([1.0], "float32"), "must be a numpy array"),
    ]:
        with pytest.raises(ArrayMismatchError, match=f"StickyAction: action.*{message}"):
            env.step(bad)
    after = [getattr(env, name) for name in ATTRIBUTES] + [env.last_action]
    for old, new in zip(before, after, strict=True):
        np.testing.assert_array_equal(new, old)
    assert env.np_random.bit_generator.state == generator
    assert len(received.actions) == 5


def _make() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1", max_episode_steps=30)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("single", ["gymnasium", "array_env"])
def test_vector_equals_single_per_sub_env(mode: AutoresetMode, single: str) -> None:
    # Gymnasium has no vector StickyAction: anchor to its single wrapper on each sub-env.
    wrap: Any = gym.wrappers.StickyAction if single == "gymnasium" else StickyAction
    compared: list[str] = []

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        compared.append(what)
        np.testing.assert_array_equal(
            vector_value, single_value, err_msg=f"{what}, sub-env {index}"
        )

    vector, singles = drive(
        _make,
        lambda envs: VectorStickyAction(envs, 0.6, (1, 3)),
        lambda env: wrap(env, 0.6, (1, 3)),
        mode=mode, num_envs=3, steps=500, seed=4, compare=compare,
    )  # fmt: skip
    assert compared.count("observation") > 1000
    for i, s in enumerate(singles):
        assert vector.num_repeats[i] == s.num_repeats
        assert vector.repeats_taken[i] == s.repeats_taken
        assert vector.is_sticky_actions[i] == s.is_sticky_actions


def test_vector_on_every_backend(backend: Backend) -> None:
    def run(to_backend: Any) -> tuple[list[Any], list[Any]]:
        received = VectorReceived(gym.make_vec("Pendulum-v1", 3, vectorization_mode="sync"))
        envs = VectorStickyAction(received, 0.7, (1, 3))
        rng = np.random.default_rng(0)
        out = [envs.reset(seed=9)[0]]
        for _ in range(60):
            out.append(envs.step(to_backend(rng.uniform(-2, 2, (3, 1)).astype(np.float32)))[0])
        return out, received.actions

    def on_backend(a: np.ndarray) -> Any:
        return backend.asarray(a, "float32")

    expected, _ = run(np.asarray)
    actual, sent = run(on_backend)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    for actions in sent:
        assert_on_backend(actions, backend.xp, backend.device)


def test_vector_bad_actions_change_no_state() -> None:
    received = VectorReceived(gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync"))
    envs = VectorStickyAction(received, 0.5)
    envs.reset(seed=0)
    envs.step(np.zeros((2, 1), np.float32))
    envs.step(np.ones((2, 1), np.float32))
    state = [
        np.copy(getattr(envs, k))
        for k in ("num_repeats", "repeats_taken", "is_sticky_actions", "last_actions")
    ]
    with pytest.raises(ArrayMismatchError, match=r"StickyAction: actions has shape \(3, 1\)"):
        envs.step(np.zeros((3, 1), np.float32))
    after = [
        getattr(envs, k)
        for k in ("num_repeats", "repeats_taken", "is_sticky_actions", "last_actions")
    ]
    for old, new in zip(state, after, strict=True):
        np.testing.assert_array_equal(new, old)
    assert len(received.actions) == 2


def test_pickles_and_deep_copies() -> None:
    env = StickyAction(gym.make("CartPole-v1"), 0.5)
    env.reset(seed=0)
    env.step(1)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        assert clone.last_action == 1
        clone.reset(seed=3)
        env.reset(seed=3)
        for action in (0, 1, 1, 0):
            np.testing.assert_array_equal(clone.step(action)[0], env.step(action)[0])


def test_core_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    xp = resolve_namespace("jax")
    last, new = xp.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), xp.zeros((3, 2))
    mask = xp.asarray([True, False, True])

    def core(a: Any, b: Any, m: Any) -> Any:
        return stick_actions(a, b, m, xp=xp)

    jitted = jax.jit(core)
    np.testing.assert_array_equal(
        np.asarray(jitted(last, new, mask)), np.asarray(stick_actions(last, new, mask, xp=xp))
    )


def test_vector_under_async_draws_fresh_numbers_deterministically() -> None:
    def run() -> list[Any]:
        envs = VectorStickyAction(
            gym.vector.AsyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2), 0.5
        )
        envs.reset(seed=1)
        sent: list[Any] = []
        for t in range(40):
            sent.append(to_host(envs.actions(np.array([t % 2, (t + 1) % 2]))).tolist())
        envs.close()
        return sent

    first = run()
    assert first == run()  # seeded: the same repeats on every run
    repeated = sum(a == b for a, b in zip(first[1:], first, strict=False))
    assert 5 < repeated < 35  # fresh draws, neither always nor never sticky
