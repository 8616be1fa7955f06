from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import RescaleAction as VectorRescaleAction
from array_env.vector import VectorizeTransformAction
from array_env.wrappers import RescaleAction
from array_env.wrappers.action_transform import ActionAffine, rescale_action
from tests._recording import Received, VectorReceived
from tests.autoreset_driver import MODES

GymRescale: Any = gym.wrappers.RescaleAction  # typed with NumPy bounds only


class BoxEnv(gym.Env[Any, Any]):
    """An env that only declares a Box action space (for constructor and constant checks)."""

    def __init__(self, low: Any, high: Any, dtype: Any = np.float32) -> None:
        self.action_space = gym.spaces.Box(low, high, dtype=dtype)
        self.observation_space = self.action_space


def _cast_to(dtype: Any) -> Any:
    def cast(a: np.ndarray) -> Any:
        return a.astype(dtype)

    return cast


def _rollout(env: gym.Env[Any, Any], steps: int, seed: int, make_action: Any) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(make_action(rng.uniform(-1, 3, (1,))))
        out += [obs, reward, terminated, truncated]
        if terminated or truncated:
            out.append(env.reset()[0])
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("new_min", "new_max", "symmetric"),
    [(-1.0, np.array([3.0]), False), (-1.0, 1.0, True)],
    ids=["shifted", "symmetric"],  # symmetric: a +0.0 intercept, the division alone
)
def test_equals_gymnasium_on_numpy(dtype: Any, new_min: Any, new_max: Any, symmetric: bool) -> None:
    ours_received = Received(gym.make("Pendulum-v1", max_episode_steps=150))
    theirs_received = Received(gym.make("Pendulum-v1", max_episode_steps=150))
    ours = RescaleAction(ours_received, new_min, new_max)
    theirs = GymRescale(theirs_received, new_min, new_max)
    assert ours.action_space == theirs.action_space
    actual = _rollout(ours, 3000, 4, _cast_to(dtype))
    expected = _rollout(theirs, 3000, 4, _cast_to(dtype))
    for got, want in zip(actual, expected, strict=True):
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
    assert len(ours_received.actions) == 3000
    for got, want in zip(ours_received.actions, theirs_received.actions, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    affine = ours._affine  # pyright: ignore[reportPrivateUsage]
    assert affine is not None
    assert (affine.intercept is None) is symmetric


@pytest.mark.parametrize(
    ("low", "high", "new_min", "new_max"),
    [
        ([-1.0, -2.0, 0.0], [1.0, 3.0, 7.0], -0.5, np.array([0.0, 0.5, 0.75])),
        ([-1e6, 0.0, -np.inf], [1e-3, 1.0, np.inf], np.array([0.0, -3.0, -np.inf]),
         np.array([5.0, 5.0, np.inf])),
        ([-np.inf, 2.0, 0.1], [0.0, np.inf, 0.2], np.array([-np.inf, 1.0, -7.0]),
         np.array([1.0, np.inf, 9.0])),
    ],
)  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constants_equal_gymnasium(
    low: Any, high: Any, new_min: Any, new_max: Any, dtype: Any
) -> None:
    env = BoxEnv(np.array(low), np.array(high), dtype)
    ours = RescaleAction(env, new_min, new_max)
    theirs = GymRescale(env, new_min, new_max)
    assert ours.action_space == theirs.action_space
    rng = np.random.default_rng(0)
    for _ in range(300):
        action = rng.uniform(-10, 10, 3).astype(dtype)
        got, want = ours.action(action), theirs.action(action)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rollout(
        RescaleAction(gym.make("Pendulum-v1"), 0.0, 1.0), 300, 1, _cast_to(np.float32)
    )
    received = Received(gym.make("Pendulum-v1"))
    sent: list[Any] = []

    def make_action(a: np.ndarray) -> Any:
        sent.append(backend.asarray(a.astype(np.float32), "float32"))
        return sent[-1]

    actual = _rollout(RescaleAction(received, 0.0, 1.0), 300, 1, make_action)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    for action, got in zip(sent, received.actions, strict=True):
        assert_on_backend(got, backend.xp, backend.device)
        assert got.dtype == action.dtype
        np.testing.assert_array_equal(to_host(got), to_host(action) * 4 - 2)


def test_constructor_errors_match_gymnasium() -> None:
    pendulum = gym.make("Pendulum-v1")
    cases: list[tuple[Any, Any, type[Exception], str]] = [
        (1.0, 0.0, ValueError, r"RescaleAction: expected min_action to be less than or equal"),
        (0.5, 0.5, InvalidBound, r"RescaleAction: min action \(0.5\) must be strictly smaller"),
        (np.zeros(2), 1.0, ValueError, r"min_action.shape to be \(1,\), got \(2,\)"),
        ("0", 1.0, TypeError, r"RescaleAction: expected min_action to be an integer, float"),
        (-np.inf, 1.0, ValueError, r"RescaleAction: for unbounded components"),
    ]
    for low, high, error, message in cases:
        with pytest.raises(error, match=message):
            RescaleAction(pendulum, low, high)
        with pytest.raises(error):  # Gymnasium raises the same type for the same arguments
            GymRescale(pendulum, low, high)
        with pytest.raises(error, match=message):
            VectorRescaleAction(gym.make_vec("Pendulum-v1", 2), low, high)
    with pytest.raises(TypeError, match="RescaleAction: RescaleAction requires a Box action"):
        RescaleAction(gym.make("CartPole-v1"), 0.0, 1.0)
    with pytest.raises(TypeError):
        GymRescale(gym.make("CartPole-v1"), 0.0, 1.0)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(1, np.float64), "dtype float64, expected float32"),
        (np.zeros(2, np.float32), r"shape \(2,\), expected \(1,\)"),
        ([0.0], "must be a numpy array, got list"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
    ],
)
def test_bad_action_is_rejected_before_the_env_steps(bad: Any, message: str) -> None:
    received = Received(gym.make("Pendulum-v1"))
    env = RescaleAction(received, 0.0, 1.0)
    env.reset(seed=0)
    env.step(np.array([0.5], np.float32))
    contract, affine = env._contract, env._affine  # pyright: ignore[reportPrivateUsage]
    assert affine is not None
    before = [to_host(v).copy() for v in affine]
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray([1.0], "float32")
    with pytest.raises(ArrayMismatchError, match=f"RescaleAction: action.*{message}"):
        env.step(bad)
    assert len(received.actions) == 1
    assert env._contract is contract  # pyright: ignore[reportPrivateUsage]
    for old, new in zip(before, env._affine or (), strict=True):  # pyright: ignore[reportPrivateUsage]
        np.testing.assert_array_equal(to_host(new), old)


def test_integer_action_is_rejected_at_first_contact() -> None:
    env = RescaleAction(gym.make("Pendulum-v1"), 0.0, 1.0)
    env.reset(seed=0)
    with pytest.raises(ArrayMismatchError, match="RescaleAction: action has dtype int64"):
        env.step(np.array([1]))
    assert env._contract is None  # pyright: ignore[reportPrivateUsage]


def test_wrong_device_after_first_contact() -> None:
    env = RescaleAction(gym.make("Pendulum-v1"), 0.0, 1.0)
    env.reset(seed=0)
    env.step(Backend.ARRAY_API_STRICT.asarray([0.5], "float32"))
    with pytest.raises(ArrayMismatchError, match="RescaleAction: action is on device device1"):
        env.step(Backend.ARRAY_API_STRICT_DEVICE1.asarray([0.5], "float32"))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    def make() -> Any:
        return SyncVectorEnv(
            [lambda: gym.make("Pendulum-v1", max_episode_steps=40)] * 3, autoreset_mode=mode
        )

    ours: Any = VectorRescaleAction(make(), -1.0, np.array([3.0]))
    theirs: Any = gym.wrappers.vector.RescaleAction(make(), -1.0, np.array([3.0]))
    assert ours.action_space == theirs.action_space
    assert ours.single_action_space == theirs.single_action_space
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(ours.reset(seed=5)[0], theirs.reset(seed=5)[0])
    for _ in range(1000):
        actions = rng.uniform(-1, 3, (3, 1)).astype(np.float32)
        got, want = ours.step(actions), theirs.step(actions)
        for a, b in zip(got[:4], want[:4], strict=True):
            np.testing.assert_array_equal(a, b)
        done = np.logical_or(got[2], got[3])
        if mode is AutoresetMode.DISABLED and done.any():
            np.testing.assert_array_equal(
                ours.reset(options={"reset_mask": done})[0],
                theirs.reset(options={"reset_mask": done.copy()})[0],
            )


def test_vector_on_every_backend(backend: Backend) -> None:
    received = VectorReceived(gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync"))
    envs = VectorRescaleAction(received, 0.0, 1.0)
    envs.reset(seed=0)
    batch = backend.asarray(np.array([[0.0], [0.75]], np.float32), "float32")
    envs.step(batch)
    assert_on_backend(received.actions[-1], backend.xp, backend.device)
    np.testing.assert_array_equal(to_host(received.actions[-1]), [[-2.0], [1.0]])
    with pytest.raises(ArrayMismatchError, match=r"RescaleAction: actions has shape \(1, 1\)"):
        envs.step(backend.asarray(np.zeros((1, 1), np.float32), "float32"))
    assert len(received.actions) == 1


def test_vectorize_transform_action_uses_the_vector_core() -> None:
    received = VectorReceived(gym.make_vec("Pendulum-v1", 3, vectorization_mode="sync"))
    envs: Any = VectorizeTransformAction(received, RescaleAction, min_action=0.0, max_action=1.0)
    theirs: Any = gym.wrappers.vector.VectorizeTransformAction(
        gym.make_vec("Pendulum-v1", 3, vectorization_mode="sync"),
        gym.wrappers.RescaleAction, min_action=0.0, max_action=1.0,
    )  # fmt: skip
    assert envs.action_space == theirs.action_space
    envs.reset(seed=1)
    theirs.reset(seed=1)
    actions = np.array([[0.1], [0.5], [0.9]], np.float32)
    for a, b in zip(envs.step(actions)[:4], theirs.step(actions)[:4], strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ArrayMismatchError, match="RescaleAction: actions has dtype float64"):
        envs.step(actions.astype(np.float64))


def test_pickles_and_deep_copies() -> None:
    env = RescaleAction(gym.make("Pendulum-v1"), 0.0, 1.0)
    env.reset(seed=0)
    env.step(np.array([0.5], np.float32))
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        clone.reset(seed=3)
        env.reset(seed=3)
        action = np.array([0.25], np.float32)
        np.testing.assert_array_equal(clone.step(action)[0], env.step(action)[0])


def test_core_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    xp = resolve_namespace("jax")
    affine = ActionAffine(xp.asarray([2.0, 0.5]), xp.asarray([1.0, -1.0]))
    actions = xp.asarray([[3.0, 1.0], [-1.0, 0.0], [0.5, 2.0]])

    def core(a: Any, g: Any, i: Any) -> Any:
        return rescale_action(a, ActionAffine(g, i), xp=xp)

    jitted = jax.jit(core)
    np.testing.assert_array_equal(
        np.asarray(jitted(actions, *affine)), np.asarray(rescale_action(actions, affine, xp=xp))
    )
