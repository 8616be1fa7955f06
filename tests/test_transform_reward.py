from __future__ import annotations

import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import TransformReward as VectorTransformReward
from array_env.vector import VectorizeTransformReward
from array_env.wrappers import TransformReward
from tests._recording import RewardsOn, VectorRewardsOn
from tests.autoreset_driver import MODES


def _affine(reward: Any) -> Any:
    return 2 * reward + 1


def _rollout(env: Any, steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        step = env.step(int(rng.integers(2)))
        out += list(step[:4])
        if step[2] or step[3]:
            out.append(env.reset()[0])
    return out


def test_equals_gymnasium_on_numpy() -> None:
    ours = TransformReward(gym.make("CartPole-v1"), _affine)
    theirs = gym.wrappers.TransformReward(gym.make("CartPole-v1"), _affine)
    assert ours.reward(1.0) == theirs.reward(1.0) == 3.0
    for got, want in zip(_rollout(ours, 3000, 2), _rollout(theirs, 3000, 2), strict=True):
        assert type(got) is type(want)  # Python float rewards stay Python floats
        np.testing.assert_array_equal(got, want)


def test_array_rewards_keep_their_backend(backend: Backend) -> None:
    env = TransformReward(RewardsOn(gym.make("CartPole-v1"), backend), _affine)
    env.reset(seed=0)
    reward = env.step(0)[1]
    assert_on_backend(reward, backend.xp, backend.device)
    assert float(to_host(reward)) == 3.0


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("vectorized", [False, True])
def test_vector_equals_gymnasium_vector(mode: AutoresetMode, vectorized: bool) -> None:
    def make() -> Any:
        return SyncVectorEnv(
            [lambda: gym.make("CartPole-v1", max_episode_steps=20)] * 3, autoreset_mode=mode
        )

    if vectorized:
        ours: Any = VectorizeTransformReward(make(), TransformReward, func=_affine)
        theirs: Any = gym.wrappers.vector.VectorizeTransformReward(
            make(), gym.wrappers.TransformReward, func=_affine
        )
    else:
        ours = VectorTransformReward(make(), _affine)
        theirs = gym.wrappers.vector.TransformReward(make(), _affine)
    rng = np.random.default_rng(0)
    ours.reset(seed=2)
    theirs.reset(seed=2)
    for _ in range(600):
        actions = rng.integers(2, size=3)
        got, want = ours.step(actions), theirs.step(actions)
        for a, b in zip(got[:4], want[:4], strict=True):
            np.testing.assert_array_equal(a, b)
        done = np.logical_or(got[2], got[3])
        if mode is AutoresetMode.DISABLED and done.any():
            ours.reset(options={"reset_mask": done})
            theirs.reset(options={"reset_mask": done.copy()})


def test_vector_rewards_keep_their_backend(backend: Backend) -> None:
    envs = VectorTransformReward(
        VectorRewardsOn(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), backend), _affine
    )
    envs.reset(seed=0)
    rewards = envs.step(np.array([0, 1]))[1]
    assert_on_backend(rewards, backend.xp, backend.device)
    np.testing.assert_array_equal(to_host(rewards), [3.0, 3.0])


def test_pickles() -> None:
    env = pickle.loads(pickle.dumps(TransformReward(gym.make("CartPole-v1"), _affine)))
    env.reset(seed=0)
    assert env.step(0)[1] == 3.0
