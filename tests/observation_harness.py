"""Shared drivers for the observation-wrapper tests: rollouts, tree comparison, test envs.

Differential tests run a wrapper and Gymnasium's class on the same env, seeds and actions and
compare every observation; backend tests run the wrapper over :class:`OnBackend` (the env's
NumPy observations handed out as arrays of a backend) and compare with the NumPy run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env._tree import tree_leaves, tree_map, tree_map_with_path
from array_env.testing import Backend, to_host

__all__ = [
    "Feed",
    "RowIndexed",
    "OnBackend",
    "SpacesEnv",
    "assert_tree_equal",
    "host_tree",
    "rollout",
    "sync_vector",
    "vector_rollout",
]


class OnBackend(gym.ObservationWrapper[Any, Any, Any]):
    """Hands the wrapped env's NumPy observations out as arrays of ``backend`` (every leaf)."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def observation(self, observation: Any) -> Any:
        return tree_map(
            lambda leaf: self.backend.asarray(np.asarray(leaf), np.asarray(leaf).dtype.name),
            observation,
        )


class SpacesEnv(gym.Env[Any, Any]):
    """Observations sampled from ``space`` with the env's seeded generator; short episodes."""

    def __init__(self, space: gym.Space[Any], max_episode_steps: int = 40) -> None:
        self.observation_space = space
        self.action_space = gym.spaces.Discrete(2)
        self._limit = max_episode_steps
        self._t = 0
        self._length = 1

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        self.observation_space.seed(int(self.np_random.integers(2**31)))
        self._t = 0
        self._length = int(self.np_random.integers(1, self._limit))
        return self.observation_space.sample(), {}

    def step(self, action: Any) -> Any:
        self._t += 1
        terminated = self._t >= self._length
        return self.observation_space.sample(), 1.0, terminated, False, {}


class Feed(gym.Env[Any, Any]):
    """Returns whatever observation it is handed next: for bad-input tests."""

    def __init__(self, space: gym.Space[Any], first: Any) -> None:
        self.observation_space = space
        self.action_space = gym.spaces.Discrete(2)
        self.next: Any = first

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.next, {}

    def step(self, action: Any) -> Any:
        return self.next, 0.0, False, False, {}


def host_tree(tree: Any) -> Any:
    """Every leaf as a NumPy array (host scalars included)."""
    return tree_map(
        lambda leaf: np.asarray(to_host(leaf) if hasattr(leaf, "device") else leaf), tree
    )


def assert_tree_equal(
    got: Any,
    want: Any,
    *,
    what: str = "",
    rtol: float = 0.0,
    atol: float = 0.0,
    dtypes: bool = True,
) -> None:
    """Same structure, same leaves (within tolerance), same dtypes when ``dtypes``."""
    got_h, want_h = host_tree(got), host_tree(want)
    assert tree_map_with_path(lambda p, _: p, got_h) == tree_map_with_path(
        lambda p, _: p, want_h
    ), what
    for g, w in zip(tree_leaves(got_h), tree_leaves(want_h), strict=True):
        if dtypes:
            assert g.dtype == w.dtype, f"{what}: dtype {g.dtype} != {w.dtype}"
        assert g.shape == w.shape, f"{what}: shape {g.shape} != {w.shape}"
        if rtol or atol:
            np.testing.assert_allclose(
                g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol, err_msg=what
            )
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)


def rollout(env: gym.Env[Any, Any], steps: int, seed: int) -> list[Any]:
    """Observations of ``steps`` steps with resets; actions from the seeded action space."""
    env.action_space.seed(seed)
    out = [env.reset(seed=seed)[0]]
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        out.append(obs)
        if terminated or truncated:
            out.append(env.reset()[0])
    return out


def vector_rollout(
    envs: Any,
    steps: int,
    seed: int,
    mode: AutoresetMode,
    actions: Callable[[np.ndarray], Any] | None = None,
) -> list[Any]:
    """Batched observations (and same-step final ones) of ``steps`` steps in ``mode``."""
    envs.action_space.seed(seed)
    out = [envs.reset(seed=seed)[0]]
    for _ in range(steps):
        action = envs.action_space.sample()
        obs, _, terminated, truncated, infos = envs.step(
            action if actions is None else actions(action)
        )
        out.append(obs)
        done = np.logical_or(to_host(terminated), to_host(truncated))
        if mode is AutoresetMode.SAME_STEP and done.any():
            final = infos["final_obs"]
            rows = np.flatnonzero(to_host(infos["_final_obs"]))
            if isinstance(final, np.ndarray) and final.dtype == object:  # pyright: ignore[reportUnknownMemberType]
                out.extend(final[row] for row in rows)
            else:
                out.extend(tree_map(functools.partial(_row, row=int(row)), final) for row in rows)
        if mode is AutoresetMode.DISABLED and done.any():
            out.append(envs.reset(options={"reset_mask": done})[0])
    return out


class _Rows:
    """A batched tree indexed by sub-env: ``rows[i]`` is sub-env ``i``'s tree."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree

    def __getitem__(self, row: int) -> Any:
        return tree_map(lambda x: x[row, ...], self.tree)


class RowIndexed(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Makes a vector env's tree observations indexable by sub-env, for the lockstep driver."""

    def reset(self, **kwargs: Any) -> Any:
        obs, infos = self.env.reset(**kwargs)
        return _Rows(obs), infos

    def step(self, actions: Any) -> Any:
        obs, *rest = self.env.step(actions)
        return (_Rows(obs), *rest)


def sync_vector(make: Callable[[], gym.Env[Any, Any]], mode: AutoresetMode, n: int = 3) -> Any:
    """``SyncVectorEnv([make] * n)`` in ``mode``."""
    return gym.vector.SyncVectorEnv([make] * n, autoreset_mode=mode)


# ---------------------------------------------------------------- checks shared by the test files


def assert_rollouts_equal(got: list[Any], want: list[Any], **tolerance: Any) -> None:
    """Same number of observations, each equal (see :func:`assert_tree_equal`)."""
    assert len(got) == len(want), (len(got), len(want))
    for index, (g, w) in enumerate(zip(got, want, strict=True)):
        assert_tree_equal(g, w, what=f"observation {index}", **tolerance)


def check_matches_gymnasium(
    ours: Callable[[], Any],
    theirs: Callable[[], Any],
    *,
    steps: int = 2000,
    seed: int = 7,
    in_space: bool = True,
) -> int:
    """Run both single-env wrappers over the same env, seeds and actions; return the count."""
    a, b = ours(), theirs()
    assert a.observation_space == b.observation_space
    got, want = rollout(a, steps, seed), rollout(b, steps, seed)
    assert_rollouts_equal(got, want)
    for obs in got if in_space else []:
        assert (
            host_tree(obs) in a.observation_space
            or np.asarray(host_tree(obs)) in a.observation_space
        )
    return len(got)


def check_vector_matches_gymnasium(
    make: Callable[[], gym.Env[Any, Any]],
    ours: Callable[[Any], Any],
    theirs: Callable[[Any], Any],
    mode: AutoresetMode,
    *,
    steps: int = 700,
    seed: int = 7,
) -> None:
    """Our vector twin and Gymnasium's vector wrapper over the same SyncVectorEnv setup."""
    a, b = ours(sync_vector(make, mode)), theirs(sync_vector(make, mode))
    assert a.observation_space == b.observation_space
    assert a.single_observation_space == b.single_observation_space
    assert_rollouts_equal(
        vector_rollout(a, steps, seed, mode), vector_rollout(b, steps, seed, mode)
    )


def check_vector_equals_single(
    make: Callable[[], gym.Env[Any, Any]],
    vector: Callable[[Any], Any],
    single: Callable[[gym.Env[Any, Any]], Any],
    mode: AutoresetMode,
    *,
    steps: int = 400,
    tree: bool = False,
) -> None:
    """The lockstep driver: each sub-env equals ``single`` (Gymnasium's or ours) on it."""
    from tests.autoreset_driver import drive

    def compare(what: str, index: int, v: Any, s: Any) -> None:
        assert_tree_equal(v, s, what=f"{what}, sub-env {index}")

    wrap = (lambda envs: RowIndexed(vector(envs))) if tree else vector  # pyright: ignore[reportUnknownLambdaType, reportUnknownVariableType]
    drive(make, wrap, single, mode=mode, num_envs=3, steps=steps, seed=11, compare=compare)  # pyright: ignore[reportUnknownArgumentType]


def check_backend(
    backend: Backend, make: Callable[[], gym.Env[Any, Any]], wrap: Callable[[Any], Any],
    *, steps: int = 300, rtol: float = 1e-6, atol: float = 1e-6,
) -> None:  # fmt: skip
    """The wrapper over ``backend`` arrays equals the NumPy run; outputs stay on the backend."""
    from array_env.testing import assert_on_backend

    want = rollout(wrap(make()), steps, seed=3)
    env = wrap(OnBackend(make(), backend))
    got = rollout(env, steps, seed=3)
    for obs in got[:5]:
        assert_on_backend(obs, backend.xp, backend.device)
    assert_rollouts_equal(got, want, rtol=rtol, atol=atol, dtypes=False)


def native_vector_rollout(
    backend: Backend, env_id: str, wrap: Callable[[Any], Any], mode: AutoresetMode, steps: int = 80
) -> list[Any]:
    """A wrapped native array_env vector env on ``backend``: observations as host trees."""
    import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers the ids
    from array_env.testing import assert_on_backend

    envs = gym.make_vec(
        env_id, 3, vectorization_mode="vector_entry_point", xp=backend.namespace_name,
        device=backend.device_spec, autoreset_mode=mode,
    )  # fmt: skip
    envs = wrap(envs)
    first = envs.reset(seed=5)[0]
    assert_on_backend(first, backend.xp, backend.device)

    def actions(sample: np.ndarray) -> Any:
        dtype = sample.dtype.name
        if dtype == "int64" and not backend.has_float64:
            dtype = "int32"
        return backend.asarray(sample, dtype)

    return [host_tree(x) for x in [first, *vector_rollout(envs, steps, 5, mode, actions)[1:]]]


def check_vector_backend(
    backend: Backend, env_id: str, wrap: Callable[[Any], Any], mode: AutoresetMode,
    *, rtol: float = 1e-5, atol: float = 1e-5,
) -> None:  # fmt: skip
    """The vector twin over a native env on ``backend`` equals the NumPy run."""
    want = native_vector_rollout(Backend.NUMPY, env_id, wrap, mode)
    got = native_vector_rollout(backend, env_id, wrap, mode)
    assert_rollouts_equal(got, want, rtol=rtol, atol=atol, dtypes=False)


def same_error(ours: Callable[[], Any], theirs: Callable[[], Any], name: str) -> BaseException:
    """Both constructors raise the same exception type; ours names the wrapper. Returns ours."""
    import pytest

    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(want.type) as got:
        ours()
    assert name in str(got.value), str(got.value)
    return got.value


def jit_matches_eager(core: Callable[..., Any], *args: Any) -> None:
    """``jax.jit(core)`` on JAX copies of ``args`` equals the eager NumPy result.

    Skips without JAX.
    """
    pytest.importorskip("jax", reason="the jit check needs JAX (`array-env info` says how)")
    import jax
    import jax.numpy as jnp

    eager = core(*args, xp=np)
    jax_args = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]  # pyright: ignore[reportUnknownMemberType]
    compiled = jax.jit(lambda *xs: core(*xs, xp=jnp))(*jax_args)  # pyright: ignore[reportUnknownLambdaType, reportUnknownMemberType, reportUnknownVariableType]
    np.testing.assert_allclose(np.asarray(compiled), np.asarray(eager), rtol=1e-6)  # pyright: ignore[reportUnknownArgumentType]


def _row(leaf: Any, *, row: int) -> Any:
    return leaf[row, ...]
