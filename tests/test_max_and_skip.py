"""MaxAndSkipObservation, single and vector, against Gymnasium's and across backends."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env._checks import ArrayMismatchError
from array_env._ops.fast_namespace import fast_namespace
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import MaxAndSkipObservation as VectorMaxAndSkip
from array_env.wrappers import MaxAndSkipObservation
from array_env.wrappers.max_and_skip import FramePair, max_frame
from tests._image_envs import OnBackend, RandomFrames
from tests.autoreset_driver import MODES, drive


def _rollout(env: gym.Env[Any, Any], steps: int, seed: int) -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(seed)
    out: list[tuple[Any, ...]] = [(to_host(env.reset(seed=seed)[0]),)]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
        out.append((to_host(obs), reward, bool(terminated), bool(truncated)))
        if terminated or truncated:
            out.append((to_host(env.reset()[0]),))
    return out


@pytest.mark.parametrize("skip", [2, 3, 4])
@pytest.mark.parametrize(
    "make", [lambda: gym.make("CartPole-v1"), lambda: RandomFrames((6, 5, 3), mean_length=6)],
    ids=["CartPole", "RandomFrames"],
)  # fmt: skip
def test_equals_gymnasium_on_numpy(make: Any, skip: int) -> None:
    """Random frames end episodes at every repeat: Gymnasium's stale-buffer cases included."""
    ours = MaxAndSkipObservation(make(), skip=skip)
    theirs = gym.wrappers.MaxAndSkipObservation(make(), skip=skip)
    assert ours.observation_space == theirs.observation_space
    expected, actual = _rollout(theirs, 3000, seed=5), _rollout(ours, 3000, seed=5)
    assert len(actual) == len(expected) > 3000
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got[0], want[0])
        assert got[0].dtype == want[0].dtype
        assert got[1:] == want[1:]
        assert type(got[1:2]) is type(want[1:2])


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rollout(MaxAndSkipObservation(RandomFrames((6, 5, 3), 6), 3), 200, seed=2)
    env = MaxAndSkipObservation(OnBackend(RandomFrames((6, 5, 3), 6), backend), 3)
    env.reset(seed=2)
    obs, *_ = env.step(0)
    assert_on_backend(obs, backend.xp, backend.device)
    actual = _rollout(env, 200, seed=2)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1:] == want[1:]


def test_device_rewards_stay_on_device(backend: Backend) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the reference env builds its own arrays: same as numpy")
    env = gym.make("array_env/Catch-v0", xp=backend.namespace_name, device=backend.device_spec)
    env = MaxAndSkipObservation(env, skip=2)
    env.reset(seed=0)
    obs, reward, *_ = env.step(backend.asarray(1, "int64" if backend.has_float64 else "int32"))
    assert_on_backend((obs, reward), backend.xp, backend.device)


def test_core_under_jax_jit_equals_eager() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    pair = FramePair(jnp.asarray([[1, 9], [3, 4]]), jnp.asarray([[5, 2], [3, 8]]))  # pyright: ignore[reportUnknownMemberType]
    eager = max_frame(pair, xp=jnp)
    jitted = jax.jit(lambda p: max_frame(p, xp=jnp))(pair)  # pyright: ignore[reportUnknownArgumentType, reportUnknownLambdaType]
    np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))
    np.testing.assert_array_equal(np.asarray(eager), [[5, 9], [3, 8]])


@pytest.mark.parametrize(
    "mode", [AutoresetMode.SAME_STEP, AutoresetMode.DISABLED], ids=lambda m: m.value
)
@pytest.mark.parametrize("skip", [2, 4])
def test_vector_equals_single_when_episodes_end_on_the_last_repeat(
    mode: AutoresetMode, skip: int
) -> None:
    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(
            to_host(vector_value), to_host(single_value), err_msg=f"{what}, sub-env {index}"
        )

    drive(
        lambda: RandomFrames((5, 4, 3), length=3 * skip),
        lambda envs: VectorMaxAndSkip(envs, skip),
        lambda env: MaxAndSkipObservation(env, skip),
        mode=mode, num_envs=3, steps=200, seed=4, compare=compare,
    )  # fmt: skip


def test_vector_next_step_masks_repeats_after_an_end() -> None:
    """Per sub-env: reward and flags up to its end; the next outer step is its reset step."""
    # Catch episodes last 11 steps: with skip 4 they end on the third repeat of the third step
    envs = gym.make_vec("array_env/Catch-v0", 2, vectorization_mode="sync", xp="numpy")
    envs = VectorMaxAndSkip(envs, 4)
    obs, _ = envs.reset(seed=0)
    single = MaxAndSkipObservation(gym.make("array_env/Catch-v0", xp="numpy"), 4)
    single_obs, _ = single.reset(seed=0)
    np.testing.assert_array_equal(obs[0], single_obs)
    for _ in range(2):
        obs, rewards, terminated, _, _ = envs.step(np.array([1, 1]))
        s_obs, s_reward, s_terminated, *_ = single.step(np.asarray(1))
        np.testing.assert_array_equal(obs[0], s_obs)
        assert float(rewards[0]) == float(s_reward)
        assert not terminated.any()
    obs, rewards, terminated, _, _ = envs.step(np.array([1, 1]))
    s_obs, s_reward, s_terminated, *_ = single.step(np.asarray(1))
    np.testing.assert_array_equal(obs[0], s_obs)
    assert bool(terminated[0])
    assert bool(s_terminated)
    assert float(rewards[0]) == float(s_reward)
    obs, rewards, terminated, truncated, _ = envs.step(np.array([1, 1]))
    assert rewards.tolist() == [0.0, 0.0]
    assert not (terminated | truncated).any()
    np.testing.assert_array_equal(obs[0], single.reset()[0])  # the reset step's observation


def test_constructor_errors_match_gymnasium() -> None:
    for skip, error in [(1, ValueError), (2.0, TypeError), ("4", TypeError)]:
        with pytest.raises(error) as theirs:
            gym.wrappers.MaxAndSkipObservation(gym.make("CartPole-v1"), skip=skip)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        with pytest.raises(error) as ours:
            MaxAndSkipObservation(gym.make("CartPole-v1"), skip=skip)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        assert str(ours.value) == str(theirs.value)
        with pytest.raises(error):
            VectorMaxAndSkip(gym.make_vec("CartPole-v1", 2), skip=skip)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


class _Feed(gym.Env[Any, Any]):
    observation_space = gym.spaces.Box(0, 255, (3,), np.uint8)
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.next: Any = np.zeros(3, np.uint8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.next, {}

    def step(self, action: Any) -> Any:
        return self.next, 1.0, False, False, {}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(3, np.float32), "dtype float32, expected uint8"),
        (np.zeros(4, np.uint8), r"shape \(4,\), expected \(3,\)"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
    ],
)
def test_bad_observation_leaves_frames_untouched(bad: Any, message: str) -> None:
    base = _Feed()
    env = MaxAndSkipObservation(base, 2)
    env.reset()
    base.next = np.asarray([1, 2, 3], np.uint8)
    env.step(0)
    before = tuple(np.copy(f) for f in env._pair)  # pyright: ignore[reportPrivateUsage]
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray(np.zeros(3, np.uint8))
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=f"MaxAndSkipObservation: observation.*{message}"):
        env.step(0)
    for kept, old in zip(env._pair, before, strict=True):  # pyright: ignore[reportPrivateUsage]
        np.testing.assert_array_equal(kept, old)


def test_pickles_and_deep_copies() -> None:
    env = MaxAndSkipObservation(RandomFrames((4, 4, 3), 8), 3)
    env.reset(seed=0)
    env.step(0)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        np.testing.assert_array_equal(clone.step(1)[0], copy.deepcopy(env).step(1)[0])
    assert fast_namespace is not None


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_up_to_each_first_end(mode: AutoresetMode) -> None:
    """Per sub-env, every outer step up to and including the one that ends its first episode
    equals Gymnasium's single wrapper: the repeats after an end are masked out of the reward,
    the frames and the flags (ends fall on every repeat here). Disabled mode stops the repeats
    at the first end of any sub-env: compared up to that outer step."""
    from gymnasium.vector import SyncVectorEnv

    def make() -> gym.Env[Any, Any]:
        return RandomFrames((4, 3, 3), mean_length=5)

    for seed in range(40):
        envs = VectorMaxAndSkip(SyncVectorEnv([make] * 3, autoreset_mode=mode), 4)
        singles = [gym.wrappers.MaxAndSkipObservation(make(), 4) for _ in range(3)]
        obs, _ = envs.reset(seed=seed)
        for i, single in enumerate(singles):
            np.testing.assert_array_equal(obs[i], single.reset(seed=seed + i)[0])
        live = np.ones(3, bool)
        rng = np.random.default_rng(seed)
        while live.any():
            actions = rng.integers(0, 3, 3)
            obs, rewards, terminated, truncated, infos = envs.step(actions)
            done = np.logical_or(terminated, truncated)
            for i in np.flatnonzero(live).tolist():
                if mode is AutoresetMode.DISABLED and done.any() and not done[i]:
                    continue  # its repeats were cut short by another sub-env's end
                s_obs, s_reward, s_terminated, s_truncated, _ = singles[i].step(int(actions[i]))
                ended = s_terminated or s_truncated
                frame = (
                    infos["final_obs"][i] if mode is AutoresetMode.SAME_STEP and ended else obs[i]
                )
                np.testing.assert_array_equal(frame, s_obs, err_msg=f"seed {seed}, sub-env {i}")
                assert rewards[i] == pytest.approx(s_reward, rel=1e-12), f"seed {seed}, sub-env {i}"
                assert (bool(terminated[i]), bool(truncated[i])) == (s_terminated, s_truncated)
                live[i] = not ended
            if mode is AutoresetMode.DISABLED and not live.all():
                break
