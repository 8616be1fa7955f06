from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import ClipReward as VectorClipReward
from array_env.vector import VectorizeTransformReward
from array_env.wrappers import ClipReward
from array_env.wrappers.reward_transform import RewardBounds, clip_reward
from tests._recording import RewardsOn, VectorRewardsOn
from tests.autoreset_driver import MODES

BOUNDS = [(0.0, 0.5), (None, -3.0), (-5.0, None), (-2, np.float32(-1.5))]


def _rewards(env: Any, steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    out: list[Any] = []
    for _ in range(steps):
        action = rng.uniform(-2, 2, (1,)).astype(np.float32)
        _, reward, terminated, truncated, _ = env.step(action)
        out.append(reward)
        if terminated or truncated:
            env.reset()
    return out


@pytest.mark.parametrize(("low", "high"), BOUNDS)
def test_equals_gymnasium_on_numpy(low: Any, high: Any) -> None:
    actual = _rewards(
        ClipReward(gym.make("Pendulum-v1", max_episode_steps=100), low, high), 3000, 3
    )
    expected = _rewards(
        gym.wrappers.ClipReward(gym.make("Pendulum-v1", max_episode_steps=100), low, high), 3000, 3
    )
    for got, want in zip(actual, expected, strict=True):
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
    if low is not None and high is not None:
        assert {float(r) for r in actual} & {low, high}  # the bounds were hit


def test_host_reward_kinds_are_one_kind_and_typed_like_numpy_clip() -> None:
    kinds: list[Any] = [1, 0.75, np.float32(2.0), np.int8(-3), np.float64(0.1), True, np.uint16(7)]

    class Rewards(gym.Wrapper[Any, Any, Any, Any]):
        i = 0

        def step(self, action: Any) -> Any:
            obs, _, terminated, truncated, info = self.env.step(action)
            return obs, kinds[self.i], terminated, truncated, info

    env = Rewards(gym.make("CartPole-v1"))
    ours = ClipReward(env, 0, 0.5)
    ours.reset(seed=0)
    for i, kind in enumerate(kinds):
        env.i = i
        got = ours.step(0)[1]
        want = np.clip(kind, 0, 0.5)
        assert type(got) is type(want)
        assert got == want


def test_array_rewards_on_every_backend(backend: Backend) -> None:
    expected = _rewards(ClipReward(gym.make("Pendulum-v1"), -4.0, -1.0), 300, 1)
    actual = _rewards(ClipReward(RewardsOn(gym.make("Pendulum-v1"), backend), -4.0, -1.0), 300, 1)
    for got, want in zip(actual, expected, strict=True):
        assert_on_backend(got, backend.xp, backend.device)
        assert to_host(got).dtype == np.float32
        np.testing.assert_allclose(to_host(got), want, rtol=1e-6)


def test_kind_changes_are_rejected() -> None:
    rewards = RewardsOn(gym.make("Pendulum-v1"), Backend.ARRAY_API_STRICT)
    env = ClipReward(rewards, 0.0, 1.0)
    env.reset(seed=0)
    env.step(np.zeros(1, np.float32))
    clipper: Any = env.func
    bounds = clipper._bounds
    rewards.backend = Backend.ARRAY_API_STRICT_DEVICE1
    with pytest.raises(ArrayMismatchError, match="ClipReward: reward is on device device1"):
        env.step(np.zeros(1, np.float32))
    rewards.backend = Backend.NUMPY
    with pytest.raises(
        ArrayMismatchError,
        match=r"ClipReward: reward must be a",
    ):
        env.step(np.zeros(1, np.float32))
    assert clipper._bounds is bounds
    host = ClipReward(gym.make("CartPole-v1"), 0.0, 1.0)
    host.reset(seed=0)
    host.step(0)
    with pytest.raises(ArrayMismatchError, match="ClipReward: reward must be host rewards"):
        host.func(Backend.ARRAY_API_STRICT.asarray(1.0))


def test_constructor_errors_match_gymnasium() -> None:
    for low, high, message in [
        (None, None, "ClipReward: both `min_reward` and `max_reward` cannot be None"),
        (1.0, 0.5, r"ClipReward: min reward \(1.0\) must be smaller than max reward \(0.5\)"),
        (np.array([0.0, 2.0]), 1.0, "must be smaller than max reward"),
    ]:
        with pytest.raises(InvalidBound, match=message):
            ClipReward(gym.make("CartPole-v1"), low, high)
        with pytest.raises(InvalidBound, match=message):
            VectorClipReward(gym.make_vec("CartPole-v1", 2), low, high)
        with pytest.raises(InvalidBound):
            gym.wrappers.ClipReward(gym.make("CartPole-v1"), low, high)


def _make(mode: AutoresetMode) -> Any:
    return SyncVectorEnv(
        [lambda: gym.make("Pendulum-v1", max_episode_steps=30)] * 3, autoreset_mode=mode
    )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("vectorized", [False, True])
def test_vector_equals_gymnasium_vector(mode: AutoresetMode, vectorized: bool) -> None:
    if vectorized:
        ours: Any = VectorizeTransformReward(
            _make(mode), ClipReward, min_reward=-5.0, max_reward=-1.0
        )
    else:
        ours = VectorClipReward(_make(mode), -5.0, -1.0)
    theirs = gym.wrappers.vector.ClipReward(_make(mode), -5.0, -1.0)
    rng = np.random.default_rng(0)
    ours.reset(seed=1)
    theirs.reset(seed=1)
    for _ in range(1000):
        actions = rng.uniform(-2, 2, (3, 1)).astype(np.float32)
        got, want = ours.step(actions), theirs.step(actions)
        for a, b in zip(got[:4], want[:4], strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
        done = np.logical_or(got[2], got[3])
        if mode is AutoresetMode.DISABLED and done.any():
            ours.reset(options={"reset_mask": done})
            theirs.reset(options={"reset_mask": done.copy()})


def test_vector_does_not_write_the_env_rewards() -> None:
    class Keep(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            result = self.env.step(actions)
            self.last = result[1]
            self.copy = result[1].copy()
            return result

    keep = Keep(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs = VectorClipReward(keep, 0.0, 0.5)
    envs.reset(seed=0)
    np.testing.assert_array_equal(envs.step(np.array([0, 1]))[1], [0.5, 0.5])
    np.testing.assert_array_equal(keep.last, keep.copy)


def test_vector_on_every_backend(backend: Backend) -> None:
    envs = VectorClipReward(
        VectorRewardsOn(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"), backend),
        0.0,
        0.5,
    )
    envs.reset(seed=0)
    rewards = envs.step(np.array([0, 1, 0]))[1]
    assert_on_backend(rewards, backend.xp, backend.device)
    np.testing.assert_array_equal(to_host(rewards), [0.5, 0.5, 0.5])
    with pytest.raises(ArrayMismatchError, match="ClipReward: rewards"):
        envs.func(backend.asarray(np.zeros(2, np.float32), "float32"))


def test_pickles_and_deep_copies() -> None:
    env = ClipReward(RewardsOn(gym.make("Pendulum-v1"), Backend.ARRAY_API_STRICT), -1.0, 0.0)
    env.reset(seed=0)
    env.step(np.zeros(1, np.float32))
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        clone.reset(seed=3)
        env.reset(seed=3)
        action = np.ones(1, np.float32)
        np.testing.assert_array_equal(to_host(clone.step(action)[1]), to_host(env.step(action)[1]))


def test_core_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    xp = resolve_namespace("jax")
    rewards = xp.asarray([-3.0, 0.25, 9.0, float("nan")])
    for bounds in (
        RewardBounds(xp.asarray(0.0), xp.asarray(1.0)),
        RewardBounds(None, xp.asarray(1.0)),
    ):

        def core(r: Any, b: RewardBounds = bounds) -> Any:
            return clip_reward(r, b, xp=xp)

        np.testing.assert_array_equal(np.asarray(jax.jit(core)(rewards)), np.asarray(core(rewards)))
