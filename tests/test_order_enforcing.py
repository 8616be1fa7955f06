"""OrderEnforcing, and ``gym.make``-style stacks built from array_env's lifecycle wrappers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from array_env.envs import register_envs
from array_env.envs.cartpole import CartPoleEnv
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.wrappers import OrderEnforcing, PassiveEnvChecker, TimeLimit

register_envs()  # array_env/CartPole-v1 (idempotent)


class _Rendering(CartPoleEnv):
    def __init__(self) -> None:
        super().__init__(render_mode="rgb_array")
        self.steps = 0

    def step(self, action: Any) -> Any:
        self.steps += 1
        return super().step(action)


def test_step_and_render_before_reset_raise_gymnasium_errors() -> None:
    inner = _Rendering()
    env = OrderEnforcing(inner)
    theirs = gym.wrappers.OrderEnforcing(_Rendering())
    calls: list[Callable[[Any], Any]] = [lambda e: e.step(np.asarray(0)), lambda e: e.render()]
    for call in calls:
        with pytest.raises(gym.error.ResetNeeded) as ours_error:
            call(env)
        with pytest.raises(gym.error.ResetNeeded) as their_error:
            call(theirs)
        assert str(ours_error.value) == f"OrderEnforcing: {their_error.value}"
    assert inner.steps == 0
    assert env.has_reset is False
    env.reset(seed=0)
    assert env.has_reset is True
    env.step(np.asarray(0))
    assert to_host(env.render()).shape == (400, 600, 3)


def test_render_order_can_be_disabled() -> None:
    class Frames(gym.Env[Any, Any]):
        observation_space = action_space = gym.spaces.Discrete(2)

        def render(self) -> Any:
            return "frame"

    env = OrderEnforcing(Frames(), disable_render_order_enforcing=True)
    assert env.render() == "frame"
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)
    with pytest.raises(gym.error.ResetNeeded, match=r"OrderEnforcing: Cannot call `env\.render"):
        OrderEnforcing(Frames()).render()


def test_spec_sets_order_enforce_and_keeps_constructor_arguments() -> None:
    base = gym.make("CartPole-v1", disable_env_checker=True).unwrapped
    ours = OrderEnforcing(base, disable_render_order_enforcing=True)
    theirs = gym.wrappers.OrderEnforcing(base, disable_render_order_enforcing=True)
    assert ours.spec == theirs.spec
    assert ours.spec is not None
    assert ours.spec.order_enforce is True
    assert ours._saved_kwargs == theirs._saved_kwargs  # pyright: ignore[reportPrivateUsage]


def test_outputs_pass_through_on_every_backend(backend: Backend) -> None:
    env = OrderEnforcing(CartPoleEnv(xp=backend.namespace_name, device=backend.device_spec))
    obs, _ = env.reset(seed=1)
    out = env.step(backend.asarray(1, "int64"))
    assert_on_backend(out[:4], backend.xp, backend.device)
    assert_on_backend(obs, backend.xp, backend.device)


# -- item 6: gym.make stacks -------------------------------------------------------------


def _ours(env_id: str, max_episode_steps: int, **kwargs: Any) -> Any:
    """The stack ``gym.make(env_id, max_episode_steps=...)`` builds, from array_env's wrappers."""
    base = gym.make(
        env_id, max_episode_steps=max_episode_steps, disable_env_checker=False, **kwargs
    )
    return TimeLimit(OrderEnforcing(PassiveEnvChecker(base.unwrapped)), max_episode_steps)


def _trajectory(env: gym.Env[Any, Any], steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)]
    for _ in range(steps):
        result = env.step(
            np.asarray(rng.integers(2)) if "array_env" in str(env.spec) else int(rng.integers(2))
        )
        out.append(result)
        if result[2] or result[3]:
            out.append(env.reset())
    return out


@pytest.mark.parametrize("env_id", ["CartPole-v1", "array_env/CartPole-v1"])
def test_stack_behaves_as_gym_make_and_spec_round_trips(env_id: str) -> None:
    ours = _ours(env_id, 37)
    theirs = gym.make(env_id, max_episode_steps=37, disable_env_checker=False)
    assert str(ours) == str(theirs)
    assert ours.spec == theirs.spec
    assert ours.spec is not None
    rebuilt = gym.make(ours.spec)
    assert rebuilt.spec == ours.spec
    assert str(rebuilt) == str(theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Gymnasium's checker warns on array flags (see below)
        expected = _trajectory(theirs, 2000, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ours accepts 0-d array flags and rewards silently
        actual = _trajectory(ours, 2000, 3)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        for g, w in zip(got, want, strict=True):
            # Gymnasium's TimeLimit turns a 0-d array `truncated` into Python True; ours keeps it
            assert type(g) is type(w) or (type(w) is bool and type(g) is np.ndarray)
            np.testing.assert_array_equal(g, w)
    for name in ("_max_episode_steps", "_elapsed_steps"):
        assert getattr(ours, name) == getattr(theirs, name)
    theirs_any: Any = theirs
    wrappers: list[Any] = [ours.env, theirs_any.env]  # the OrderEnforcing of each stack
    assert [w.has_reset for w in wrappers] == [True, True]


def test_stack_over_torch_env_keeps_arrays() -> None:
    pytest.importorskip("torch")
    env = _ours("array_env/CartPole-v1", 5, xp="torch")
    with pytest.raises(gym.error.ResetNeeded):
        env.step(None)
    env.reset(seed=0)
    import torch

    flags: list[bool] = []
    for _ in range(5):
        _obs, reward, terminated, truncated, _ = env.step(torch.tensor(0))
        assert isinstance(truncated, torch.Tensor)
        assert isinstance(reward, torch.Tensor)
        flags.append(bool(truncated) or bool(terminated))
    assert flags[-1] is True
    assert env.spec is not None
    assert env.spec.kwargs["xp"] == "torch"
    assert gym.make(env.spec).spec == env.spec


def test_reference_list_v0_aliases_are_the_classes() -> None:
    from array_env import experimental
    from array_env.wrappers import Autoreset

    assert experimental.OrderEnforcingV0 is OrderEnforcing
    assert experimental.PassiveEnvCheckerV0 is PassiveEnvChecker
    assert experimental.AutoresetV0 is Autoreset
