from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import ClipAction as VectorClipAction
from array_env.wrappers import ClipAction
from tests.autoreset_driver import MODES, drive


class Received(gym.Wrapper[Any, Any, Any, Any]):
    """Records every action that reaches it, then hands it to the env as a NumPy array."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.actions: list[Any] = []

    def step(self, action: Any) -> Any:
        self.actions.append(action)
        return self.env.step(to_host(action))


def _cast_to(dtype: Any) -> Callable[[npt.NDArray[Any]], npt.NDArray[Any]]:
    def cast(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return a.astype(dtype)

    return cast


def _rollout(env: gym.Env[Any, Any], steps: int, seed: int, make_action: Any) -> list[Any]:
    rng = np.random.default_rng(seed)
    out: list[Any] = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(make_action(rng.uniform(-5, 5, (1,))))
        out += [obs, reward]
        if terminated or truncated:
            out.append(env.reset()[0])
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_gymnasium_on_numpy(dtype: Any) -> None:
    ours_received, theirs_received = (
        Received(gym.make("Pendulum-v1")),
        Received(gym.make("Pendulum-v1")),
    )
    ours = ClipAction(ours_received)
    theirs = gym.wrappers.ClipAction(theirs_received)
    assert ours.action_space == theirs.action_space
    actual = _rollout(ours, 2000, 4, _cast_to(dtype))
    expected = _rollout(theirs, 2000, 4, _cast_to(dtype))
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(ours_received.actions, theirs_received.actions, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    clipped = np.stack(ours_received.actions)
    assert clipped.min() == -2.0
    assert clipped.max() == 2.0


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rollout(ClipAction(gym.make("Pendulum-v1")), 300, 1, _cast_to(np.float32))
    received = Received(gym.make("Pendulum-v1"))
    env = ClipAction(received)
    actions: list[Any] = []

    def make_action(a: np.ndarray) -> Any:
        actions.append(backend.asarray(a.astype(np.float32), "float32"))
        return actions[-1]

    actual = _rollout(env, 300, 1, make_action)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    for sent, got in zip(actions, received.actions, strict=True):
        assert_on_backend(got, backend.xp, backend.device)
        assert got.dtype == sent.dtype
        np.testing.assert_array_equal(to_host(got), np.clip(to_host(sent), -2, 2))


def test_constructor_rejects_non_box() -> None:
    # Gymnasium's wording ("ClipAction requires a Box action space, got <class ...>") + value
    message = r"^ClipAction requires a Box action space, got <class .*Discrete'> \(Discrete\(2\)\)$"
    with pytest.raises(TypeError, match=message):
        ClipAction(gym.make("CartPole-v1"))
    with pytest.raises(TypeError, match=message):
        VectorClipAction(gym.make_vec("CartPole-v1", 2))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(2, np.float32), r"shape \(2,\), expected \(1,\)"),
        ([0.0, 1.0], r"shape \(2,\), expected \(1,\)"),
        (np.zeros((), np.float64), r"shape \(\), expected \(1,\)"),
        ("text", "must be a numpy array, got str"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
        ("device1", "must be a numpy array"),
    ],
)
def test_bad_action_is_rejected_before_the_env_steps(bad: Any, message: str) -> None:
    received = Received(gym.make("Pendulum-v1"))
    env = ClipAction(received)
    env.reset(seed=0)
    env.step(np.array([3.0], np.float32))
    # the test inspects the wrapper's private state: it must be untouched by a rejected call
    bounds = env._bounds  # pyright: ignore[reportPrivateUsage]
    assert bounds is not None
    bounds_before = [to_host(b).copy() for b in bounds]
    contract_before = env._contract  # pyright: ignore[reportPrivateUsage]
    if isinstance(bad, str) and bad == "strict":
        bad = Backend.ARRAY_API_STRICT.asarray([1.0], "float32")
    elif isinstance(bad, str) and bad == "device1":
        bad = Backend.ARRAY_API_STRICT_DEVICE1.asarray([1.0], "float32")
    with pytest.raises(ArrayMismatchError, match=f"ClipAction: action.*{message}"):
        env.step(bad)
    assert len(received.actions) == 1  # the env never saw the bad action
    assert env._contract is contract_before  # pyright: ignore[reportPrivateUsage]
    bounds_after = env._bounds  # pyright: ignore[reportPrivateUsage]
    assert bounds_after is not None
    for before, after in zip(bounds_before, bounds_after, strict=True):
        np.testing.assert_array_equal(to_host(after), before)


def test_wrong_device_after_first_contact() -> None:
    env = ClipAction(Received(gym.make("Pendulum-v1")))
    env.reset(seed=0)
    env.step(Backend.ARRAY_API_STRICT.asarray([3.0], "float32"))
    with pytest.raises(ArrayMismatchError, match="on device device1, expected CPU_DEVICE"):
        env.step(Backend.ARRAY_API_STRICT_DEVICE1.asarray([1.0], "float32"))


def test_host_values_get_gymnasiums_leniency() -> None:
    """Lists, ints and another float dtype are clipped as Gymnasium's ``np.clip`` clips them."""
    ours_received, theirs_received = (
        Received(gym.make("Pendulum-v1")),
        Received(gym.make("Pendulum-v1")),
    )
    ours, theirs = ClipAction(ours_received), gym.wrappers.ClipAction(theirs_received)
    ours.reset(seed=0)
    theirs.reset(seed=0)
    actions: list[Any] = [
        np.array([1]),  # an integer first action: no contract yet
        np.array([3.0], np.float64),  # fixes the contract (float64)
        np.array([-0.1], np.float32),  # float32 after float64
        [5.0],  # a list
        [-7],
        np.array([0.1]),
    ]
    for action in actions:
        got, want = ours.step(action), theirs.step(action)
        np.testing.assert_array_equal(got[0], want[0])
        sent: Any = ours_received.actions[-1]
        expected: Any = theirs_received.actions[-1]
        assert type(sent) is np.ndarray
        assert sent.dtype == np.asarray(expected).dtype, action
        np.testing.assert_array_equal(sent, expected)
    contract = ours._contract  # pyright: ignore[reportPrivateUsage]
    assert contract is not None
    assert contract.dtype == np.float64
    with pytest.raises(ArrayMismatchError, match="ClipAction: action must be a numpy array"):
        ours.step(Backend.ARRAY_API_STRICT.asarray([1.0], "float32"))


def test_vector_keeps_float64_actions_float64() -> None:
    class Seen(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def __init__(self, env: Any) -> None:
            super().__init__(env)
            self.actions: list[Any] = []

        def step(self, actions: Any) -> Any:
            self.actions.append(actions)
            return self.env.step(actions)

    seen = Seen(gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync"))
    envs = VectorClipAction(seen)
    envs.reset(seed=0)
    for actions in (np.array([[0.1], [5.0]]), np.array([[-0.3], [1e-9]]), [[0.2], [-9]]):
        envs.step(actions)
        sent = seen.actions[-1]
        assert sent.dtype == np.float64
        expected = np.clip(np.asarray(actions, np.float64), -2.0, 2.0)
        np.testing.assert_array_equal(sent, expected)  # exact: no float32 round trip


class WideActions(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Declares a finite action range wider than the env's, so the driver sends bad actions."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.single_action_space = gym.spaces.Box(-5.0, 5.0, (1,), np.float32)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode) -> None:
    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(
            np.asarray(vector_value), np.asarray(single_value), err_msg=f"{what}, sub-env {index}"
        )

    vector, _ = drive(
        lambda: gym.make("Pendulum-v1", max_episode_steps=50),
        lambda envs: WideActions(VectorClipAction(envs)),
        ClipAction,
        mode=mode, num_envs=3, steps=300, seed=2, compare=compare,
    )  # fmt: skip
    assert vector.env.single_action_space == gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
    assert vector.env.action_space.shape == (3, 1)


def _action_space_of(envs: Any) -> gym.Space[Any]:
    """``envs.action_space``: VectorWrapper declares it as a bare (partly unknown) ``gym.Space``."""
    space: gym.Space[Any] = envs.action_space
    return space


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    def make() -> Any:
        return SyncVectorEnv([lambda: gym.make("Pendulum-v1")] * 3, autoreset_mode=mode)

    ours, theirs = VectorClipAction(make()), gym.wrappers.vector.ClipAction(make())
    assert _action_space_of(ours) == _action_space_of(theirs)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(ours.reset(seed=5)[0], theirs.reset(seed=5)[0])
    for _ in range(450):
        actions = rng.uniform(-5, 5, (3, 1)).astype(np.float32)
        got, want = ours.step(actions), theirs.step(actions)
        for a, b in zip(got[:4], want[:4], strict=True):
            np.testing.assert_array_equal(a, b)
        done = np.logical_or(got[2], got[3])
        if mode is AutoresetMode.DISABLED and done.any():
            np.testing.assert_array_equal(
                ours.reset(options={"reset_mask": done})[0],
                theirs.reset(options={"reset_mask": done.copy()})[0],
            )


def test_vector_on_backend_rejects_bad_batch(backend: Backend) -> None:
    envs = VectorClipAction(_vector_on(backend))
    envs.reset(seed=0)
    envs.step(backend.asarray(np.full((2, 1), 3.0, np.float32), "float32"))
    with pytest.raises(ArrayMismatchError, match=r"ClipAction: actions has shape \(1, 1\)"):
        envs.step(backend.asarray(np.zeros((1, 1), np.float32), "float32"))


def _vector_on(backend: Backend) -> Any:
    class OnBackend(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            assert_on_backend(actions, backend.xp, backend.device)
            np.testing.assert_array_equal(to_host(actions), np.full((2, 1), 2.0, np.float32))
            return self.env.step(to_host(actions))

    return OnBackend(gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync"))
