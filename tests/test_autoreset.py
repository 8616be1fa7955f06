"""Autoreset: Gymnasium's next-step autoreset on one env, any backend."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from array_env.envs.cartpole import CartPoleEnv
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.wrappers import Autoreset, TimeLimit


def _rollout(env: Any, steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed), env.autoreset]
    for _ in range(steps):
        out += [env.step(int(rng.integers(2))), env.autoreset]
    return out


def test_equals_gymnasium_on_numpy() -> None:
    ours = Autoreset(gym.make("CartPole-v1", max_episode_steps=30))
    theirs = gym.wrappers.Autoreset(gym.make("CartPole-v1", max_episode_steps=30))
    actual, expected = _rollout(ours, 4000, 8), _rollout(theirs, 4000, 8)
    resets = 0
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, bool):
            assert got is want
            resets += want
            continue
        for g, w in zip(got, want, strict=True):
            assert type(g) is type(w)
            np.testing.assert_array_equal(g, w)
    assert resets > 100


def test_step_before_reset_raises_reset_needed() -> None:
    inner = gym.make("CartPole-v1").unwrapped
    env = Autoreset(inner)
    with pytest.raises(gym.error.ResetNeeded, match=r"Autoreset: Cannot call env.step\(\) before"):
        env.step(0)
    assert getattr(inner, "state", "missing") is None  # the env was never stepped nor reset
    # Gymnasium's own wrapper relies on an OrderEnforcing inside for the same error type
    with pytest.raises(gym.error.ResetNeeded):
        gym.wrappers.Autoreset(gym.make("CartPole-v1")).step(0)


def test_reset_step_outputs_stay_arrays_on_every_backend(backend: Backend) -> None:
    env = Autoreset(
        TimeLimit(CartPoleEnv(xp=backend.namespace_name, device=backend.device_spec), 3)
    )
    _obs, _ = env.reset(seed=0)
    action = backend.asarray(0, "int64")
    outputs = [env.step(action) for _ in range(4)]
    assert [env.autoreset for _ in range(1)] == [False]
    last, reset_step = outputs[2], outputs[3]
    assert bool(to_host(last[3])) is True
    for got, model in zip(reset_step[1:4], last[1:4], strict=True):
        assert_on_backend(got, backend.xp, backend.device)
        assert got.dtype == model.dtype
        assert got.shape == model.shape
        assert not to_host(got).any()
    assert (np.abs(to_host(reset_step[0])) <= 0.05).all()  # a fresh CartPole state


def test_keeps_gymnasium_constructor_record() -> None:
    env = Autoreset(gym.make("CartPole-v1"))
    assert env._saved_kwargs == {}  # pyright: ignore[reportPrivateUsage]
    assert env.spec is not None
    assert env.spec.additional_wrappers[-1].name == "Autoreset"
    assert gym.make(env.spec).spec == env.spec
