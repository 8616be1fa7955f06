from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
from array_env._checks import ArrayMismatchError
from array_env._ops.ring_buffer import make_layout, push_frame, start_ring
from array_env.testing import Backend, to_host
from array_env.vector import DelayObservation as VectorDelay
from array_env.wrappers import DelayObservation
from array_env.wrappers.temporal_observation import delayed_frame
from tests.autoreset_driver import MODES
from tests.observation_harness import (
    Feed,
    SpacesEnv,
    check_backend,
    check_matches_gymnasium,
    check_vector_backend,
    check_vector_equals_single,
    same_error,
)

MAKERS: dict[str, Any] = {
    "cartpole": lambda: gym.make("CartPole-v1"),
    "nested-dict": lambda: gym.make("array_env/NestedCatch-v0"),
    "frozenlake-ints": lambda: gym.make("FrozenLake-v1"),
    "bounded-away-from-zero": lambda: SpacesEnv(gym.spaces.Box(1, 2, (3,), np.float32)),
    "text": lambda: SpacesEnv(gym.spaces.Text(4)),
}


@pytest.mark.parametrize("delay", [0, 1, 3])
@pytest.mark.parametrize("name", list(MAKERS))
def test_equals_gymnasium_on_numpy(name: str, delay: int) -> None:
    make = MAKERS[name]
    count = check_matches_gymnasium(
        lambda: DelayObservation(make(), delay),
        lambda: gym.wrappers.DelayObservation(make(), delay),
        in_space=name != "text",  # the harness's host conversion turns strings into arrays
    )
    assert count > 2000


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("name", ["cartpole", "nested-dict", "bounded-away-from-zero"])
def test_vector_equals_gymnasium_single_per_sub_env(name: str, mode: AutoresetMode) -> None:
    # Gymnasium has no vector DelayObservation: its single wrapper anchors each sub-env.
    check_vector_equals_single(
        MAKERS[name], lambda e: VectorDelay(e, 2), lambda e: gym.wrappers.DelayObservation(e, 2),
        mode, tree=name == "nested-dict",
    )  # fmt: skip


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_delay_zero_is_the_identity(mode: AutoresetMode) -> None:
    check_vector_equals_single(MAKERS["cartpole"], lambda e: VectorDelay(e, 0), lambda e: e, mode)


def test_same_results_on_every_backend(backend: Backend) -> None:
    check_backend(backend, MAKERS["cartpole"], lambda e: DelayObservation(e, 3))


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    check_vector_backend(backend, "array_env/CartPole-v1", lambda e: VectorDelay(e, 2), mode)


def test_core_under_jit() -> None:
    pytest.importorskip("jax", reason="the jit check needs JAX (`array-env info` says how)")
    import jax
    import jax.numpy as jnp

    namespaces: list[Any] = [np, jnp]
    for xp in namespaces:
        layout = make_layout(
            3,
            batch_ndim=1,
            frame_ndim=1,
            pad_with_first=False,
            xp=xp,
            device=None if xp is np else jax.devices()[0],  # pyright: ignore[reportUnknownMemberType]
        )
        ring = start_ring(xp.zeros((2, 4)), layout=layout, padding=xp.full((4,), -1.0), xp=xp)
        ring = push_frame(
            ring, xp.ones((2, 4)), layout=layout, restart=xp.asarray([False, True]), xp=xp
        )
        eager = delayed_frame(ring, layout=layout, xp=xp)
        if xp is jnp:
            jitted = jax.jit(  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                lambda frames, age, padding, r=ring, lay=layout: delayed_frame(  # pyright: ignore[reportUnknownLambdaType]
                    r._replace(frames=frames, age=age, padding=padding), layout=lay, xp=jnp
                )
            )(ring.frames, ring.age, ring.padding)
            np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))  # pyright: ignore[reportUnknownArgumentType]
        np.testing.assert_array_equal(np.asarray(eager), -np.ones((2, 4)))


def test_returned_frames_are_not_views_of_the_buffer() -> None:
    base = Feed(gym.spaces.Box(-9, 9, (2,), np.float32), np.zeros(2, np.float32))
    env = DelayObservation(base, 1)
    env.reset()
    held = []
    for value in range(1, 6):
        base.next = np.full(2, float(value), np.float32)
        held.append(env.step(0)[0])  # pyright: ignore[reportUnknownMemberType]
    assert [float(h[0]) for h in held] == [0.0, 1.0, 2.0, 3.0, 4.0]  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]


def test_bad_observation_leaves_the_buffer_untouched() -> None:
    base = Feed(gym.spaces.Box(-9, 9, (2,), np.float32), np.zeros(2, np.float32))
    env = DelayObservation(base, 2)
    env.reset()
    base.next = np.ones(2, np.float32)
    env.step(0)
    window = env._slots  # pyright: ignore[reportPrivateUsage]  # one array: the window of arrays
    assert window is not None
    assert env._rings is None  # pyright: ignore[reportPrivateUsage]
    before = [None if x is None else to_host(x).copy() for x in window]
    for bad in (
        np.ones(2, np.float64),
        np.ones(3, np.float32),
        Backend.ARRAY_API_STRICT.asarray([1.0, 1.0], "float32"),
    ):
        base.next = bad
        with pytest.raises(ArrayMismatchError, match="DelayObservation: observation"):
            env.step(0)
    assert env._slots is window  # pyright: ignore[reportPrivateUsage]
    after = [None if x is None else to_host(x).copy() for x in window]
    # the window less the slot returned last: the reset frame and the first step's
    assert [x is None for x in before] == [x is None for x in after] == [False, False]
    for x0, x1 in zip(before, after, strict=True):
        np.testing.assert_array_equal(x0, x1)
    base.next = np.full(2, 2.0, np.float32)
    np.testing.assert_array_equal(to_host(env.step(0)[0]), np.zeros(2))  # the reset frame's turn
    np.testing.assert_array_equal(to_host(env.step(0)[0]), np.ones(2))


def test_bad_tree_observation_leaves_the_rings_untouched() -> None:
    space = gym.spaces.Dict(a=gym.spaces.Box(-9, 9, (2,), np.float32))
    base = Feed(space, {"a": np.zeros(2, np.float32)})
    env = DelayObservation(base, 2)
    env.reset()
    base.next = {"a": np.ones(2, np.float32)}
    env.step(0)
    assert env._slots is None  # pyright: ignore[reportPrivateUsage]  # a tree: one ring per leaf
    before = [(to_host(r.frames).copy(), r.newest, r.age) for r in env._rings or ()]  # pyright: ignore[reportPrivateUsage]
    assert before
    for bad in (np.ones(2, np.float64), np.ones(3, np.float32)):
        base.next = {"a": bad}
        with pytest.raises(ArrayMismatchError, match="DelayObservation"):
            env.step(0)
    after = [(to_host(r.frames).copy(), r.newest, r.age) for r in env._rings or ()]  # pyright: ignore[reportPrivateUsage]
    for (f0, n0, a0), (f1, n1, a1) in zip(before, after, strict=True):
        np.testing.assert_array_equal(f0, f1)
        assert (n0, a0) == (n1, a1)


def test_pickles_and_deep_copies_mid_episode() -> None:
    env = DelayObservation(gym.make("CartPole-v1"), 2)
    env.reset(seed=1)
    for _ in range(4):
        env.step(1)
    expected = copy.deepcopy(env).step(0)[0]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(env)).step(0)[0], expected)
    np.testing.assert_array_equal(env.step(0)[0], expected)


@pytest.mark.parametrize("delay", [1.5, -1, "2"], ids=["float", "negative", "string"])
def test_constructor_errors_match_gymnasium(delay: Any) -> None:
    same_error(
        lambda: DelayObservation(gym.make("CartPole-v1"), delay),
        lambda: gym.wrappers.DelayObservation(gym.make("CartPole-v1"), delay),
        "DelayObservation",
    )
    with pytest.raises(gym.error.ResetNeeded, match="DelayObservation"):
        DelayObservation(Feed(gym.spaces.Box(0, 1, (2,)), np.zeros(2, np.float32)), 1).step(0)


def test_window_core_under_jit() -> None:
    # The single wrapper's window (one array observation): a tuple of arrays, None for empty.
    jax = pytest.importorskip("jax")
    import jax.numpy as jax_numpy

    from array_env._ops.ring_buffer import push_window, start_window

    jnp: Any = jax_numpy
    padding = jnp.full((2,), -1.0)

    def two_pushes(first: Any, a: Any, b: Any) -> Any:
        window = start_window(first, 2)
        window, out_a = push_window(window, a, padding, xp=jnp)
        window, out_b = push_window(window, b, padding, xp=jnp)
        return out_a, out_b, window[0]

    args = (jnp.zeros(2), jnp.ones(2), jnp.full((2,), 2.0))
    eager = two_pushes(*args)
    jitted: Any = jax.jit(two_pushes)(*args)
    expected = ([-1.0, -1.0], [0.0, 0.0], [0.0, 0.0])
    for got, want, value in zip(jitted, eager, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        np.testing.assert_array_equal(np.asarray(want), value)
