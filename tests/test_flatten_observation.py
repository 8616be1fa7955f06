from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
from array_env._checks import ArrayMismatchError
from array_env._ops.flatten import flatten_leaves, flatten_plan, gym_flatten_space, leaf_constants
from array_env.testing import Backend
from array_env.vector import FlattenObservation as VectorFlatten
from array_env.wrappers import FlattenObservation
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    SpacesEnv,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    check_vector_matches_gymnasium,
    jit_matches_eager,
)

MIXED = spaces.Dict(
    a=spaces.MultiDiscrete(np.array([[2, 3], [4, 2]]), start=np.array([[1, -1], [0, 2]])),
    b=spaces.MultiBinary((2, 3)),
    c=spaces.Tuple((spaces.Discrete(4, start=-2), spaces.Box(-1, 1, (2, 2), np.float32))),
)

MAKERS: dict[str, Any] = {
    "nested-catch": lambda: gym.make("array_env/NestedCatch-v0"),
    "blackjack-tuple": lambda: gym.make("Blackjack-v1"),
    "frozenlake-discrete": lambda: gym.make("FrozenLake-v1"),
    "cartpole-box": lambda: gym.make("CartPole-v1"),
    "mixed-spaces": lambda: SpacesEnv(MIXED),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_equals_gymnasium_on_numpy(name: str) -> None:
    make = MAKERS[name]
    count = check_matches_gymnasium(
        lambda: FlattenObservation(make()), lambda: gym.wrappers.FlattenObservation(make())
    )
    assert count > 2000


def test_non_array_spaces_fall_back_to_gymnasium() -> None:
    space = spaces.Dict(t=spaces.Text(5), x=spaces.Discrete(3))
    count = check_matches_gymnasium(
        lambda: FlattenObservation(SpacesEnv(space)),
        lambda: gym.wrappers.FlattenObservation(SpacesEnv(space)),
        steps=200,
    )
    assert count > 200


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
@pytest.mark.parametrize("name", ["nested-catch", "mixed-spaces"])
def test_vector_equals_gymnasium_vector(name: str, mode: AutoresetMode) -> None:
    check_vector_matches_gymnasium(MAKERS[name], VectorFlatten, gym_vector.FlattenObservation, mode)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    # Gymnasium's vector wrapper refuses same-step autoreset; its single wrapper anchors it.
    check_vector_equals_single(
        MAKERS["nested-catch"], VectorFlatten, gym.wrappers.FlattenObservation, mode
    )


def test_same_results_on_every_backend(backend: Backend) -> None:
    check_backend(backend, MAKERS["mixed-spaces"], FlattenObservation)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(backend, "array_env/NestedCatch-v0", VectorFlatten, mode)


def test_core_under_jit() -> None:
    plan = flatten_plan(MIXED)
    assert plan is not None
    sample = MIXED.sample()
    leaves = [np.asarray(sample["a"]), np.asarray(sample["b"]), np.asarray(sample["c"][0]),
              np.asarray(sample["c"][1])]  # fmt: skip
    numpy: Any = np
    constants = leaf_constants(plan, xp=numpy, device="cpu")

    def core(*arrays: Any, xp: Any) -> Any:
        consts = constants if xp is np else _to_jax(constants)
        return flatten_leaves(
            list(arrays),
            plan,
            consts,
            dtype=xp.float64 if xp is np else xp.float32,
            batch_ndim=0,
            xp=xp,
        )

    jit_matches_eager(core, *leaves)


def _to_jax(tree: Any) -> Any:
    import jax.numpy as jnp

    if isinstance(tree, tuple):
        return tuple(_to_jax(t) for t in tree)  # pyright: ignore[reportUnknownVariableType]
    return None if tree is None else jnp.asarray(tree)  # pyright: ignore[reportUnknownMemberType]


def test_declared_space_is_gymnasiums() -> None:
    env = FlattenObservation(SpacesEnv(MIXED))
    assert env.observation_space == gym_flatten_space(MIXED)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((2, 2), np.float64), "dtype float64, expected float32"),
        (np.zeros((4,), np.float32), r"shape \(4,\), expected \(2, 2\)"),
        ("strict", "must be a numpy array"),
    ],
)
def test_bad_observation_raises_and_next_good_one_works(bad: Any, message: str) -> None:
    space = spaces.Box(-1, 1, (2, 2), np.float32)
    base = Feed(space, np.ones((2, 2), np.float32))
    env = FlattenObservation(base)
    env.reset()
    contracts = env._contracts  # pyright: ignore[reportPrivateUsage]
    base.next = (
        Backend.ARRAY_API_STRICT.asarray([[1.0, 2.0], [3.0, 4.0]], "float32")
        if isinstance(bad, str)
        else bad
    )
    with pytest.raises(ArrayMismatchError, match=f"FlattenObservation: observation.*{message}"):
        env.step(0)
    assert env._contracts is contracts  # pyright: ignore[reportPrivateUsage]
    base.next = np.full((2, 2), 0.5, np.float32)
    np.testing.assert_array_equal(env.step(0)[0], [0.5] * 4)


def test_bad_leaf_of_a_tree_is_named() -> None:
    base = Feed(MIXED, MIXED.sample())
    env = FlattenObservation(base)
    env.reset()
    bad = MIXED.sample()
    bad["c"] = (bad["c"][0], np.zeros((2, 2), np.float64))
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=r'observation\["c"\]\[1\] has dtype float64'):
        env.step(0)


def test_pickles_and_keeps_working() -> None:
    import pickle

    env = FlattenObservation(gym.make("array_env/NestedCatch-v0"))
    env.reset(seed=0)
    copy = pickle.loads(pickle.dumps(env))
    action = env.action_space.sample()
    a, b = env.step(action)[0], copy.step(action)[0]
    np.testing.assert_array_equal(a, b)


def test_bad_leaf_of_a_dict_of_boxes_is_rejected() -> None:
    # Array leaves one key deep take the shell's multi-leaf fast path: every leaf is matched.
    space = spaces.Dict(
        a=spaces.Box(-1, 1, (2,), np.float32), b=spaces.Box(-1, 1, (3,), np.float32)
    )
    good = {"a": np.zeros(2, np.float32), "b": np.ones(3, np.float32)}
    base = Feed(space, good)
    env = FlattenObservation(base)
    env.reset()
    for bad, message in (
        ({"a": good["a"], "b": np.ones(3, np.float64)}, r'observation\["b"\] has dtype float64'),
        ({"a": np.zeros(3, np.float32), "b": good["b"]}, r'observation\["a"\] has shape \(3,\)'),
    ):
        base.next = bad
        with pytest.raises(ArrayMismatchError, match=message):
            env.step(0)
    base.next = good
    np.testing.assert_array_equal(env.step(0)[0], [0, 0, 1, 1, 1])
