"""Vector conversion wrappers, against Gymnasium's own vector wrappers and on every backend."""

from __future__ import annotations

import copy
import functools
import pickle
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from array_env import to_namespace, tree_leaves
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import (
    ArrayConversion,
    JaxToNumpy,
    JaxToTorch,
    NumpyToJax,
    NumpyToTorch,
    TorchToJax,
    TorchToNumpy,
)

NUM_ENVS = 4
STEPS = 300


def _cartpoles(autoreset: str = "NextStep") -> gym.vector.VectorEnv[Any, Any, Any]:
    return gym.make_vec(
        "CartPole-v1",
        NUM_ENVS,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode(autoreset)},
    )


def _gym_jax_cartpoles() -> gym.vector.VectorEnv[Any, Any, Any]:
    """JAX CartPoles built with Gymnasium's own vector conversion, independent of array_env."""
    import jax.numpy as jnp
    from gymnasium.wrappers.vector import ArrayConversion as GymArrayConversion

    return GymArrayConversion(_cartpoles(), env_xp=np, target_xp=jnp)


def _rollout(
    envs: gym.vector.VectorEnv[Any, Any, Any], make_actions: Callable[[Any], Any], seed: int
) -> list[Any]:
    rng = np.random.default_rng(seed)
    outputs: list[Any] = [envs.reset(seed=seed)]
    for _ in range(STEPS):
        outputs.append(envs.step(make_actions(rng.integers(2, size=NUM_ENVS))))
    return outputs


def _pickled(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


def _assert_same(ours: Any, theirs: Any) -> None:
    our_leaves, their_leaves = tree_leaves(ours), tree_leaves(theirs)
    assert len(our_leaves) == len(their_leaves)
    for a, b in zip(our_leaves, their_leaves, strict=True):
        assert type(a) is type(b), f"{type(a)} != {type(b)}"
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(to_host(a), to_host(b))


def test_numpy_to_torch_equals_gymnasium() -> None:
    torch = pytest.importorskip("torch")
    from gymnasium.wrappers.vector import NumpyToTorch as GymNumpyToTorch

    ours = _rollout(NumpyToTorch(_cartpoles()), torch.from_numpy, seed=3)
    theirs = _rollout(GymNumpyToTorch(_cartpoles()), torch.from_numpy, seed=3)
    _assert_same(ours, theirs)


def test_jax_to_numpy_equals_gymnasium() -> None:
    pytest.importorskip("jax")
    from gymnasium.wrappers.vector import JaxToNumpy as GymJaxToNumpy

    ours = _rollout(JaxToNumpy(_gym_jax_cartpoles()), np.asarray, seed=4)
    theirs = _rollout(GymJaxToNumpy(_gym_jax_cartpoles()), np.asarray, seed=4)
    _assert_same(ours, theirs)


def test_jax_to_torch_equals_gymnasium() -> None:
    pytest.importorskip("jax")
    torch = pytest.importorskip("torch")
    from gymnasium.wrappers.vector import JaxToTorch as GymJaxToTorch

    ours = _rollout(JaxToTorch(_gym_jax_cartpoles()), torch.from_numpy, seed=5)
    theirs = _rollout(GymJaxToTorch(_gym_jax_cartpoles()), torch.from_numpy, seed=5)
    _assert_same(ours, theirs)


@pytest.mark.xfail_backend(
    Backend.ARRAY_API_STRICT_NO_FLOAT64,
    reason="the sync vector env's float64 rewards cannot live on a device without float64",
)
def test_array_conversion_to_every_backend(backend: Backend) -> None:
    envs = ArrayConversion(_cartpoles(), np, backend.xp, target_device=backend.device)
    converted = _rollout(envs, lambda a: backend.asarray(a, "int32"), seed=6)
    bare = _rollout(_cartpoles(), lambda a: a, seed=6)
    for ours, host in zip(converted, bare, strict=True):
        assert_on_backend(ours, backend.xp, backend.device)
        for got, want in zip(ours, host, strict=True):
            if isinstance(want, dict):
                assert got == want == {}
            else:
                np.testing.assert_array_equal(to_host(got), want)


@pytest.mark.parametrize(
    ("outer", "inner", "agent"),
    [
        (TorchToNumpy, NumpyToTorch, "numpy"),
        (JaxToNumpy, NumpyToJax, "numpy"),
        (TorchToJax, NumpyToTorch, "jax"),
        (JaxToTorch, NumpyToJax, "torch"),
    ],
)
def test_named_wrappers_round_trip_the_numpy_envs(outer: Any, inner: Any, agent: str) -> None:
    pytest.importorskip("jax")
    pytest.importorskip("torch")
    agent_backend = Backend(agent)
    converted = _rollout(
        outer(inner(_cartpoles())), lambda a: agent_backend.asarray(a, "int32"), seed=7
    )
    bare = _rollout(_cartpoles(), lambda a: a, seed=7)
    for ours, host in zip(converted, bare, strict=True):
        assert_on_backend(ours, agent_backend.xp)
        np.testing.assert_array_equal(to_host(ours[0]), host[0])
        for got, want in zip(ours[2:4], host[2:4], strict=True):
            np.testing.assert_array_equal(to_host(got), want)


def test_same_step_final_observations_are_converted() -> None:
    torch = pytest.importorskip("torch")
    envs = NumpyToTorch(_cartpoles("SameStep"))
    bare = _cartpoles("SameStep")
    envs.reset(seed=8)
    bare.reset(seed=8)
    seen_final = False
    for _ in range(STEPS):
        actions = np.ones(NUM_ENVS, dtype=np.int64)
        *_, infos = envs.step(torch.from_numpy(actions))
        *_, bare_infos = bare.step(actions)
        if "final_obs" in bare_infos:
            seen_final = True
            for got, want in zip(infos["final_obs"], bare_infos["final_obs"], strict=True):
                assert (got is None) == (want is None)
                if want is not None:
                    assert isinstance(got, torch.Tensor)
                    np.testing.assert_array_equal(got.numpy(), want)
            assert torch.equal(infos["_final_obs"], torch.from_numpy(bare_infos["_final_obs"]))
    assert seen_final


def test_unavailable_device_is_a_value_error_at_construction() -> None:
    with pytest.raises(ValueError, match=r"'device7' is not available .*available: .*device1"):
        ArrayConversion(_cartpoles(), np, "array_api_strict", target_device="device7")


@pytest.mark.parametrize("copier", [copy.deepcopy, _pickled])
def test_wrapped_vector_envs_pickle_and_deep_copy(copier: Callable[[Any], Any]) -> None:
    pytest.importorskip("jax")
    pytest.importorskip("torch")

    def cartpoles() -> gym.vector.VectorEnv[Any, Any, Any]:  # make_vec's closures do not pickle
        return gym.vector.SyncVectorEnv([functools.partial(gym.make, "CartPole-v1")] * NUM_ENVS)

    stacks: list[Any] = [
        NumpyToTorch(cartpoles(), device="cpu"),
        TorchToJax(NumpyToTorch(cartpoles()), device="cpu"),
        JaxToNumpy(NumpyToJax(cartpoles())),
        ArrayConversion(cartpoles(), np, "array_api_strict", target_device="device1"),
    ]
    for envs in stacks:
        envs.reset(seed=9)
        clone = copier(envs)
        assert type(clone) is type(envs)
        assert clone.xp is envs.xp
        assert clone.device == envs.device
        actions = to_namespace(np.array([0, 1, 1, 0]), envs.xp, envs.device)
        _assert_same(clone.step(actions)[:4], envs.step(actions)[:4])
