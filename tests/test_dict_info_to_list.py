"""Vector DictInfoToList: Gymnasium's list layout, values kept on their backend."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, VectorWrapper

from array_env.envs.cartpole import CartPoleVectorEnv
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import DictInfoToList, RecordEpisodeStatistics, TimeLimit
from tests.autoreset_driver import MODES


class _Infos(VectorWrapper[Any, Any, Any, Any, Any]):
    """Adds a fixed info to every step, so both wrappers see the same dict."""

    def __init__(self, env: Any, info: dict[str, Any]) -> None:
        super().__init__(env)
        self.info = info

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        return obs, rewards, terminated, truncated, {**infos, **self.info}


def _compare(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        for key in w:
            if key == "t":
                continue  # episode durations: wall-clock time
            if isinstance(w[key], dict):
                _compare([g[key]], [w[key]])
            else:
                assert type(g[key]) is type(w[key]), key
                np.testing.assert_array_equal(g[key], w[key])


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_equals_gymnasium_on_numpy(mode: AutoresetMode) -> None:
    def make(cls: Any) -> Any:
        envs = gym.make_vec(
            "CartPole-v1", 3, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode},
            max_episode_steps=25,
        )  # fmt: skip
        envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
        return cls(envs)

    ours, theirs = make(DictInfoToList), make(gym.wrappers.vector.DictInfoToList)
    _compare(ours.reset(seed=4)[1], theirs.reset(seed=4)[1])
    rng = np.random.default_rng(0)
    episodes = 0
    for _ in range(1500):
        actions = rng.integers(0, 2, 3)
        got, want = ours.step(actions), theirs.step(actions)
        for g, w in zip(got[:4], want[:4], strict=True):
            np.testing.assert_array_equal(g, w)
        _compare(got[4], want[4])
        episodes += sum("episode" in info for info in want[4])
        done = np.logical_or(want[2], want[3])
        if mode is AutoresetMode.DISABLED and done.any():
            _compare(
                ours.reset(options={"reset_mask": done})[1],
                theirs.reset(options={"reset_mask": done})[1],
            )
    assert episodes > 100


def test_nested_and_unmasked_infos_as_gymnasium() -> None:
    info = {
        "a": np.array([1.0, 2.0]),
        "_a": np.array([True, False]),
        "b": np.array([[1, 2], [3, 4]]),
        "nested": {"c": np.array([5, 6]), "_c": np.array([False, True])},
        "_nested": np.array([True, True]),
    }
    ours = DictInfoToList(_Infos(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), info))
    theirs = gym.wrappers.vector.DictInfoToList(
        _Infos(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), info)
    )
    ours.reset(seed=0)
    theirs.reset(seed=0)
    got, want = ours.step(np.zeros(2, np.int64))[4], theirs.step(np.zeros(2, np.int64))[4]
    _compare(got, want)
    assert want == [
        {"a": 1.0, "b": want[0]["b"], "nested": {}},
        {"b": want[1]["b"], "nested": {"c": 6}},
    ]


def test_wrong_lengths_raise_assertion_errors_naming_the_key() -> None:
    for info, key in [
        ({"a": np.zeros(3)}, "'a'"),
        ({"a": np.zeros(2), "_a": np.zeros(3, bool)}, "'_a'"),
    ]:
        envs = DictInfoToList(
            _Infos(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), info)
        )
        envs.reset(seed=0)
        with pytest.raises(
            AssertionError,
            match=(
                f"DictInfoToList: Expects {key} to have length equal to the num-envs "
                r"\(2\), actual length is 3"
            ),
        ):
            envs.step(np.zeros(2, np.int64))
        theirs = gym.wrappers.vector.DictInfoToList(
            _Infos(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), info)
        )
        theirs.reset(seed=0)
        with pytest.raises(AssertionError):
            theirs.step(np.zeros(2, np.int64))


def test_values_stay_on_their_backend(backend: Backend) -> None:
    n = 3
    base = CartPoleVectorEnv(
        n, max_episode_steps=None, xp=backend.namespace_name, device=backend.device_spec,
        autoreset_mode=AutoresetMode.SAME_STEP,
    )  # fmt: skip
    wrapped = DictInfoToList(RecordEpisodeStatistics(TimeLimit(base, 4)))
    assert wrapped.reset(seed=0)[1] == [{}, {}, {}]
    seen = 0
    for step in range(8):
        infos: list[dict[str, Any]] = wrapped.step(backend.asarray([0, 1, 0], "int64"))[4]
        assert len(infos) == n
        for info in infos:
            if "episode" in info:
                seen += 1
                assert_on_backend(info["episode"], backend.xp, backend.device)
                assert int(to_host(info["episode"]["l"])) <= 4
            if "final_obs" in info:
                assert_on_backend(info["final_obs"], backend.xp, backend.device)
                assert info["final_obs"].shape == (4,)
        if step == 3:
            assert all("episode" in info for info in infos)
    assert seen >= n
