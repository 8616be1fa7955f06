from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers array_env/CartPole-v1
from array_env._checks import ArrayMismatchError
from array_env._ops.fast_namespace import fast_namespace
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import RecordEpisodeStatistics as VectorRecordEpisodeStatistics
from array_env.wrappers import RecordEpisodeStatistics
from tests.autoreset_driver import MODES, drive


def _host(x: Any) -> Any:
    # issubclass(type(x)) rather than isinstance(x), which would narrow x to np.generic[Unknown]
    scalar = issubclass(type(x), np.generic) or not hasattr(x, "shape")
    return np.asarray(x) if scalar else to_host(x)


def _single_rollout(env: Any, env_id: str, steps: int, seed: int) -> list[tuple[Any, Any]]:
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    episodes: list[tuple[Any, Any]] = []
    for _ in range(steps):
        if env_id.startswith("CartPole"):
            action: Any = int(rng.integers(2))
        else:
            action = rng.uniform(-2, 2, (1,)).astype(np.float32)
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            episodes.append((info["episode"]["r"], info["episode"]["l"]))
            assert info["episode"]["t"] >= 0
            env.reset()
        else:
            assert "episode" not in info
    return episodes


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_equals_gymnasium_on_numpy(env_id: str) -> None:
    ours = RecordEpisodeStatistics(gym.make(env_id), buffer_length=5)
    theirs = gym.wrappers.RecordEpisodeStatistics(gym.make(env_id), buffer_length=5)
    actual = _single_rollout(ours, env_id, 3000, seed=9)
    expected = _single_rollout(theirs, env_id, 3000, seed=9)
    assert len(actual) == len(expected) >= 14
    for (r, length), (want_r, want_l) in zip(actual, expected, strict=True):
        assert type(r) is type(want_r)
        assert (r, length) == (want_r, want_l)
    assert list(ours.return_queue) == list(theirs.return_queue)
    assert list(ours.length_queue) == list(theirs.length_queue)
    assert len(ours.time_queue) == len(theirs.time_queue) == 5
    assert ours.episode_count == theirs.episode_count


class RewardOnBackend(gym.Wrapper[Any, Any, Any, Any]):
    """Hands rewards out as 0-d arrays of ``backend`` (like array_env's own envs)."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        dtype = "float64" if self.backend.has_float64 else "float32"
        return obs, self.backend.asarray(np.asarray(reward), dtype), terminated, truncated, info


def test_single_keeps_array_returns_on_their_backend(backend: Backend) -> None:
    expected = _single_rollout(
        RecordEpisodeStatistics(gym.make("Pendulum-v1")), "Pendulum-v1", 600, seed=2
    )
    env = RecordEpisodeStatistics(RewardOnBackend(gym.make("Pendulum-v1"), backend))
    actual = _single_rollout(env, "Pendulum-v1", 600, seed=2)
    assert [length for _, length in actual] == [length for _, length in expected]
    for r, want in zip([r for r, _ in actual], [r for r, _ in expected], strict=True):
        assert_on_backend(r, backend.xp, backend.device)
        np.testing.assert_allclose(to_host(r), want, rtol=1e-5)
    queue = list(env.return_queue)
    assert all(type(r) is float for r in queue)
    np.testing.assert_allclose(queue, [r for r, _ in expected], rtol=1e-5)


def test_single_rejects_a_reward_of_another_namespace_and_keeps_state() -> None:
    rewards = RewardOnBackend(gym.make("Pendulum-v1"), Backend.NUMPY)
    env = RecordEpisodeStatistics(rewards)
    env.reset(seed=0)
    env.step(np.zeros(1, np.float32))
    before = (float(env.episode_returns), env.episode_lengths, env.episode_start_time)
    rewards.backend = Backend.ARRAY_API_STRICT
    with pytest.raises(ArrayMismatchError, match="RecordEpisodeStatistics: reward must be a numpy"):
        env.step(np.zeros(1, np.float32))
    assert (float(env.episode_returns), env.episode_lengths, env.episode_start_time) == before


def test_constructor_errors() -> None:
    # Callable[..., object]: the wrong argument types below are the point of the test
    constructors: list[tuple[Callable[..., object], Any]] = [
        (RecordEpisodeStatistics, gym.make("CartPole-v1")),
        (VectorRecordEpisodeStatistics, gym.make_vec("CartPole-v1", 2)),
    ]
    for cls, env in constructors:
        with pytest.raises(ValueError, match="buffer_length must be at least 1, got 0"):
            cls(env, buffer_length=0)
        with pytest.raises(ValueError, match="buffer_length must be at least 1, got -3"):
            cls(env, buffer_length=-3)
        with pytest.raises(TypeError, match="buffer_length must be an int, got float"):
            cls(env, buffer_length=2.5)
        with pytest.raises(TypeError, match="stats_key must be a str, got int"):
            cls(env, stats_key=3)


def test_existing_info_key_is_an_error() -> None:
    class Clash(gym.Wrapper[Any, Any, Any, Any]):
        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            return obs, reward, terminated, truncated, {**info, "episode": 1}

    env = RecordEpisodeStatistics(Clash(gym.make("CartPole-v1")))
    env.reset(seed=0)

    def run_episode() -> None:
        for _ in range(100):
            env.step(1)

    with pytest.raises(ValueError, match="info already has the key 'episode'"):
        run_episode()


def _vector_rollout(envs: Any, steps: int, seed: int, *, mode: AutoresetMode) -> list[Any]:
    """Per step: ``None`` without statistics, else host ``(mask, r, l)``; plus partial resets."""
    rng = np.random.default_rng(seed)
    envs.reset(seed=seed)
    out: list[Any] = []
    for _ in range(steps):
        actions = rng.integers(0, 2, int(envs.num_envs))
        _, _, terminated, truncated, infos = envs.step(actions)
        if "episode" in infos:
            mask = to_host(infos["_episode"])
            out.append((mask, to_host(infos["episode"]["r"]), to_host(infos["episode"]["l"])))
            assert (to_host(infos["episode"]["t"])[mask] >= 0).all()
        else:
            out.append(None)
        done = np.logical_or(to_host(terminated), to_host(truncated))
        if mode is AutoresetMode.DISABLED and done.any():
            envs.reset(options={"reset_mask": done})
    return out


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP], ids=str)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    # Disabled mode is left out: Gymnasium's wrapper reads options["reset_mask"] after
    # SyncVectorEnv has popped it, so it clears every sub-env's statistics on a partial reset.
    def make() -> Any:
        return SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 4, autoreset_mode=mode)

    ours = VectorRecordEpisodeStatistics(make(), buffer_length=7)
    theirs = gym.wrappers.vector.RecordEpisodeStatistics(make(), buffer_length=7)
    actual = _vector_rollout(ours, 1500, 3, mode=mode)
    expected = _vector_rollout(theirs, 1500, 3, mode=mode)
    assert sum(e is not None for e in expected) > 50
    for got, want in zip(actual, expected, strict=True):
        if want is None:
            assert got is None
            continue
        for a, b in zip(got, want, strict=True):
            assert a.dtype.kind == b.dtype.kind
            np.testing.assert_array_equal(a, b)
    assert list(ours.return_queue) == list(theirs.return_queue)
    assert list(ours.length_queue) == list(theirs.length_queue)
    assert len(ours.time_queue) == 7
    assert ours.episode_count == theirs.episode_count


class EpisodeLog(gym.Wrapper[Any, Any, Any, Any]):
    """Keeps the (r, l) of every episode its single env's statistics wrapper reports."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.episodes: list[tuple[float, int]] = []

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if "episode" in info:
            self.episodes.append((float(info["episode"]["r"]), int(info["episode"]["l"])))
        return obs, reward, terminated, truncated, info


class VectorEpisodeLog(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Keeps every sub-env's (r, l) episodes as the vector statistics wrapper reports them."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.episodes: list[list[tuple[float, int]]] = [[] for _ in range(self.num_envs)]

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        if "episode" in infos:
            for i in np.flatnonzero(to_host(infos["_episode"])):
                self.episodes[i].append(
                    (float(infos["episode"]["r"][i]), int(infos["episode"]["l"][i]))
                )
        return obs, rewards, terminated, truncated, infos


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode) -> None:
    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(_host(vector_value), _host(single_value), err_msg=what)

    vector, singles = drive(
        lambda: gym.make("CartPole-v1"),
        lambda envs: VectorEpisodeLog(VectorRecordEpisodeStatistics(envs, buffer_length=1000)),
        lambda env: EpisodeLog(RecordEpisodeStatistics(env)),
        mode=mode, num_envs=4, steps=500, seed=21, compare=compare,
    )  # fmt: skip
    total = 0
    for i, single in enumerate(singles):
        assert vector.episodes[i] == single.episodes, f"sub-env {i}"
        total += len(single.episodes)
    assert total > 25
    assert vector.env.episode_count == total
    assert sorted(vector.env.length_queue) == sorted(
        length for single in singles for _, length in single.episodes
    )


def _native_rollout(backend: Backend, mode: AutoresetMode, steps: int) -> tuple[list[Any], Any]:
    envs = gym.make_vec(
        "array_env/CartPole-v1", 4, vectorization_mode="vector_entry_point",
        xp=backend.namespace_name, device=backend.device_spec, autoreset_mode=mode,
    )  # fmt: skip
    envs = VectorRecordEpisodeStatistics(envs, buffer_length=6)
    rng = np.random.default_rng(1)
    envs.reset(seed=1)
    out: list[tuple[Any, Any, Any]] = []
    for _ in range(steps):
        actions = backend.asarray(rng.integers(0, 2, 4), "int64" if backend.has_float64 else None)
        _, _, terminated, truncated, infos = envs.step(actions)
        if backend is not Backend.NUMPY:
            assert "episode" in infos  # a device mask cannot be asked whether any finished
        if "episode" in infos:
            assert_on_backend(infos["episode"], backend.xp, backend.device)
            assert_on_backend(infos["_episode"], backend.xp, backend.device)
            mask = to_host(infos["_episode"])
            out.append((mask, to_host(infos["episode"]["r"]), to_host(infos["episode"]["l"])))
        done = np.logical_or(to_host(terminated), to_host(truncated))
        if backend is Backend.NUMPY:
            assert ("episode" in infos) == done.any()
        if mode is AutoresetMode.DISABLED and done.any():
            envs.reset(options={"reset_mask": backend.asarray(done)})
    queues = (list(envs.return_queue), list(envs.length_queue), envs.episode_count)
    return [e for e in out if e[0].any()], queues


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    expected, expected_queues = _native_rollout(Backend.NUMPY, mode, 100)
    actual, queues = _native_rollout(backend, mode, 100)
    assert len(actual) == len(expected) > 5
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
        np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_allclose(queues[0], expected_queues[0], rtol=1e-6)
    assert queues[1:] == expected_queues[1:]


def _state(envs: Any) -> list[np.ndarray]:
    queues = [np.asarray(list(q)) for q in (envs.return_queue, envs.length_queue)]
    return [to_host(x).copy() for x in envs._tally] + queues + [np.asarray(envs.episode_count)]


def test_vector_rejects_bad_rewards_and_keeps_state() -> None:
    class Bad(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        bad: Any = None

        def step(self, actions: Any) -> Any:
            obs, rewards, *rest = self.env.step(actions)
            return (obs, rewards if self.bad is None else self.bad, *rest)

    inner = Bad(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"))
    envs = VectorRecordEpisodeStatistics(inner)
    envs.reset(seed=0)
    for _ in range(20):
        envs.step(np.ones(3, dtype=np.int64))
    before = _state(envs)
    for bad, message in [
        (np.ones(2), r"rewards has shape \(2,\), expected \(3,\)"),
        (Backend.ARRAY_API_STRICT.asarray([1.0, 1.0, 1.0]), "rewards must be a numpy array"),
        (np.ones(3, np.float32), "rewards has dtype float32, expected float64"),
    ]:
        inner.bad = bad
        with pytest.raises(ArrayMismatchError, match=f"RecordEpisodeStatistics: {message}"):
            envs.step(np.ones(3, dtype=np.int64))
        for a, b in zip(_state(envs), before, strict=True):
            np.testing.assert_array_equal(a, b)


def test_single_rejects_a_reward_of_another_shape() -> None:
    class Wide(gym.Wrapper[Any, Any, Any, Any]):
        wide = False

        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            return obs, np.full(2 if self.wide else (), reward), terminated, truncated, info

    inner = Wide(gym.make("CartPole-v1"))
    env = RecordEpisodeStatistics(inner)
    env.reset(seed=0)
    env.step(1)
    inner.wide = True
    with pytest.raises(ArrayMismatchError, match=r"reward has shape \(2,\), expected \(\)"):
        env.step(1)
    assert env.episode_lengths == 1


# ---- hardening (issue 14) and Gymnasium's attributes (issue 15, item 6) -------------------


class WalkerRewards(gym.Wrapper[Any, Any, Any, Any]):
    """BipedalWalker-v3's reward types: ``np.float32``, and a Python int -100 when it falls."""

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            return obs, -100, terminated, truncated, info
        return obs, np.float32(reward), terminated, truncated, info


def test_mixed_host_reward_types_equal_gymnasium() -> None:
    ours = RecordEpisodeStatistics(WalkerRewards(gym.make("CartPole-v1")), buffer_length=5)
    theirs = gym.wrappers.RecordEpisodeStatistics(
        WalkerRewards(gym.make("CartPole-v1")), buffer_length=5
    )
    actual = _single_rollout(ours, "CartPole-v1", 1500, seed=3)
    expected = _single_rollout(theirs, "CartPole-v1", 1500, seed=3)
    assert len(actual) == len(expected) > 20
    for (r, length), (want_r, want_l) in zip(actual, expected, strict=True):
        assert type(r) is type(want_r)
        assert (r, length) == (want_r, want_l)
    assert list(ours.return_queue) == list(theirs.return_queue)


def test_single_array_returns_are_detached_and_not_shared_with_info() -> None:
    torch = pytest.importorskip("torch")
    if Backend.TORCH.unavailable_reason:
        pytest.skip(Backend.TORCH.unavailable_reason)

    class Learned(gym.Wrapper[Any, Any, Any, Any]):
        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            value = torch.tensor(float(reward), requires_grad=True) * 1.0
            return obs, value, terminated, truncated, info

    env = RecordEpisodeStatistics(Learned(gym.make("CartPole-v1")))
    env.reset(seed=0)
    while True:
        _, reward, terminated, truncated, info = env.step(1)
        if terminated or truncated:
            break
    assert reward.requires_grad  # the output is the env's own reward
    assert not env.episode_returns.requires_grad
    returns = float(info["episode"]["r"])
    info["episode"]["r"] /= 100
    assert list(env.return_queue) == [returns]
    assert float(env.episode_returns) == returns


def test_vector_info_does_not_alias_the_history() -> None:
    envs = VectorRecordEpisodeStatistics(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"))
    envs.reset(seed=123)
    while True:
        *_, infos = envs.step(np.ones(3, dtype=np.int64))
        if "episode" in infos:
            break
    returns, lengths = list(envs.return_queue), list(envs.length_queue)
    prev_dones = np.array(envs.prev_dones)
    assert len(returns) == envs.episode_count == 2
    infos["episode"]["r"] /= 100
    infos["episode"]["l"][:] = 0
    infos["episode"]["t"][:] = -1
    infos["_episode"][:] = False
    assert list(envs.return_queue) == returns
    assert list(envs.length_queue) == lengths
    assert all(t >= 0 for t in envs.time_queue)
    np.testing.assert_array_equal(envs.prev_dones, prev_dones)


def test_vector_failed_first_contact_leaves_the_wrapper_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import array_env.vector.common as vector_common
    from array_env._ops.episode_log import start_log

    def make() -> Any:
        return gym.make_vec(
            "array_env/CartPole-v1", 3, vectorization_mode="vector_entry_point",
            xp="array_api_strict",
        )  # fmt: skip

    envs = VectorRecordEpisodeStatistics(make(), buffer_length=4)
    reference = VectorRecordEpisodeStatistics(make(), buffer_length=4)

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("out of device memory")

    monkeypatch.setattr(vector_common, "start_log", out_of_memory)
    xp = Backend.ARRAY_API_STRICT.xp
    envs.reset(seed=2)
    reference.reset(seed=2)
    with pytest.raises(MemoryError):
        envs.step(xp.ones(3, dtype=xp.int64))
    assert envs.episode_count == 0
    assert envs._contract is None  # pyright: ignore[reportPrivateUsage]  # nothing adopted
    monkeypatch.setattr(vector_common, "start_log", start_log)
    envs.reset(seed=2)
    for _ in range(60):
        envs.step(xp.ones(3, dtype=xp.int64))
        reference.step(xp.ones(3, dtype=xp.int64))
    assert envs.episode_count == reference.episode_count > 4
    assert list(envs.length_queue) == list(reference.length_queue)


def test_vector_huge_buffer_length_on_torch_fails_cleanly() -> None:
    torch = pytest.importorskip("torch")
    if Backend.TORCH.unavailable_reason:
        pytest.skip(Backend.TORCH.unavailable_reason)

    class OnTorch(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            obs, *rest, info = self.env.step(actions)
            return (obs, *(torch.as_tensor(x) for x in rest), info)

    envs = VectorRecordEpisodeStatistics(
        OnTorch(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")), buffer_length=2**62
    )
    envs.reset(seed=0)
    for _ in range(3):
        with pytest.raises((RuntimeError, MemoryError)):
            envs.step(np.ones(2, dtype=np.int64))
    assert envs.episode_count == 0
    assert list(envs.return_queue) == []


@pytest.mark.parametrize(
    ("mask", "error", "message"),
    [
        (np.ones(1, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(1,\)"),
        (np.ones(4, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(4,\)"),
        ([True, False, True], TypeError, r"must be a boolean array of shape \(3,\), got list"),
        (False, TypeError, r"must be a boolean array of shape \(3,\), got bool"),
        (np.ones(3, np.int64), TypeError, "must have `dtype=bool`, got int64"),
    ],
)
def test_vector_checks_the_reset_mask_before_resetting(mask: Any, error: Any, message: str) -> None:
    class Counting(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        resets = 0

        def reset(self, **kwargs: Any) -> Any:
            self.resets += 1
            return self.env.reset(**kwargs)

    inner = Counting(
        SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 3, autoreset_mode=AutoresetMode.DISABLED)
    )
    envs = VectorRecordEpisodeStatistics(inner)
    envs.reset(seed=0)
    for _ in range(3):
        envs.step(np.ones(3, dtype=np.int64))
    before, resets = _state(envs), inner.resets
    with pytest.raises(
        error, match=f"RecordEpisodeStatistics: `options\\['reset_mask'\\]` {message}"
    ):
        envs.reset(options={"reset_mask": mask})
    assert inner.resets == resets
    for a, b in zip(_state(envs), before, strict=True):
        np.testing.assert_array_equal(a, b)


class FakeClock:
    """``time.perf_counter`` replaced by a clock the test sets."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_durations_restart_with_each_episode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each episode's ``"t"`` runs from its own start: the reset, or the previous episode's end.

    Truncated every 5 steps, the env runs on with or without a reset (Pendulum needs none), and
    the clock jumps before each reset: one tick per step makes every ``"t"`` exactly 5.
    """
    import time

    class TruncateEveryFive(gym.Wrapper[Any, Any, Any, Any]):
        steps = 0

        def step(self, action: Any) -> Any:
            obs, reward, terminated, _, info = self.env.step(action)
            self.steps += 1
            return obs, reward, terminated, self.steps % 5 == 0, info

    clock = FakeClock()
    monkeypatch.setattr(time, "perf_counter", clock)
    ours = RecordEpisodeStatistics(TruncateEveryFive(gym.make("Pendulum-v1").unwrapped))
    theirs = gym.wrappers.RecordEpisodeStatistics(
        TruncateEveryFive(gym.make("Pendulum-v1").unwrapped)
    )
    for env in (ours, theirs):
        env.reset(seed=0)
    times: list[float] = []
    for step in range(60):
        clock.now += 1.0
        action = np.zeros(1, np.float32)
        a, b = ours.step(action), theirs.step(action)
        assert ("episode" in a[4]) == ("episode" in b[4])
        if "episode" in a[4]:
            assert a[4]["episode"]["t"] == b[4]["episode"]["t"]
            times.append(a[4]["episode"]["t"])
            if step % 10 == 4:  # every other episode: a reset, a while after the end
                clock.now += 100.0
                ours.reset()
                theirs.reset()
    assert times == [5.0] * 12
    assert list(ours.time_queue) == list(theirs.time_queue)
    assert ours.episode_start_time == theirs.episode_start_time


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_durations_restart_with_each_episode(
    mode: AutoresetMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    clock = FakeClock()
    monkeypatch.setattr(time, "perf_counter", clock)

    def make() -> Any:
        return SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 3, autoreset_mode=mode)

    ours = VectorRecordEpisodeStatistics(make())
    theirs = gym.wrappers.vector.RecordEpisodeStatistics(make())
    for envs in (ours, theirs):
        envs.reset(seed=4)
    rng = np.random.default_rng(0)
    finished = 0
    for step in range(300):
        clock.now = 1000.0 + 10 * step
        actions = rng.integers(0, 2, 3)
        a, b = ours.step(actions), theirs.step(actions)
        if "episode" in b[4]:
            mask = b[4]["_episode"]
            finished += int(mask.sum())
            np.testing.assert_allclose(a[4]["episode"]["t"][mask], b[4]["episode"]["t"][mask])
            np.testing.assert_array_equal(a[4]["episode"]["l"], b[4]["episode"]["l"])
        done = np.logical_or(b[2], b[3])
        if mode is AutoresetMode.DISABLED and done.any():
            # Gymnasium's vector wrapper reads the mask after the env popped it (it restarts
            # every sub-env): its per-sub-env twin is checked below instead
            ours.reset(options={"reset_mask": done})
            theirs.reset(options={"reset_mask": done.copy()})
            break
    assert finished > 5 or mode is AutoresetMode.DISABLED


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(
    mode: AutoresetMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anchored to Gymnasium's own single wrapper, durations included (a fake clock)."""
    import time

    clock = FakeClock()
    monkeypatch.setattr(time, "perf_counter", clock)

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(_host(vector_value), _host(single_value), err_msg=what)

    class Ticking(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        """One clock tick per vector step: the singles' steps and resets share its time."""

        def step(self, actions: Any) -> Any:
            clock.now += 1.0
            return self.env.step(actions)

    class TimedLog(gym.Wrapper[Any, Any, Any, Any]):
        def __init__(self, env: gym.Env[Any, Any]) -> None:
            super().__init__(env)
            self.episodes: list[tuple[float, int, float]] = []

        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            if "episode" in info:
                episode = info["episode"]
                self.episodes.append((float(episode["r"]), int(episode["l"]), episode["t"]))
            return obs, reward, terminated, truncated, info

    class TimedVectorLog(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def __init__(self, env: Any) -> None:
            super().__init__(env)
            self.episodes: list[list[tuple[float, int, float]]] = [[] for _ in range(4)]

        def step(self, actions: Any) -> Any:
            obs, rewards, terminated, truncated, infos = self.env.step(actions)
            if "episode" in infos:
                episode = infos["episode"]
                for i in np.flatnonzero(to_host(infos["_episode"])):
                    self.episodes[i].append(
                        (float(episode["r"][i]), int(episode["l"][i]), float(episode["t"][i]))
                    )
            return obs, rewards, terminated, truncated, infos

    vector, singles = drive(
        lambda: gym.make("CartPole-v1"),
        lambda envs: TimedVectorLog(VectorRecordEpisodeStatistics(Ticking(envs), 1000)),
        lambda env: TimedLog(gym.wrappers.RecordEpisodeStatistics(env)),
        mode=mode, num_envs=4, steps=500, seed=21, compare=compare,
    )  # fmt: skip
    total = 0
    for i, single in enumerate(singles):
        got, want = vector.episodes[i], single.episodes
        assert [e[:2] for e in got] == [e[:2] for e in want], f"sub-env {i}"
        np.testing.assert_allclose([e[2] for e in got], [e[2] for e in want], atol=1e-9)
        assert all(e[2] > 0 for e in want)
        total += len(want)
    assert total > 25
    assert vector.env.episode_count == total


def test_episode_log_keeps_the_last_episodes_when_more_finish_than_it_holds() -> None:
    from array_env._ops.episode_log import read_log, record_episodes, start_log

    for member in (Backend.ARRAY_API_STRICT, Backend.NUMPY, Backend.TORCH, Backend.JAX):
        if member.unavailable_reason:
            continue
        xp = fast_namespace(member.xp)
        log = start_log(3, float_dtype=xp.float32, int_dtype=xp.int32, xp=xp, device=member.device)
        done = member.asarray([True, False, True, True, True, True])
        values = member.asarray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "float32")
        lengths = member.asarray([1, 2, 3, 4, 5, 6], "int32")
        log = record_episodes(log, done, values, lengths, values, capacity=3, xp=xp)
        returns, lengths_read, _ = read_log(log, 3)
        assert returns.tolist() == [4.0, 5.0, 6.0], member
        assert lengths_read.tolist() == [4, 5, 6], member
        log = record_episodes(log, done, values, lengths, values, capacity=3, xp=xp)
        assert read_log(log, 3)[0].tolist() == [4.0, 5.0, 6.0], member
        assert int(to_host(log.count)) == 10


def test_gymnasium_attributes_with_gymnasium_meaning() -> None:
    buffer_length: Any = np.int64(3)  # Gymnasium's deque takes it
    ours = RecordEpisodeStatistics(gym.make("CartPole-v1"), buffer_length=buffer_length)
    theirs = gym.wrappers.RecordEpisodeStatistics(gym.make("CartPole-v1"), buffer_length=3)
    names: tuple[str, ...] = ("time_queue", "return_queue", "length_queue", "episode_count")
    names += ("episode_start_time", "episode_returns", "episode_lengths")
    for name in names:
        assert hasattr(ours, name), name
        assert hasattr(theirs, name), name
    for env in (ours, theirs):
        env.reset(seed=0)
        for _ in range(5):
            env.step(1)
    assert (ours.episode_returns, ours.episode_lengths) == (5.0, 5)
    ours.episode_returns, ours.episode_lengths, ours.episode_start_time = 1.0, 2, 3.0
    assert (ours.episode_returns, ours.episode_lengths, ours.episode_start_time) == (1.0, 2, 3.0)
    vector = VectorRecordEpisodeStatistics(gym.make_vec("CartPole-v1", 2), buffer_length=4)
    reference = gym.wrappers.vector.RecordEpisodeStatistics(gym.make_vec("CartPole-v1", 2))
    for name in (*names[:4], "episode_start_times", "episode_returns", "episode_lengths"):
        assert hasattr(vector, name), name
        assert hasattr(reference, name), name
    assert hasattr(vector, "prev_dones")
    assert hasattr(reference, "prev_dones")
    np.testing.assert_array_equal(vector.episode_returns, reference.episode_returns)
    np.testing.assert_array_equal(vector.episode_lengths, reference.episode_lengths)
    vector.reset(seed=0)
    reference.reset(seed=0)
    for _ in range(3):
        vector.step(np.ones(2, dtype=np.int64))
        reference.step(np.ones(2, dtype=np.int64))
    np.testing.assert_array_equal(vector.episode_returns, reference.episode_returns)
    np.testing.assert_array_equal(vector.episode_lengths, reference.episode_lengths)
    np.testing.assert_array_equal(vector.prev_dones, reference.prev_dones)
    np.testing.assert_allclose(vector.episode_start_times, reference.episode_start_times, atol=0.1)
