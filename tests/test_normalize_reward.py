from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound
from gymnasium.vector import AutoresetMode

import array_env
from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env._ops.running_moments import Moments, merge_moments
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import NormalizeReward as VectorNormalizeReward
from array_env.wrappers import NormalizeReward
from tests.autoreset_driver import MODES, drive

NP = resolve_namespace("numpy")


class RewardOnBackend(gym.Wrapper[Any, Any, Any, Any]):
    """Hands the wrapped env's rewards out as 0-d arrays of ``backend`` (float32)."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, self.backend.asarray(float(reward), "float32"), terminated, truncated, info


def _rewards(env: gym.Env[Any, Any], steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    out: list[float] = []
    for _ in range(steps):
        _, reward, terminated, truncated, _ = env.step(
            rng.uniform(-2, 2, size=(1,)).astype(np.float32)
        )
        out.append(float(to_host(reward)) if not isinstance(reward, float) else reward)
        if terminated or truncated:
            env.reset()
    return np.asarray(out)


def _compare_nothing(what: str, index: int, vector_value: Any, single_value: Any) -> None:
    """The rollout's outputs are not compared here, only the final statistics."""


def _pendulum() -> gym.Env[Any, Any]:
    return gym.make("Pendulum-v1", max_episode_steps=60)


@pytest.mark.parametrize("gamma", [0.99, 0.5])
def test_equals_gymnasium_on_numpy(gamma: float) -> None:
    ours = NormalizeReward(_pendulum(), gamma=gamma)
    # gymnasium's RunningMeanStd (theirs.return_rms) is untyped: the reference is held as Any
    theirs: Any = gym.wrappers.NormalizeReward(_pendulum(), gamma=gamma)
    a, b = _rewards(ours, 3000, seed=1), _rewards(theirs, 3000, seed=1)
    np.testing.assert_allclose(a, b, rtol=1e-9)
    state = ours.state_dict()
    assert float(state["var"]) == pytest.approx(float(theirs.return_rms.var), rel=1e-9)
    assert float(state["returns"]) == pytest.approx(float(theirs.discounted_reward[0]), rel=1e-9)


def test_terminations_drop_the_return_like_gymnasium() -> None:
    ours = NormalizeReward(gym.make("CartPole-v1"), gamma=0.9)
    theirs = gym.wrappers.NormalizeReward(gym.make("CartPole-v1"), gamma=0.9)
    for env in (ours, theirs):
        env.reset(seed=0)
    for _ in range(2000):
        a = ours.step(1)
        b = theirs.step(1)
        assert float(a[1]) == pytest.approx(float(b[1]), rel=1e-9)
        assert a[2] == b[2]
        if a[2] or a[3]:
            ours.reset()
            theirs.reset()


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rewards(NormalizeReward(_pendulum()), 400, seed=2)
    env = NormalizeReward(RewardOnBackend(_pendulum(), backend))
    got = _rewards(env, 400, seed=2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    reward = env.step(np.zeros(1, np.float32))[1]
    assert_on_backend(reward, backend.xp, backend.device)
    assert str(reward.dtype).endswith("float32")
    assert_on_backend(env.state_dict(), backend.xp, backend.device)


def test_constructor_errors() -> None:
    with pytest.raises(InvalidBound, match="NormalizeReward: gamma"):
        NormalizeReward(gym.make("CartPole-v1"), gamma=-0.1)
    with pytest.raises(InvalidBound, match="NormalizeReward: epsilon"):
        NormalizeReward(gym.make("CartPole-v1"), epsilon=-1e-8)
    with pytest.raises(InvalidBound, match="gamma"):
        VectorNormalizeReward(gym.make_vec("CartPole-v1", 2), gamma=1.5)


def test_bad_reward_leaves_state_untouched() -> None:
    rewards = RewardOnBackend(_pendulum(), Backend.ARRAY_API_STRICT)
    env = NormalizeReward(rewards)
    _rewards(env, 10, seed=0)
    before = {k: to_host(v) for k, v in env.state_dict().items()}
    rewards.backend = Backend.ARRAY_API_STRICT_DEVICE1
    with pytest.raises(ArrayMismatchError, match="NormalizeReward: reward is on device device1"):
        env.step(np.zeros(1, np.float32))
    rewards.backend = Backend.NUMPY
    with pytest.raises(
        ArrayMismatchError, match="NormalizeReward: reward must be a array_api_strict"
    ):
        env.step(np.zeros(1, np.float32))
    for key, value in env.state_dict().items():
        np.testing.assert_array_equal(to_host(value), before[key])


def test_frozen_statistics_still_scale() -> None:
    env = NormalizeReward(_pendulum())
    _rewards(env, 100, seed=0)
    env.update_running_mean = False
    var = float(env.state_dict()["var"])
    rewards = _rewards(env, 50, seed=1)
    assert float(env.state_dict()["var"]) == var
    raw = _rewards(_pendulum(), 50, seed=1)
    np.testing.assert_allclose(rewards, raw / np.sqrt(var + 1e-8), rtol=1e-9)


def test_state_dict_npz_round_trip_across_backends(tmp_path: Any) -> None:
    trained = NormalizeReward(RewardOnBackend(_pendulum(), Backend.ARRAY_API_STRICT_DEVICE1))
    _rewards(trained, 200, seed=3)
    path = tmp_path / "reward.npz"
    np.savez(path, **array_env.to_namespace(trained.state_dict(), "numpy"))
    for target in (Backend.NUMPY, Backend.ARRAY_API_STRICT_NO_FLOAT64, Backend.TORCH):
        if target.unavailable_reason:
            continue
        restored = NormalizeReward(RewardOnBackend(_pendulum(), target))
        restored.reset(seed=0)
        restored.step(np.zeros(1, np.float32))
        restored.load_state_dict(dict(np.load(path)))
        assert_on_backend(restored.state_dict(), target.xp, target.device)
        got = restored.state_dict()
        for key, value in trained.state_dict().items():
            np.testing.assert_allclose(to_host(got[key]), to_host(value), rtol=1e-6, err_msg=key)


def test_vector_equals_gymnasium_next_step() -> None:
    ours = VectorNormalizeReward(
        gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"), gamma=0.9
    )
    theirs = gym.wrappers.vector.NormalizeReward(
        gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"), gamma=0.9
    )
    rng = np.random.default_rng(0)
    ours.reset(seed=3)
    theirs.reset(seed=3)
    for _ in range(2000):
        actions = rng.integers(2, size=4)
        np.testing.assert_allclose(ours.step(actions)[1], theirs.step(actions)[1], rtol=1e-6)
    np.testing.assert_allclose(ours.state_dict()["returns"], theirs.accumulated_reward, rtol=1e-6)


def _make() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1", max_episode_steps=15)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode) -> None:
    def compare(what: str, i: int, vector_value: Any, single_value: Any) -> None:
        if what == "reward":
            assert float(vector_value) == pytest.approx(float(single_value), rel=1e-9), what

    vector, singles = drive(
        _make,
        lambda e: VectorNormalizeReward(e, gamma=0.9),
        lambda e: NormalizeReward(e, gamma=0.9),
        mode=mode,
        num_envs=1,
        steps=300,
        seed=5,
        compare=compare,
    )
    for key, value in vector.state_dict().items():
        np.testing.assert_allclose(
            np.reshape(value, -1),
            np.reshape(singles[0].state_dict()[key], -1),
            rtol=1e-9,
            err_msg=key,
        )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_returns_and_pooled_statistics_match_singles(mode: AutoresetMode) -> None:
    def single(env: gym.Env[Any, Any]) -> NormalizeReward[Any, Any]:
        wrapped = NormalizeReward(env, gamma=0.9)
        wrapped.load_state_dict({**wrapped.state_dict(), "count": np.asarray(1e-4 / 3)})
        return wrapped

    vector, singles = drive(
        _make,
        lambda e: VectorNormalizeReward(e, gamma=0.9),
        single,
        mode=mode,
        num_envs=3,
        steps=200,
        seed=6,
        compare=_compare_nothing,
    )
    got = vector.state_dict()
    np.testing.assert_allclose(
        got["returns"], [s.state_dict()["returns"] for s in singles], rtol=1e-12
    )
    states = [s.state_dict() for s in singles]
    pooled = Moments(states[0]["mean"], states[0]["var"], states[0]["count"])
    for state in states[1:]:
        pooled = merge_moments(
            pooled, state["mean"] - pooled.mean, state["var"], state["count"], xp=NP
        )
    np.testing.assert_allclose(got["count"], pooled.count, rtol=1e-12)
    np.testing.assert_allclose(got["mean"], pooled.mean, rtol=1e-9)
    np.testing.assert_allclose(got["var"], pooled.var, rtol=1e-9)


def test_vector_full_reset_zeroes_returns_partial_keeps_them() -> None:
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    assert envs.state_dict()["returns"].tolist() == [1.0, 1.0]
    envs.reset()
    assert envs.state_dict()["returns"].tolist() == [0.0, 0.0]


def test_vector_rejects_bad_rewards(monkeypatch: pytest.MonkeyPatch) -> None:
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    before = envs.state_dict()

    def three_rewards(actions: Any) -> tuple[Any, ...]:
        return None, np.ones(3), np.zeros(2, bool), np.zeros(2, bool), {}

    def list_terminations(actions: Any) -> tuple[Any, ...]:
        return None, np.ones(2), [False, False], np.zeros(2, bool), {}

    monkeypatch.setattr(envs.env, "step", three_rewards)
    with pytest.raises(
        ArrayMismatchError, match=r"NormalizeReward: rewards has shape \(3,\), expected \(2,\)"
    ):
        envs.step(np.ones(2, dtype=np.int64))
    monkeypatch.setattr(envs.env, "step", list_terminations)
    with pytest.raises(
        ArrayMismatchError, match="NormalizeReward: terminated must be a numpy array, got list"
    ):
        envs.step(np.ones(2, dtype=np.int64))
    for key, value in envs.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
