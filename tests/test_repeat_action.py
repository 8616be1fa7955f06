from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import RepeatAction as VectorRepeatAction
from array_env.wrappers import RepeatAction
from tests._recording import RewardsOn, VectorRewardsOn
from tests.autoreset_driver import MODES, drive


def _rollout(env: Any, steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        step = env.step(int(rng.integers(2)))
        out += list(step[:4])
        if step[2] or step[3]:
            out.append(env.reset()[0])
    return out


@pytest.mark.parametrize("repeats", [1, 3, 7])
def test_equals_gymnasium_on_numpy(repeats: int) -> None:
    actual = _rollout(RepeatAction(gym.make("CartPole-v1", max_episode_steps=50), repeats), 3000, 5)
    expected = _rollout(
        gym.wrappers.RepeatAction(gym.make("CartPole-v1", max_episode_steps=50), repeats), 3000, 5
    )
    for got, want in zip(actual, expected, strict=True):
        assert type(got) is type(want)  # Python float rewards and bools, as Gymnasium
        np.testing.assert_array_equal(got, want)


def test_host_reward_kinds_sum_to_a_python_float() -> None:
    class Rewards(gym.Wrapper[Any, Any, Any, Any]):
        kinds: tuple[Any, ...] = (1, np.float32(0.5), np.int8(2), 0.25, np.float64(1.0))

        def step(self, action: Any) -> Any:
            obs, _, terminated, truncated, info = self.env.step(action)
            self.kinds = (*self.kinds[1:], self.kinds[0])
            return obs, self.kinds[-1], terminated, truncated, info

    env = RepeatAction(Rewards(gym.make("CartPole-v1")), 5)
    env.reset(seed=0)
    reward = env.step(1)[1]
    assert type(reward) is float
    assert reward == 4.75


def test_array_rewards_stay_on_the_backend(backend: Backend) -> None:
    expected = _rollout(RepeatAction(gym.make("CartPole-v1", max_episode_steps=40), 4), 200, 1)
    actual = _rollout(
        RepeatAction(RewardsOn(gym.make("CartPole-v1", max_episode_steps=40), backend), 4), 200, 1
    )
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, float):
            assert_on_backend(got, backend.xp, backend.device)
            got = float(to_host(got))
        np.testing.assert_array_equal(got, want)


def test_constructor_errors_match_gymnasium() -> None:
    cases: list[tuple[Any, type[Exception], str]] = [
        (2.0, TypeError, "RepeatAction: the num_repeats is expected to be an integer"),
        (True, TypeError, "actual type: <class 'bool'>"),
        (0, ValueError, "RepeatAction: the num_repeats value needs to be equal or greater than "
         "one, actual value: 0"),
    ]  # fmt: skip
    for bad, error, message in cases:
        with pytest.raises(error, match=message):
            RepeatAction(gym.make("CartPole-v1"), bad)
        with pytest.raises(error, match=message):
            VectorRepeatAction(gym.make_vec("CartPole-v1", 2), bad)
        with pytest.raises(error):
            gym.wrappers.RepeatAction(gym.make("CartPole-v1"), bad)
    two: Any = np.int32(2)  # Gymnasium accepts NumPy integers too
    assert RepeatAction(gym.make("CartPole-v1"), two).num_repeats == 2


def _make() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1", max_episode_steps=20)


def _compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
    np.testing.assert_array_equal(vector_value, single_value, err_msg=f"{what}, sub-env {index}")


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("single", ["gymnasium", "array_env"])
def test_vector_of_one_equals_single(mode: AutoresetMode, single: str) -> None:
    # Gymnasium has no vector RepeatAction: anchor to its single wrapper.
    wrap: Any = gym.wrappers.RepeatAction if single == "gymnasium" else RepeatAction
    drive(
        _make, lambda envs: VectorRepeatAction(envs, 3), lambda env: wrap(env, 3),
        mode=mode, num_envs=1, steps=600, seed=2, compare=_compare,
    )  # fmt: skip


class Steps(gym.Env[Any, Any]):
    """Episodes of exactly ``length`` steps; the reward is the step's index in the episode."""

    observation_space = gym.spaces.Box(0, 100, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, length: int = 6) -> None:
        self.length, self.t = length, 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {}

    def step(self, action: Any) -> Any:
        self.t += 1
        return np.full(1, self.t, np.float32), float(self.t), self.t == self.length, False, {}


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env_when_episodes_end_together(mode: AutoresetMode) -> None:
    # every sub-env's episodes end on the same inner step (length 6 = 2 repeats of 3)
    drive(
        Steps, lambda envs: VectorRepeatAction(envs, 3), lambda env: RepeatAction(env, 3),
        mode=mode, num_envs=3, steps=200, seed=2, compare=_compare,
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_stops_where_any_episode_ends(mode: AutoresetMode) -> None:
    envs = VectorRepeatAction(
        SyncVectorEnv([lambda: Steps(2), lambda: Steps(5)], autoreset_mode=mode), 4
    )
    envs.reset(seed=0)
    same_step = mode is AutoresetMode.SAME_STEP  # the finishing step returns the reset obs
    obs, rewards, terminated, _, info = envs.step(np.array([0, 0]))
    np.testing.assert_array_equal(obs[:, 0], [0 if same_step else 2, 2])  # ended after 2 inner
    if same_step:
        np.testing.assert_array_equal(info["final_obs"][0], [2])
    np.testing.assert_array_equal(rewards, [3.0, 3.0])
    np.testing.assert_array_equal(terminated, [True, False])
    if mode is AutoresetMode.DISABLED:
        envs.reset(options={"reset_mask": np.array([True, False])})
    obs, rewards, *_ = envs.step(np.array([0, 0]))
    if mode is AutoresetMode.NEXT_STEP:  # a reset step is a wrapper step of its own
        np.testing.assert_array_equal(obs[:, 0], [0, 3])
        np.testing.assert_array_equal(rewards, [0.0, 3.0])
    else:
        np.testing.assert_array_equal(obs[:, 0], [0 if same_step else 2, 4])
        np.testing.assert_array_equal(rewards, [3.0, 7.0])


def test_vector_rewards_stay_on_the_backend(backend: Backend) -> None:
    envs = VectorRepeatAction(
        VectorRewardsOn(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"), backend), 4
    )
    envs.reset(seed=0)
    rewards = envs.step(np.array([0, 1, 0]))[1]
    assert_on_backend(rewards, backend.xp, backend.device)
    np.testing.assert_array_equal(to_host(rewards), [4.0, 4.0, 4.0])


def test_pickles_and_deep_copies() -> None:
    env = RepeatAction(gym.make("CartPole-v1"), 3)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        clone.reset(seed=3)
        env.reset(seed=3)
        np.testing.assert_array_equal(clone.step(1)[0], env.step(1)[0])
