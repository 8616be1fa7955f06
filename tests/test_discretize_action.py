from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import DiscretizeAction as VectorDiscretizeAction
from array_env.wrappers import DiscretizeAction
from array_env.wrappers.action_transform import BinTable, discretize_action
from tests._recording import Received, VectorReceived
from tests.autoreset_driver import MODES, drive


class BoxEnv(gym.Env[Any, Any]):
    """Declares a Box action space; steps return the action it received as the observation."""

    def __init__(
        self, low: Any = (-1.0, -2.0, 0.0), high: Any = (1.0, 3.0, 7.0), dtype: Any = np.float32
    ) -> None:
        self.box = gym.spaces.Box(np.array(low), np.array(high), dtype=dtype)
        self.action_space = self.observation_space = self.box

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        return self.box.low, {}

    def step(self, action: Any) -> Any:
        return np.asarray(action), 0.0, False, False, {}


def _indices(rng: np.random.Generator, bins: np.ndarray, multidiscrete: bool) -> Any:
    if multidiscrete:  # some out of range: both clip them into range
        return rng.integers(-2, bins + 2)
    return int(rng.integers(-5, int(np.prod(bins)) + 5))  # out of range: both wrap


@pytest.mark.parametrize("multidiscrete", [False, True])
def test_equals_gymnasium_on_numpy(multidiscrete: bool) -> None:
    def rollout(env: gym.Env[Any, Any]) -> list[Any]:
        rng = np.random.default_rng(3)
        out: list[Any] = [env.reset(seed=2)[0]]
        for _ in range(3000):
            step = env.step(_indices(rng, np.array([9]), multidiscrete))
            out += list(step[:4])
            if step[2] or step[3]:
                out.append(env.reset()[0])
        return out

    ours_received = Received(gym.make("Pendulum-v1", max_episode_steps=120))
    theirs_received = Received(gym.make("Pendulum-v1", max_episode_steps=120))
    ours = DiscretizeAction(ours_received, 9, multidiscrete)
    theirs = gym.wrappers.DiscretizeAction(theirs_received, 9, multidiscrete)
    assert ours.action_space == theirs.action_space
    for got, want in zip(rollout(ours), rollout(theirs), strict=True):
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
    for got, want in zip(ours_received.actions, theirs_received.actions, strict=True):
        assert got.dtype == want.dtype
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("multidiscrete", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_dimensional_box_equals_gymnasium(multidiscrete: bool, dtype: Any) -> None:
    bins = (3, 4, 5)
    ours = DiscretizeAction(BoxEnv(dtype=dtype), bins, multidiscrete)
    theirs: Any = gym.wrappers.DiscretizeAction(BoxEnv(dtype=dtype), bins, multidiscrete)
    assert ours.action_space == theirs.action_space
    assert ours.n_dims == theirs.n_dims
    np.testing.assert_array_equal(ours.bins, theirs.bins)
    for a, b in zip(ours.bin_centers, theirs.bin_centers, strict=True):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        index = _indices(rng, np.array(bins), multidiscrete)
        got, want = ours.action(index), theirs.action(index)
        assert got.dtype == want.dtype
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(ours.revert_action(got), theirs.revert_action(want))


def test_host_index_kinds_are_one_kind() -> None:
    env = DiscretizeAction(BoxEnv(), 4)
    expected = env.action(5)
    for index in (np.int64(5), np.int32(5), np.uint8(5), np.array(5), np.array(5, np.int16)):
        np.testing.assert_array_equal(env.action(index), expected)


def test_same_results_on_every_backend(backend: Backend) -> None:
    bins = (3, 4, 5)
    for multidiscrete in (False, True):
        host = DiscretizeAction(BoxEnv(), bins, multidiscrete)
        env = DiscretizeAction(BoxEnv(), bins, multidiscrete)
        rng = np.random.default_rng(1)
        for _ in range(50):
            index = np.asarray(_indices(rng, np.array(bins), multidiscrete))
            got = env.action(backend.asarray(index, "int64"))
            assert_on_backend(got, backend.xp, backend.device)
            want = host.action(index)
            assert to_host(got).shape == want.shape
            np.testing.assert_array_equal(to_host(got), want)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.array([1, 2]), r"shape \(2,\), expected \(\)"),
        (np.array(1.0), "dtype float64, expected an integer dtype"),
        ("strict", "must be host integers, got Array"),
        ("x", "must be integer indices, got 'x'|dtype <U1"),
    ],
)
def test_bad_index_is_rejected_before_the_env_steps(bad: Any, message: str) -> None:
    received = Received(gym.make("Pendulum-v1"))
    env = DiscretizeAction(received, 5)
    env.reset(seed=0)
    env.step(2)
    table = env._table  # pyright: ignore[reportPrivateUsage]
    if isinstance(bad, str) and bad == "strict":
        bad = Backend.ARRAY_API_STRICT.asarray(1, "int64")
    with pytest.raises(ArrayMismatchError, match=f"DiscretizeAction: action.*({message})"):
        env.step(bad)
    assert len(received.actions) == 1
    assert env._table is table  # pyright: ignore[reportPrivateUsage]


def test_array_index_stream_rejects_mismatches() -> None:
    env = DiscretizeAction(BoxEnv(), 4, multidiscrete=True)
    env.action(Backend.ARRAY_API_STRICT.asarray([1, 2, 3], "int64"))
    with pytest.raises(ArrayMismatchError, match=r"DiscretizeAction: action has dtype .*int32"):
        env.action(Backend.ARRAY_API_STRICT.asarray([1, 2, 3], "int32"))
    with pytest.raises(ArrayMismatchError, match="DiscretizeAction: action is on device device1"):
        env.action(Backend.ARRAY_API_STRICT_DEVICE1.asarray([1, 2, 3], "int64"))
    with pytest.raises(ArrayMismatchError, match="DiscretizeAction: action must be a Array"):
        env.action(np.array([1, 2, 3]))


def test_constructor_errors_match_gymnasium() -> None:
    with pytest.raises(TypeError, match="DiscretizeAction: DiscretizeAction is only compatible"):
        DiscretizeAction(gym.make("CartPole-v1"), 3)
    unbounded = BoxEnv((-np.inf, 0.0, 0.0), (1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="DiscretizeAction: discretization requires action space"):
        DiscretizeAction(unbounded, 3)
    with pytest.raises(ValueError, match="bins must match action dimensions: expected 3, got 2"):
        DiscretizeAction(BoxEnv(), (2, 2))
    with pytest.raises(ValueError, match="at least one bin, got bins=0"):
        VectorDiscretizeAction(gym.make_vec("Pendulum-v1", 2), 0)
    for args in ((gym.make("CartPole-v1"), 3), (unbounded, 3), (BoxEnv(), (2, 2))):
        with pytest.raises((TypeError, ValueError)):
            gym.wrappers.DiscretizeAction(*args)


def _make() -> gym.Env[Any, Any]:
    return gym.make("Pendulum-v1", max_episode_steps=25)


class _FloatIndices(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Lets the driver draw indices (some out of range) as floats from a Box, floored here."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        shape = env.single_action_space.shape
        self.single_action_space = gym.spaces.Box(-3.0, 10.0, shape, np.float64)

    def step(self, actions: Any) -> Any:
        return self.env.step(np.floor(actions).astype(np.int64))


class _FloatIndex(gym.Wrapper[Any, Any, Any, Any]):
    """The single-env side of :class:`_FloatIndices`."""

    def step(self, action: Any) -> Any:
        index = np.floor(action).astype(np.int64)
        return self.env.step(index if index.ndim else int(index))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("multidiscrete", [False, True])
def test_vector_equals_gymnasium_single_per_sub_env(
    mode: AutoresetMode, multidiscrete: bool
) -> None:
    # Gymnasium has no vector DiscretizeAction: anchor to its single wrapper on each sub-env.
    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(
            vector_value, single_value, err_msg=f"{what}, sub-env {index}"
        )

    vector, _ = drive(
        _make,
        lambda envs: _FloatIndices(VectorDiscretizeAction(envs, 7, multidiscrete)),
        lambda env: _FloatIndex(gym.wrappers.DiscretizeAction(env, 7, multidiscrete)),
        mode=mode, num_envs=3, steps=400, seed=4, compare=compare,
    )  # fmt: skip
    assert (
        vector.env.single_action_space
        == gym.wrappers.DiscretizeAction(_make(), 7, multidiscrete).action_space
    )


def test_vector_on_every_backend(backend: Backend) -> None:
    received = VectorReceived(SyncVectorEnv([lambda: BoxEnv()] * 2))
    envs = VectorDiscretizeAction(received, (3, 4, 5), multidiscrete=True)
    single = DiscretizeAction(BoxEnv(), (3, 4, 5), multidiscrete=True)
    envs.reset(seed=0)
    index = np.array([[0, 3, 4], [2, 1, 9]])
    envs.step(backend.asarray(index, "int64"))
    assert_on_backend(received.actions[-1], backend.xp, backend.device)
    np.testing.assert_array_equal(
        to_host(received.actions[-1]), np.stack([single.action(row) for row in index])
    )
    with pytest.raises(ArrayMismatchError, match=r"DiscretizeAction: actions has shape \(2,\)"):
        envs.step(backend.asarray(np.array([0, 1]), "int64"))
    assert len(received.actions) == 1


def test_pickles_and_deep_copies() -> None:
    env = DiscretizeAction(gym.make("Pendulum-v1"), 5)
    env.reset(seed=0)
    env.step(np.int64(1))
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        clone.reset(seed=3)
        env.reset(seed=3)
        np.testing.assert_array_equal(clone.step(4)[0], env.step(4)[0])


@pytest.mark.parametrize("multidiscrete", [False, True])
def test_core_under_jax_jit(multidiscrete: bool) -> None:
    jax = pytest.importorskip("jax")
    xp = resolve_namespace("jax")
    env = DiscretizeAction(BoxEnv(), (3, 4, 5), multidiscrete)
    index = xp.asarray([[0, 3, 4], [2, -1, 9]] if multidiscrete else [0, 17, 59, -3, 70])
    env.action(index[0])  # fixes the contract and moves the table
    table = env._table  # pyright: ignore[reportPrivateUsage]
    assert isinstance(table, BinTable)

    def core(i: Any, *t: Any) -> Any:
        return discretize_action(i, BinTable(*t), multidiscrete=multidiscrete, shape=(3,), xp=xp)

    np.testing.assert_array_equal(
        np.asarray(jax.jit(core)(index, *table)), np.asarray(core(index, *table))
    )


@pytest.mark.parametrize("bins", [5, (3, 4, 2), (200, 1, 1)])
def test_host_table_equals_the_core_and_gymnasium(bins: Any) -> None:
    """The host-integer fast path (a precomputed table) gives the core's and Gymnasium's actions."""
    ours = DiscretizeAction(BoxEnv(), bins)
    theirs: Any = gym.wrappers.DiscretizeAction(BoxEnv(), bins)
    space: Any = ours.action_space
    count = int(space.n)
    table = ours._host_actions  # pyright: ignore[reportPrivateUsage]
    assert table is not None
    assert len(table) == count
    ours.action(0)  # the first host index fixes the stream: later ones take the table
    xp = resolve_namespace("numpy")
    core_table = BinTable(*(xp.asarray(v) for v in ours._host_table.values()))  # pyright: ignore[reportPrivateUsage]
    indices = [*range(-count - 3, 2 * count + 3), 2**62, -(2**62)]
    for index in indices:
        core = discretize_action(
            xp.asarray(index), core_table, multidiscrete=False, shape=(3,), xp=xp
        )
        got = ours.action(index)
        np.testing.assert_array_equal(got, xp.astype(core, xp.float32))
        np.testing.assert_array_equal(got, theirs.action(index))
        assert got.dtype == np.float32
        assert got.shape == (3,)
        for kind in (np.int64, np.int8, np.uint16):
            info = np.iinfo(kind)
            if info.min <= index <= info.max:
                np.testing.assert_array_equal(ours.action(kind(index)), got)
    first, second = ours.action(1), ours.action(1)
    first[0] = 99.0  # the env may write to its action: the table keeps its own copy
    np.testing.assert_array_equal(second, theirs.action(1))
    assert ours.action(1)[0] != 99.0
