"""TimeLimit, single and vector: Gymnasium's behaviour, every backend, every autoreset mode."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, VectorWrapper

from array_env._checks import ArrayMismatchError
from array_env.envs.cartpole import CartPoleEnv, CartPoleVectorEnv
from array_env.testing import Backend, assert_on_backend, no_host_sync, to_host
from array_env.vector import TimeLimit as VectorTimeLimit
from array_env.vector.lifecycle import count_steps
from array_env.wrappers import TimeLimit
from array_env.wrappers.lifecycle import count_step
from tests.autoreset_driver import MODES, drive


def _cartpole(limit: int | None) -> gym.Env[Any, Any]:
    """Gymnasium's CartPole, optionally with its own (Gymnasium) time limit inside."""
    env: gym.Env[Any, Any] = gym.make("CartPole-v1", disable_env_checker=True).unwrapped
    return env if limit is None else gym.wrappers.TimeLimit(env, limit)


def _rollout(env: gym.Env[Any, Any], steps: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)]
    for _ in range(steps):
        result = env.step(int(rng.integers(2)))
        out.append(result)
        if result[2] or result[3]:
            out.append(env.reset())
    return out


@pytest.mark.parametrize(("limit", "inner"), [(1, None), (9, None), (13, 13), (20, 11), (3, 500)])
def test_equals_gymnasium_on_numpy(limit: int, inner: int | None) -> None:
    ours = TimeLimit(_cartpole(inner), limit)
    theirs = gym.wrappers.TimeLimit(_cartpole(inner), limit)
    actual, expected = _rollout(ours, 3000, 5), _rollout(theirs, 3000, 5)
    assert len(actual) == len(expected)
    truncations = 0
    for got, want in zip(actual, expected, strict=True):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert type(g) is type(w)
            np.testing.assert_array_equal(g, w)
        truncations += len(got) == 5 and got[3] is True
    assert truncations > 50
    theirs_any: Any = theirs  # Gymnasium's attributes are untyped
    assert ours._elapsed_steps == theirs_any._elapsed_steps  # pyright: ignore[reportPrivateUsage]
    assert ours._max_episode_steps == theirs_any._max_episode_steps == limit  # pyright: ignore[reportPrivateUsage]


def test_truncated_stays_an_array_on_every_backend(backend: Backend) -> None:
    env = TimeLimit(CartPoleEnv(xp=backend.namespace_name, device=backend.device_spec), 4)
    obs, _ = env.reset(seed=0)
    action = backend.asarray(0, "int64") if backend is not Backend.NUMPY_READONLY else None
    if action is None:
        action = np.asarray(0)
    flags: list[bool] = []
    for _ in range(4):
        obs, reward, terminated, truncated, _ = env.step(action)
        assert_on_backend((obs, reward, terminated, truncated), backend.xp, backend.device)
        assert truncated.dtype == backend.xp.bool
        assert truncated.shape == ()
        flags.append(bool(to_host(truncated)))
    assert flags == [False, False, False, True]


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            2.0,
            TypeError,
            r"TimeLimit: Expect the `max_episode_steps` to be an integer, "
            r"actually: <class 'float'> \(2.0\)",
        ),
        (np.int64(3), TypeError, "to be an integer, actually: <class 'numpy.int64'>"),
        (None, TypeError, "to be an integer, actually: <class 'NoneType'>"),
        (0, ValueError, "TimeLimit: Expect the `max_episode_steps` to be positive, actually: 0"),
        (-2, ValueError, "to be positive, actually: -2"),
    ],
)
def test_invalid_max_episode_steps_raise_at_construction(
    value: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        TimeLimit(_cartpole(None), value)
    with pytest.raises(error, match=message):
        VectorTimeLimit(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), value)
    with pytest.raises(error):
        gym.wrappers.TimeLimit(_cartpole(None), value)  # the same types as Gymnasium


def test_step_before_reset_raises_reset_needed_and_leaves_the_env_alone() -> None:
    inner = _cartpole(None)
    env = TimeLimit(inner, 5)
    with pytest.raises(gym.error.ResetNeeded, match=r"TimeLimit: Cannot call env.step\(\)"):
        env.step(0)
    assert env._elapsed_steps is None  # pyright: ignore[reportPrivateUsage]
    envs = VectorTimeLimit(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), 5)
    with pytest.raises(gym.error.ResetNeeded, match="TimeLimit"):
        envs.step(np.zeros(2, np.int64))


def test_spec_carries_max_episode_steps_and_round_trips() -> None:
    base = gym.make("CartPole-v1", max_episode_steps=500)
    env = TimeLimit(base.unwrapped, 17)
    theirs = gym.wrappers.TimeLimit(base.unwrapped, 17)
    assert env.spec == theirs.spec
    assert env.spec is not None
    assert env.spec.max_episode_steps == 17
    assert env.spec is env.spec  # cached, as Gymnasium's
    rebuilt = gym.make(env.spec)
    assert rebuilt.spec is not None
    assert rebuilt.spec.max_episode_steps == 17
    assert TimeLimit(CartPoleEnv(), 3).spec is None


# -- jit -------------------------------------------------------------------------------------


def _jitted_count(elapsed: Any, restart: Any) -> tuple[Any, Any]:
    import jax.numpy as jnp

    return count_steps(elapsed, restart, max_episode_steps=5, xp=jnp)


def _jitted_count_one(elapsed: Any) -> tuple[Any, Any]:
    return count_step(elapsed, max_episode_steps=5)


def test_cores_run_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    elapsed = jnp.asarray([0, 4, 5, 2])
    restart = jnp.asarray([False, True, False, False])
    for mask in (restart, None):
        eager = count_steps(elapsed, mask, max_episode_steps=5, xp=jnp)
        jitted = jax.jit(_jitted_count)(elapsed, mask)
        for a, b in zip(eager, jitted, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    counts, reached = count_steps(elapsed, restart, max_episode_steps=5, xp=jnp)
    assert np.asarray(counts).tolist() == [1, 0, 6, 3]
    assert np.asarray(reached).tolist() == [False, False, True, False]
    assert count_step(4, max_episode_steps=5) == (5, True)
    single = jax.jit(_jitted_count_one)(jnp.asarray(4))
    assert (int(single[0]), bool(single[1])) == (5, True)


# -- vector equals single, per autoreset mode -----------------------------------------------


class _FlagsInReward(gym.Wrapper[Any, Any, Any, Any]):
    """Folds the flags into the reward, so the driver's reward comparison checks them too."""

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return (
            obs,
            float(reward) + 2 * bool(terminated) + 4 * bool(truncated),
            terminated,
            truncated,
            info,
        )


class _VectorFlagsInReward(VectorWrapper[Any, Any, Any, Any, Any]):
    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        return obs, rewards + 2 * terminated + 4 * truncated, terminated, truncated, infos


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize(("limit", "inner"), [(7, None), (25, None), (9, 9), (12, 8), (1, 30)])
@pytest.mark.parametrize("single", ["ours", "gymnasium"])
def test_vector_equals_single_per_sub_env(
    mode: AutoresetMode, limit: int, inner: int | None, single: str
) -> None:
    single_class: Any = TimeLimit if single == "ours" else gym.wrappers.TimeLimit
    compared = {"reward": 0, "reset-step observation": 0, "final observation": 0}

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        compared[what] = compared.get(what, 0) + 1
        np.testing.assert_array_equal(vector_value, single_value, err_msg=f"{what} of {index}")

    _vector, _ = drive(
        lambda: _cartpole(inner),
        lambda envs: _VectorFlagsInReward(VectorTimeLimit(envs, limit)),
        lambda env: _FlagsInReward(single_class(env, limit)),
        mode=mode,
        num_envs=3,
        steps=400,
        seed=11,
        compare=compare,
    )
    assert compared["reward"] > 500
    if mode is AutoresetMode.NEXT_STEP:
        assert compared["reset-step observation"] > 20
    if mode is AutoresetMode.SAME_STEP:
        assert compared["final observation"] > 20


class _Infos(gym.Wrapper[Any, Any, Any, Any]):
    """Adds step and reset infos, so that the vector infos have rows to merge."""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        obs, info = self.env.reset(seed=seed, options=options)
        self.count = 0
        return obs, {**info, "reset": 1.5, "nested": {"seeded": seed is not None}}

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.count += 1
        return obs, reward, terminated, truncated, {**info, "count": self.count}


def _is(x: object, kinds: Any) -> bool:
    return isinstance(x, kinds)  # without narrowing: the outputs are untyped trees


def _object_array(x: Any) -> bool:
    return _is(x, np.ndarray) and x.dtype == np.dtype(object)


def _same_tree(got: Any, want: Any, where: str) -> None:
    if _is(want, dict):
        assert sorted(got) == sorted(want), where
        for key in want:
            _same_tree(got[key], want[key], f"{where}[{key!r}]")
    elif _is(want, tuple) or _object_array(want):
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            _same_tree(g, w, f"{where}[{index}]")
    else:
        assert np.asarray(got).dtype == np.asarray(want).dtype, where
        np.testing.assert_array_equal(got, want, err_msg=where)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_outputs_and_infos_equal_gymnasium_timelimit_in_each_sub_env(
    mode: AutoresetMode,
) -> None:
    """Anchor: ours around SyncVectorEnv == Gymnasium's TimeLimit inside each sub-env, infos too."""
    limit, n = 6, 3
    theirs = gym.vector.SyncVectorEnv(
        [lambda: gym.wrappers.TimeLimit(_Infos(_cartpole(None)), limit)] * n, autoreset_mode=mode
    )
    ours = VectorTimeLimit(
        gym.vector.SyncVectorEnv([lambda: _Infos(_cartpole(None))] * n, autoreset_mode=mode), limit
    )
    _same_tree(ours.reset(seed=2), theirs.reset(seed=2), "reset")
    rng = np.random.default_rng(5)
    truncations = 0
    for step in range(300):
        actions = rng.integers(0, 2, n)
        got, want = ours.step(actions), theirs.step(actions)
        _same_tree(got, want, f"step {step}")
        done = np.logical_or(want[2], want[3])
        truncations += int(want[3].sum())
        if mode is AutoresetMode.DISABLED and done.any():
            _same_tree(
                ours.reset(options={"reset_mask": done.copy()}),
                theirs.reset(options={"reset_mask": done.copy()}),
                f"partial reset {step}",
            )
    assert truncations > 30


# -- vector on every backend, on array_env's native vector env --------------------------------


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_counts_on_the_device_per_sub_env(backend: Backend, mode: AutoresetMode) -> None:
    n, limit = 4, 6
    base = CartPoleVectorEnv(
        n, max_episode_steps=None, autoreset_mode=mode, xp=backend.namespace_name,
        device=backend.device_spec,
    )  # fmt: skip
    envs = VectorTimeLimit(base, limit)
    envs.reset(seed=3)
    rng = np.random.default_rng(0)
    counts = np.zeros(n, np.int64)
    prev_done = np.zeros(n, bool)
    truncations = 0
    for _ in range(120):
        actions = backend.asarray(rng.integers(0, 2, n).tolist(), "int64")
        with no_host_sync(backend):
            obs, rewards, terminated, truncated, infos = envs.step(actions)
        assert_on_backend((obs, rewards, terminated, truncated), backend.xp, backend.device)
        assert_on_backend(envs.elapsed_steps, backend.xp, backend.device)
        term, trunc, host_obs = to_host(terminated), to_host(truncated), to_host(obs)
        if mode is AutoresetMode.NEXT_STEP:
            counts = np.where(prev_done, 0, counts + 1)
            assert not trunc[prev_done].any()
            assert not term[prev_done].any()
            assert (to_host(rewards)[prev_done] == 0).all()
            assert (np.abs(host_obs[prev_done]) <= 0.05).all(), "reset step without a reset"
        else:
            counts = counts + 1
        np.testing.assert_array_equal(trunc, counts >= limit)
        np.testing.assert_array_equal(
            to_host(envs.elapsed_steps),
            np.where((term | trunc) & (mode is AutoresetMode.SAME_STEP), 0, counts),
        )
        done = term | trunc
        truncations += int(trunc.sum())
        if mode is AutoresetMode.SAME_STEP:
            assert (np.abs(host_obs[trunc]) <= 0.05).all(), "same-step truncation without a reset"
            assert to_host(infos["_final_obs"])[done].all()
            counts = np.where(done, 0, counts)
        if mode is AutoresetMode.DISABLED and done.any():
            envs.reset(options={"reset_mask": backend.asarray(done.tolist(), "bool")})
            counts = np.where(done, 0, counts)
            np.testing.assert_array_equal(to_host(envs.elapsed_steps), counts)
        prev_done = done
    assert truncations > 10


def test_vector_rejects_flags_of_another_namespace_and_keeps_counts() -> None:
    class Swap(VectorWrapper[Any, Any, Any, Any, Any]):
        wrong = False

        def step(self, actions: Any) -> Any:
            obs, r, te, tr, info = self.env.step(actions)
            return obs, r, (te.astype(np.int8) if self.wrong else te), tr, info

    swap = Swap(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs = VectorTimeLimit(swap, 50)
    envs.reset(seed=0)
    envs.step(np.zeros(2, np.int64))
    before = envs.elapsed_steps.copy()
    swap.wrong = True
    with pytest.raises(ArrayMismatchError, match="TimeLimit: terminated has dtype int8"):
        envs.step(np.zeros(2, np.int64))
    np.testing.assert_array_equal(envs.elapsed_steps, before)
