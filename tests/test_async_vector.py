"""Single-env stacks of array_env wrappers inside Gymnasium's AsyncVectorEnv.

Each stack in :data:`STACKS` runs in worker processes (with and without shared memory) and must
give step for step the trajectory SyncVectorEnv gives in this process, over NumPy envs and over
torch envs (seen by the vector env through ``TorchToNumpy``). To cover a new wrapper, add a row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AsyncVectorEnv, SyncVectorEnv

from array_env.envs.cartpole import CartPoleEnv
from array_env.envs.pendulum import PendulumEnv
from array_env.wrappers import (
    Autoreset,
    ClipAction,
    FrameStackObservation,
    NormalizeObservation,
    NormalizeReward,
    OrderEnforcing,
    PassiveEnvChecker,
    RecordEpisodeStatistics,
    TimeLimit,
    TorchToNumpy,
)

Wrap = Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]]

# name -> (base env, wrappers applied innermost first). Every stack ends in a time limit so that
# episodes end and the autoreset path runs. Stacks named in CLIPPED get actions outside the
# bounds (their ClipAction brings them in).
STACKS: dict[str, tuple[str, list[Wrap]]] = {
    "NormalizeObservation": ("pendulum", [lambda e: NormalizeObservation(e)]),
    "NormalizeReward": ("pendulum", [lambda e: NormalizeReward(e, gamma=0.9)]),
    "FrameStackObservation": ("cartpole", [lambda e: FrameStackObservation(e, 3)]),
    "ClipAction": ("pendulum", [lambda e: ClipAction(e)]),
    "RecordEpisodeStatistics": ("cartpole", [lambda e: RecordEpisodeStatistics(e)]),
    "PassiveEnvChecker+OrderEnforcing": (
        "cartpole",
        [lambda e: PassiveEnvChecker(e), lambda e: OrderEnforcing(e)],
    ),
    "Autoreset": ("cartpole", [lambda e: TimeLimit(e, 15), lambda e: Autoreset(e)]),
    "template stack": (
        "pendulum",
        [
            lambda e: ClipAction(e),
            lambda e: NormalizeObservation(e),
            lambda e: NormalizeReward(e),
            lambda e: RecordEpisodeStatistics(e),
        ],
    ),
}

CLIPPED = {"ClipAction", "template stack"}
LIMIT = 40  # the TimeLimit around every stack


def _base(kind: str, backend: str) -> gym.Env[Any, Any]:
    if kind == "pendulum":
        return PendulumEnv(xp=backend)
    return CartPoleEnv(xp=backend)


def _make(name: str, backend: str) -> Callable[[], gym.Env[Any, Any]]:
    def make() -> gym.Env[Any, Any]:
        kind, wrappers = STACKS[name]
        env = _base(kind, backend)
        for wrap in wrappers:
            env = wrap(env)
        env = TimeLimit(env, LIMIT)
        return TorchToNumpy(env) if backend == "torch" else env

    return make


def _actions(envs: Any, rng: np.random.Generator, scale: float) -> Any:
    space: Any = envs.single_action_space
    if _is(space, gym.spaces.Discrete):
        return rng.integers(0, 2, int(envs.num_envs))
    actions: Any = rng.uniform(-scale, scale, (envs.num_envs, *space.shape))
    return actions.astype(space.dtype)


def _is(x: object, kinds: Any) -> bool:
    return isinstance(x, kinds)  # without narrowing: the outputs are untyped trees


def _object_array(x: Any) -> bool:
    return _is(x, np.ndarray) and x.dtype == np.dtype(object)


def _same(got: Any, want: Any, where: str) -> None:
    if _is(want, dict):
        assert sorted(got) == sorted(want), where
        for key in want:
            if key != "t":  # episode durations are wall-clock time
                _same(got[key], want[key], f"{where}[{key!r}]")
        return
    if _is(want, tuple) or _object_array(want):
        for g, w in zip(got, want, strict=True):
            _same(g, w, where)
        return
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=where)


@pytest.mark.parametrize("shared_memory", [True, False], ids=["shared", "pipes"])
@pytest.mark.parametrize("env_backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(STACKS))
def test_async_equals_sync(name: str, env_backend: str, shared_memory: bool) -> None:
    if env_backend == "torch":
        pytest.importorskip("torch")
    fns = [_make(name, env_backend)] * 2
    sync = SyncVectorEnv(fns)
    async_ = AsyncVectorEnv(fns, shared_memory=shared_memory)
    try:
        rng = np.random.default_rng(1)
        _same(async_.reset(seed=7), sync.reset(seed=7), "reset")
        ends = 0
        for step in range(120):
            actions = _actions(sync, rng, 3.0 if name in CLIPPED else 2.0)
            got: tuple[Any, ...] = async_.step(actions)
            want: tuple[Any, ...] = sync.step(actions)
            for index, (g, w) in enumerate(zip(got, want, strict=True)):
                _same(g, w, f"step {step} output {index}")
            ends += int(np.logical_or(want[2], want[3]).sum())
        assert ends >= 4
    finally:
        async_.close()
        sync.close()
