from __future__ import annotations

import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import TransformAction as VectorTransformAction
from array_env.vector import VectorizeTransformAction
from array_env.wrappers import TransformAction
from tests._recording import Received, VectorReceived
from tests.autoreset_driver import MODES


def _half(action: Any) -> Any:
    return 0.5 * action + 0.1


def _rollout(env: Any, steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        step = env.step(rng.uniform(-1, 1, (2,)).astype(np.float32))
        out += list(step[:4])
        if step[2] or step[3]:
            out.append(env.reset()[0])
    return out


def test_equals_gymnasium_on_numpy() -> None:
    space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

    def make() -> Any:
        return gym.make("MountainCarContinuous-v0", max_episode_steps=200)

    ours = TransformAction(make(), lambda a: _half(a)[:1], space)
    theirs: Any = gym.wrappers.TransformAction(make(), lambda a: _half(a)[:1], space)
    assert ours.action_space == theirs.action_space == space
    ones: Any = np.ones(2)
    assert ours.action(ones) == theirs.action(ones)
    for got, want in zip(_rollout(ours, 3000, 1), _rollout(theirs, 3000, 1), strict=True):
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
    assert TransformAction(make(), _half, None).action_space == make().action_space


def test_actions_keep_their_backend(backend: Backend) -> None:
    received = Received(gym.make("Pendulum-v1"))
    env = TransformAction(received, _half, None)
    env.reset(seed=0)
    action = backend.asarray(np.array([0.5], np.float32), "float32")
    env.step(action)
    assert_on_backend(received.actions[0], backend.xp, backend.device)
    np.testing.assert_allclose(to_host(received.actions[0]), [0.35], rtol=1e-6)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    def make() -> Any:
        return SyncVectorEnv(
            [lambda: gym.make("Pendulum-v1", max_episode_steps=30)] * 3, autoreset_mode=mode
        )

    ours: Any = VectorTransformAction(make(), _half)
    theirs: Any = gym.wrappers.vector.TransformAction(make(), _half)
    assert ours.action_space == theirs.action_space
    rng = np.random.default_rng(0)
    ours.reset(seed=2)
    theirs.reset(seed=2)
    for _ in range(600):
        actions = rng.uniform(-2, 2, (3, 1)).astype(np.float32)
        got, want = ours.step(actions), theirs.step(actions)
        for a, b in zip(got[:4], want[:4], strict=True):
            np.testing.assert_array_equal(a, b)
        done = np.logical_or(got[2], got[3])
        if mode is AutoresetMode.DISABLED and done.any():
            ours.reset(options={"reset_mask": done})
            theirs.reset(options={"reset_mask": done.copy()})


def test_vector_spaces_like_gymnasium() -> None:
    single = gym.spaces.Box(-3.0, 3.0, (1,), np.float32)
    for kwargs in (
        {"single_action_space": single},
        {"action_space": gym.spaces.Box(-3.0, 3.0, (2, 1), np.float32)},
    ):
        ours: Any = VectorTransformAction(gym.make_vec("Pendulum-v1", 2), _half, **kwargs)
        theirs: Any = gym.wrappers.vector.TransformAction(
            gym.make_vec("Pendulum-v1", 2), _half, **kwargs
        )
        assert ours.action_space == theirs.action_space
        assert ours.single_action_space == theirs.single_action_space


def test_vectorize_transform_action_applies_func_to_the_batch(backend: Backend) -> None:
    received = VectorReceived(gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync"))
    envs = VectorizeTransformAction(
        received, gym.wrappers.TransformAction, func=_half, action_space=None
    )
    assert isinstance(envs.wrapper, gym.wrappers.TransformAction)
    envs.reset(seed=0)
    envs.step(backend.asarray(np.array([[0.5], [-1.0]], np.float32), "float32"))
    assert_on_backend(received.actions[0], backend.xp, backend.device)
    np.testing.assert_allclose(to_host(received.actions[0]), [[0.35], [-0.4]], rtol=1e-6)


def test_pickles() -> None:
    env = pickle.loads(pickle.dumps(TransformAction(gym.make("Pendulum-v1"), _half, None)))
    env.reset(seed=0)
    env.step(np.zeros(1, np.float32))
    unwrapped: Any = env.unwrapped
    assert float(unwrapped.last_u) == pytest.approx(0.1)
