"""Single-environment conversion wrappers, against Gymnasium's own and on every backend."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from array_env import to_namespace, tree_leaves
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.wrappers import (
    ArrayConversion,
    JaxToNumpy,
    JaxToTorch,
    NumpyToJax,
    NumpyToTorch,
    TorchToJax,
    TorchToNumpy,
)

STEPS = 300


class RecordingEnv(gym.Env[dict[str, Any], Any]):
    """Emits a nested observation of one backend and records the actions and options it gets."""

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012 - gymnasium's class attribute
    render_mode = "rgb_array"

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.observation_space = spaces.Dict(
            {"camera": spaces.Box(0, 255, (2, 3), np.uint8), "state": spaces.Box(-1, 1, (2,))}
        )
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.actions: list[Any] = []
        self.options: dict[str, Any] | None = None
        self.emitted: list[dict[str, Any]] = []

    def _obs(self) -> dict[str, Any]:
        camera = np.arange(6, dtype=np.uint8).reshape(2, 3) + len(self.actions)
        state = np.array([0.5, -0.5], dtype=np.float32)
        obs = {
            "camera": self.backend.asarray(camera, "uint8"),
            "state": (self.backend.asarray(state, "float32"), "label"),
        }
        self.emitted.append(obs)
        return obs

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        self.options = options
        return self._obs(), {"score": 1.5, "array": self.backend.asarray([1, 2], "int32")}

    def step(self, action: Any) -> tuple[dict[str, Any], Any, Any, bool, dict[str, Any]]:
        self.actions.append(action)
        reward = self.backend.asarray(0.25, "float32")
        return self._obs(), reward, self.backend.asarray(False), False, {"score": 2.5}

    def render(self) -> Any:
        return self.backend.asarray(np.zeros((4, 4, 3), np.uint8), "uint8")


def _pickled(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


def _assert_same(ours: Any, theirs: Any) -> None:
    """Same structure, leaf types, dtypes and values."""
    our_leaves, their_leaves = tree_leaves(ours), tree_leaves(theirs)
    assert len(our_leaves) == len(their_leaves)
    for a, b in zip(our_leaves, their_leaves, strict=True):
        assert type(a) is type(b), f"{type(a)} != {type(b)}"
        if isinstance(a, bool | int | float | str) or a is None:
            assert a == b
        else:
            assert str(a.dtype) == str(b.dtype)
            np.testing.assert_array_equal(to_host(a), to_host(b))


def _rollout(env: gym.Env[Any, Any], make_action: Callable[[int], Any], seed: int) -> list[Any]:
    """Reset, then step ``STEPS`` times with host-drawn actions, resetting after episodes end."""
    rng = np.random.default_rng(seed)
    outputs: list[Any] = [env.reset(seed=seed)]
    for _ in range(STEPS):
        output = env.step(make_action(int(rng.integers(2))))
        outputs.append(output)
        if output[2] or output[3]:
            outputs.append(env.reset())
    return outputs


def _gym_jax_cartpole() -> gym.Env[Any, Any]:
    """A JAX CartPole built with Gymnasium's own conversion, independent of array_env."""
    import jax.numpy as jnp
    from gymnasium.wrappers import ArrayConversion as GymArrayConversion

    env: gym.Env[Any, Any] = GymArrayConversion(gym.make("CartPole-v1"), env_xp=np, target_xp=jnp)
    return env


def test_numpy_to_torch_equals_gymnasium() -> None:
    torch = pytest.importorskip("torch")
    from gymnasium.wrappers import NumpyToTorch as GymNumpyToTorch

    def action(a: int) -> Any:
        return torch.tensor(a)

    ours = _rollout(NumpyToTorch(gym.make("CartPole-v1")), action, seed=3)
    theirs = _rollout(GymNumpyToTorch(gym.make("CartPole-v1")), action, seed=3)
    _assert_same(ours, theirs)


def test_jax_to_numpy_equals_gymnasium() -> None:
    pytest.importorskip("jax")
    from gymnasium.wrappers import JaxToNumpy as GymJaxToNumpy

    def action(a: int) -> Any:
        return np.asarray(a)

    ours = _rollout(JaxToNumpy(_gym_jax_cartpole()), action, seed=4)
    theirs = _rollout(GymJaxToNumpy(_gym_jax_cartpole()), action, seed=4)
    _assert_same(ours, theirs)


def test_jax_to_torch_equals_gymnasium() -> None:
    pytest.importorskip("jax")
    torch = pytest.importorskip("torch")
    from gymnasium.wrappers import JaxToTorch as GymJaxToTorch

    def action(a: int) -> Any:
        return torch.tensor(a)

    ours = _rollout(JaxToTorch(_gym_jax_cartpole()), action, seed=5)
    theirs = _rollout(GymJaxToTorch(_gym_jax_cartpole()), action, seed=5)
    _assert_same(ours, theirs)


@pytest.mark.parametrize(
    ("outer", "inner", "agent"),
    [
        (TorchToNumpy, NumpyToTorch, "numpy"),
        (JaxToNumpy, NumpyToJax, "numpy"),
        (TorchToJax, NumpyToTorch, "jax"),
        (JaxToTorch, NumpyToJax, "torch"),
    ],
)
def test_named_wrappers_round_trip_the_numpy_env(outer: Any, inner: Any, agent: str) -> None:
    pytest.importorskip("jax")
    pytest.importorskip("torch")
    agent_backend = Backend(agent)

    def action(a: int) -> Any:
        return agent_backend.asarray(a)

    env = outer(inner(gym.make("CartPole-v1")))
    converted = _rollout(env, action, seed=6)
    bare = _rollout(gym.make("CartPole-v1"), lambda a: a, seed=6)
    assert len(converted) == len(bare)
    for ours, host in zip(converted, bare, strict=True):
        assert_on_backend(ours[0], agent_backend.xp)
        np.testing.assert_array_equal(to_host(ours[0]), host[0])
        assert ours[1:] == host[1:]


def test_array_conversion_to_every_backend(backend: Backend) -> None:
    env = ArrayConversion(gym.make("CartPole-v1"), np, backend.xp, target_device=backend.device)
    converted = _rollout(env, lambda a: backend.asarray(a, "int32"), seed=7)
    bare = _rollout(gym.make("CartPole-v1"), lambda a: a, seed=7)
    for ours, host in zip(converted, bare, strict=True):
        assert_on_backend(ours, backend.xp, backend.device)
        np.testing.assert_array_equal(to_host(ours[0]), host[0])
        assert str(to_host(ours[0]).dtype) == "float32"
        assert ours[1:] == host[1:]
    assert env.xp is backend.xp


def test_what_is_converted_and_what_is_not() -> None:
    base = RecordingEnv(Backend.ARRAY_API_STRICT_DEVICE1)
    env = ArrayConversion(base, "array_api_strict", np)
    strict = Backend.ARRAY_API_STRICT_DEVICE1
    obs, info = env.reset(seed=0)
    assert isinstance(obs["camera"], np.ndarray)
    assert obs["state"][1] == "label"
    assert info["score"] == 1.5  # Python numbers stay Python numbers (Gymnasium: 0-d arrays)
    assert isinstance(info["array"], np.ndarray)
    obs, reward, terminated, truncated, info = env.step(np.array([0.1, 0.2], np.float32))
    assert (type(reward), type(terminated), type(truncated)) == (float, bool, bool)
    assert reward == 0.25
    assert isinstance(env.render(), np.ndarray)
    # Without env_device, actions go to the device of the env's first observation.
    assert_on_backend(base.actions[0], strict.xp, strict.device)
    env.reset(options={"start": np.ones(2, np.float32), "mode": "easy"})
    assert_on_backend(base.options, strict.xp, strict.device)  # options go to the env's side
    assert base.options is not None
    assert base.options["mode"] == "easy"


def test_read_only_observations_are_not_aliased_writably() -> None:
    torch = pytest.importorskip("torch")
    base = RecordingEnv(Backend.NUMPY_READONLY)
    env = ArrayConversion(base, np, torch)  # NumpyToTorch is typed for one-array observations
    obs, _ = env.reset(seed=0)
    assert isinstance(obs["camera"], torch.Tensor)
    obs["camera"][0, 0] = 200
    assert base.emitted[0]["camera"][0, 0] == 0
    assert not base.emitted[0]["camera"].flags.writeable


def test_unavailable_device_is_a_value_error_at_construction() -> None:
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"'cuda:99' is not available for torch; available: cpu"):
        NumpyToTorch(gym.make("CartPole-v1"), device="cuda:99")
    with pytest.raises(ValueError, match=r"available: .*device1"):
        ArrayConversion(gym.make("CartPole-v1"), np, "array_api_strict", target_device="gpu:7")


def test_unsupported_action_names_its_path() -> None:
    env = ArrayConversion(RecordingEnv(Backend.NUMPY), np, "array_api_strict")
    env.reset(seed=0)
    with pytest.raises(TypeError, match=r'action\["arm"\]\[1\] of type builtins.object'):
        env.step({"arm": [np.zeros(1), object()]})


def _named_stacks() -> list[Any]:
    pytest.importorskip("jax")
    pytest.importorskip("torch")
    cartpole = "CartPole-v1"
    return [
        NumpyToTorch(gym.make(cartpole), device="cpu"),
        TorchToNumpy(NumpyToTorch(gym.make(cartpole)), device="cpu"),
        JaxToNumpy(NumpyToJax(gym.make(cartpole), device="cpu")),
        JaxToTorch(NumpyToJax(gym.make(cartpole))),
        TorchToJax(NumpyToTorch(gym.make(cartpole)), device="cpu"),
        ArrayConversion(gym.make(cartpole), np, "array_api_strict", target_device="device1"),
    ]


@pytest.mark.parametrize("copier", [copy.deepcopy, _pickled])
def test_wrapped_envs_pickle_and_deep_copy(copier: Callable[[Any], Any]) -> None:
    for env in _named_stacks():
        env.reset(seed=8)
        clone = copier(env)
        assert type(clone) is type(env)
        assert clone.xp is env.xp
        assert clone.device == env.device
        action = to_namespace(np.asarray(1), env.xp, env.device)
        _assert_same(clone.step(action), env.step(action))


def test_make_from_spec_rebuilds_the_stack() -> None:
    torch = pytest.importorskip("torch")
    stacks = [*_named_stacks(), ArrayConversion(gym.make("CartPole-v1"), np, torch)]
    for env in stacks:
        assert env.spec is not None
        rebuilt: Any = gym.make(env.spec)
        assert type(rebuilt) is type(env)
        assert rebuilt.spec == env.spec
        assert rebuilt.xp is env.xp
        assert rebuilt.device == env.device
        _assert_same(rebuilt.reset(seed=9), env.reset(seed=9))
