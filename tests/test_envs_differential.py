"""The xp environments against Gymnasium's own: same seed and actions, same trajectory.

Single envs are compared with ``gymnasium.make("CartPole-v1")`` / ``("Pendulum-v1")`` over
thousands of steps across resets (same ``np_random`` draws). Vector envs are compared with
Gymnasium's ``CartPoleVectorEnv`` and with ``SyncVectorEnv`` over Gymnasium's single envs in each
autoreset mode; as our autoresets draw from another stream (see ``CartPoleVectorEnv``), every
sub-environment that resets is re-synchronised: the reference takes our fresh state, checked to
lie in the reset distribution's support.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv as GymCartPole
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv as GymCartPoleVector
from gymnasium.envs.classic_control.pendulum import PendulumEnv as GymPendulum
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import TimeLimit

import array_env.envs as envs
from array_env._tree import tree_leaves
from array_env.testing import Backend, assert_on_backend, to_host

SAME_AS_NUMPY = pytest.mark.skip_backend(
    Backend.NUMPY_READONLY, reason="the env makes its own arrays: identical to numpy"
)


def _tolerance(backend: Backend) -> float:
    return 1e-6 if backend.has_float64 else 2e-4


def _steps(backend: Backend, numpy_steps: int) -> int:
    return numpy_steps if backend is Backend.NUMPY else numpy_steps // 6


def _make(env_id: str, backend: Backend, **kwargs: Any) -> gym.Env[Any, Any]:
    return gym.make(env_id, xp=backend.namespace_name, device=backend.device_spec, **kwargs)


def _balance(obs: np.ndarray) -> int:
    """A controller that often keeps the pole up for the whole 500-step episode."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.02 * x + 0.1 * x_dot > 0)


@SAME_AS_NUMPY
def test_cartpole_matches_gymnasium(backend: Backend) -> None:
    ours, ref = _make("array_env/CartPole-v1", backend), gym.make("CartPole-v1")
    rng = np.random.default_rng(0)
    tol = _tolerance(backend)
    obs, _ = ours.reset(seed=42)
    expected, _ = ref.reset(seed=42)
    # Every other NumPy episode is balanced up to the time limit; elsewhere the run is shorter
    # and float32 devices would drift from Gymnasium's float64 over 500 steps: random actions.
    balance = backend is Backend.NUMPY
    episodes, truncations, controlled = 0, 0, balance
    for _ in range(_steps(backend, 3000)):
        np.testing.assert_allclose(to_host(obs), expected, rtol=tol, atol=tol)
        action = _balance(expected) if controlled else int(rng.integers(2))
        obs, reward, terminated, truncated, _ = ours.step(backend.asarray(action))
        expected, ref_reward, ref_terminated, ref_truncated, _ = ref.step(action)
        assert_on_backend((obs, reward, terminated), backend.xp, backend.device)
        assert float(reward) == ref_reward
        assert bool(terminated) == ref_terminated
        assert bool(truncated) == ref_truncated
        if ref_terminated or ref_truncated:
            episodes, truncations = episodes + 1, truncations + ref_truncated
            controlled = balance and not controlled
            obs, _ = ours.reset()
            expected, _ = ref.reset()
    assert episodes >= 3
    if balance:
        assert truncations >= 1, "the run never reached the time limit"


@SAME_AS_NUMPY
def test_pendulum_matches_gymnasium(backend: Backend) -> None:
    ours, ref = _make("array_env/Pendulum-v1", backend), gym.make("Pendulum-v1")
    rng = np.random.default_rng(1)
    tol = _tolerance(backend)
    obs, _ = ours.reset(seed=7)
    expected, _ = ref.reset(seed=7)
    episodes = 0
    for _ in range(_steps(backend, 1600)):
        np.testing.assert_allclose(to_host(obs), expected, rtol=tol, atol=tol)
        action = rng.uniform(-2.0, 2.0, size=(1,)).astype(np.float32)
        obs, reward, terminated, truncated, _ = ours.step(backend.asarray(action, "float32"))
        expected, ref_reward, ref_terminated, ref_truncated, _ = ref.step(action)
        np.testing.assert_allclose(float(reward), float(ref_reward), rtol=tol, atol=tol)
        assert (bool(terminated), bool(truncated)) == (ref_terminated, ref_truncated)
        if ref_truncated:
            episodes += 1
            obs, _ = ours.reset()
            expected, _ = ref.reset()
    assert episodes >= (5 if backend is Backend.NUMPY else 1)


@SAME_AS_NUMPY
def test_cartpole_vector_matches_gymnasium_vector(backend: Backend) -> None:
    n = 16
    ours = envs.CartPoleVectorEnv(
        n, max_episode_steps=40, xp=backend.namespace_name, device=backend.device_spec
    )
    ref = GymCartPoleVector(n, max_episode_steps=40)
    obs, _ = ours.reset(seed=3)
    expected, _ = ref.reset(seed=3)
    np.testing.assert_array_equal(to_host(obs), expected)  # the same (4, n) draw
    rng, tol = np.random.default_rng(2), _tolerance(backend)
    resets = np.zeros(n, dtype=bool)
    done_count = 0
    for _ in range(_steps(backend, 600)):
        actions = rng.integers(0, 2, size=n)
        obs, reward, terminated, truncated, _ = ours.step(_actions(backend, actions))
        expected, ref_reward, ref_terminated, ref_truncated, _ = ref.step(actions)
        host_obs = to_host(obs)
        np.testing.assert_allclose(host_obs[~resets], expected[~resets], rtol=tol, atol=tol)
        np.testing.assert_array_equal(to_host(reward), ref_reward)
        np.testing.assert_array_equal(to_host(terminated), ref_terminated)
        np.testing.assert_array_equal(to_host(truncated), ref_truncated)
        assert np.all(np.abs(host_obs[resets]) <= 0.05)
        assert ref.state is not None
        ref.state[:, resets] = _cartpole_host_state(ours)[resets].T
        resets = to_host(terminated) | to_host(truncated)
        done_count += int(resets.sum())
    assert done_count >= n


def _actions(backend: Backend, actions: np.ndarray) -> Any:
    """Float actions keep float32; integers take the backend's default integer dtype."""
    if actions.dtype == np.float32:
        return backend.asarray(actions, "float32")
    return backend.asarray(actions.tolist())


def _cartpole_host_state(env: Any) -> np.ndarray:
    state = env.state
    return np.stack([to_host(f) for f in state[:4]], axis=-1).astype(np.float64)


def _set_cartpole(env: gym.Env[Any, Any], row: np.ndarray) -> None:
    unwrapped: Any = env.unwrapped
    unwrapped.state = row.copy()


def _pendulum_host_state(env: Any) -> np.ndarray:
    return np.stack([to_host(f) for f in env.state], axis=-1).astype(np.float64)


def _set_pendulum(env: gym.Env[Any, Any], row: np.ndarray) -> None:
    unwrapped: Any = env.unwrapped
    unwrapped.state = row.copy()


def _catch_host_state(env: Any) -> np.ndarray:
    return np.stack([to_host(f) for f in env.state], axis=-1)


def _set_catch(env: gym.Env[Any, Any], row: np.ndarray) -> None:
    unwrapped: Any = env.unwrapped
    unwrapped.state = type(unwrapped.state)(*(np.asarray(v).reshape(1) for v in row))


def _discrete_actions(high: int) -> Callable[[np.random.Generator, int], np.ndarray]:
    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(0, high, size=n)

    return draw


def _pendulum_actions(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(-2, 2, size=(n, 1)).astype(np.float32)


CASES: dict[str, tuple[Any, Callable[[], gym.Env[Any, Any]], Any, Any, Any]] = {
    "cartpole": (
        envs.CartPoleVectorEnv,
        lambda: TimeLimit(GymCartPole(), 12),
        _cartpole_host_state,
        _set_cartpole,
        _discrete_actions(2),
    ),
    "pendulum": (
        envs.PendulumVectorEnv,
        lambda: TimeLimit(GymPendulum(), 12),
        _pendulum_host_state,
        _set_pendulum,
        _pendulum_actions,
    ),
    "nested_catch": (
        envs.NestedCatchVectorEnv,
        lambda: envs.NestedCatchEnv(xp="numpy"),
        _catch_host_state,
        _set_catch,
        _discrete_actions(3),
    ),
}


def _resync(ref: SyncVectorEnv, state: np.ndarray, rows: np.ndarray, set_state: Any) -> None:
    for i in np.flatnonzero(rows):
        set_state(ref.envs[i], state[i])


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", list(AutoresetMode), ids=lambda m: m.value)
@pytest.mark.parametrize(
    "member",
    [Backend.NUMPY, Backend.ARRAY_API_STRICT_DEVICE1, Backend.TORCH, Backend.JAX],
    ids=lambda b: b.label,
)
def test_vector_matches_sync_vector_env(case: str, mode: AutoresetMode, member: Backend) -> None:
    """Each autoreset mode against Gymnasium's SyncVectorEnv over single envs."""
    backend = member
    vector_cls, make_single, host_state, set_state, draw_actions = CASES[case]
    n, steps = 4, 60 if backend is Backend.NUMPY else 30
    max_steps = None if case == "nested_catch" else 12
    kwargs = {} if max_steps is None else {"max_episode_steps": max_steps}
    ours = vector_cls(
        n, autoreset_mode=mode, xp=backend.namespace_name, device=backend.device_spec, **kwargs
    )
    assert ours.metadata["autoreset_mode"] is mode
    ref = SyncVectorEnv([make_single] * n, autoreset_mode=mode)
    rng, tol = np.random.default_rng(4), _tolerance(backend)
    ours.reset(seed=0)
    ref.reset(seed=0)
    _resync(ref, host_state(ours), np.ones(n, dtype=bool), set_state)
    previous_done = np.zeros(n, dtype=bool)
    ended = 0
    for _ in range(steps):
        actions = draw_actions(rng, n)
        obs, reward, terminated, truncated, info = ours.step(_actions(backend, actions))
        ref_obs, ref_reward, ref_terminated, ref_truncated, ref_info = ref.step(actions)
        done = to_host(terminated) | to_host(truncated)
        # the sub-environments whose observation comes from a reset (drawn from another stream)
        reset = previous_done if mode is AutoresetMode.NEXT_STEP else np.zeros(n, dtype=bool)
        if mode is AutoresetMode.SAME_STEP:
            reset = done
            np.testing.assert_array_equal(to_host(info["_final_obs"]), done)
            # a finished row's obs is its new episode's first one, not the terminal obs again
            for i in np.flatnonzero(done):
                pairs = zip(tree_leaves(obs), tree_leaves(info["final_obs"]), strict=True)
                assert any(
                    not np.array_equal(to_host(new)[i], to_host(old)[i]) for new, old in pairs
                ), f"sub-env {i}: the same-step obs is the terminal observation"
            for i in np.flatnonzero(done):
                final = zip(
                    tree_leaves(info["final_obs"]),
                    tree_leaves(ref_info["final_obs"][i]),
                    strict=True,
                )
                for got, want in final:
                    np.testing.assert_allclose(to_host(got)[i], want, rtol=tol, atol=tol)
        for got, want in zip(tree_leaves(obs), tree_leaves(ref_obs), strict=True):
            np.testing.assert_allclose(to_host(got)[~reset], want[~reset], rtol=tol, atol=tol)
        np.testing.assert_allclose(to_host(reward), ref_reward, rtol=tol, atol=tol)
        np.testing.assert_array_equal(to_host(terminated), ref_terminated)
        np.testing.assert_array_equal(to_host(truncated), ref_truncated)
        if mode is AutoresetMode.DISABLED and done.any():
            ours.reset(options={"reset_mask": backend.asarray(done)})
            ref.reset(options={"reset_mask": done})
            reset = done
        _resync(ref, host_state(ours), reset, set_state)
        previous_done = done
        ended += int(done.sum())
    assert ended >= n, "no sub-environment ended: the autoreset path was not exercised"


VECTOR_CLASSES: dict[str, tuple[Any, Callable[[np.random.Generator, int], np.ndarray], Any]] = {
    "cartpole": (envs.CartPoleVectorEnv, _discrete_actions(2), {"max_episode_steps": 7}),
    "pendulum": (envs.PendulumVectorEnv, _pendulum_actions, {"max_episode_steps": 5}),
    "nested_catch": (envs.NestedCatchVectorEnv, _discrete_actions(3), {}),
}


@pytest.mark.parametrize("case", sorted(VECTOR_CLASSES))
@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP], ids=str)
@pytest.mark.parametrize(
    "member",
    [Backend.ARRAY_API_STRICT_DEVICE1, Backend.TORCH, Backend.JAX],
    ids=lambda b: b.label,
)
def test_autoresets_match_numpy_on_every_backend(
    case: str, mode: AutoresetMode, member: Backend
) -> None:
    """The same seed gives the same autoreset values on NumPy (which fills only the rows that
    reset, on the host) as on a backend that selects a fresh state for every row on the device.
    """
    vector_cls, draw_actions, kwargs = VECTOR_CLASSES[case]
    n, tol = 9, _tolerance(member)
    ours = vector_cls(
        n, autoreset_mode=mode, xp=member.namespace_name, device=member.device_spec, **kwargs
    )
    reference = vector_cls(n, autoreset_mode=mode, xp="numpy", **kwargs)
    ours.reset(seed=11)
    reference.reset(seed=11)
    rng = np.random.default_rng(5)
    resets, shown = 0, tree_leaves(reference.state)
    for _ in range(30):
        actions = draw_actions(rng, n)
        shown_copy = [np.array(leaf, copy=True) for leaf in shown]
        got = ours.step(_actions(member, actions))
        want = reference.step(actions)
        for before, after in zip(shown_copy, shown, strict=True):  # no write into shown arrays
            np.testing.assert_array_equal(after, before)
        shown = tree_leaves((reference.state, want))
        for got_leaf, want_leaf in zip(tree_leaves(got), tree_leaves(want), strict=True):
            np.testing.assert_allclose(to_host(got_leaf), want_leaf, rtol=tol, atol=tol)
        for got_field, want_field in zip(ours.state, reference.state, strict=True):
            np.testing.assert_allclose(to_host(got_field), want_field, rtol=tol, atol=tol)
        resets += int(np.sum(to_host(got[2]) | to_host(got[3])))
    assert resets >= 2 * n, "too few autoresets to compare the reset draws"
