"""Base environments for the suite: arrays of any backend out, every action recorded.

:class:`RecordingEnv` and :class:`RecordingVectorEnv` emit observations of one
:class:`~array_env.testing.Backend` on its device, as a nested tree of mixed dtypes (float32,
float64 where the backend has it, uint8, int64, bool, inside a dict, a tuple and a nested dict),
drawn from the seeded host generator; ``float64=False`` leaves the float64 leaf out. Each keeps
what it emitted (the arrays, and a host copy made before they left) and what it received, so
properties can check values, aliasing and mutation from the base environment's side.

Example:
    >>> env = RecordingEnv("numpy-readonly")
    >>> obs, info = env.reset(seed=0)
    >>> sorted(obs), obs["position"].flags.writeable
    (['pixels', 'position', 'precise', 'status'], False)
"""

from __future__ import annotations

from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from array_env._tree import tree_map
from array_env.testing import Backend

__all__ = ["RecordingEnv", "RecordingVectorEnv", "host_action", "source_dtype"]

_NARROW = {"float64": "float32", "int64": "int32", "uint64": "uint32", "complex128": "complex64"}


def source_dtype(backend: Backend, name: str) -> str:
    """The dtype an array of dtype ``name`` has on ``backend`` (JAX without x64 narrows 64-bit)."""
    if backend in (Backend.JAX, Backend.JAX_CUDA) and not backend.has_float64:
        return _NARROW.get(name, name)
    if not backend.has_float64 and name in ("float64", "complex128"):
        return _NARROW[name]
    return name


def _as_source(backend: Backend, leaf: Any) -> Any:
    """A host copy of ``leaf`` with the dtype it has on ``backend``."""
    if not isinstance(leaf, np.ndarray):
        return leaf
    host = cast("NDArray[Any]", leaf)
    return host.astype(source_dtype(backend, host.dtype.name))


def _on_backend(backend: Backend, host: Any) -> Any:
    """Move a host tree to ``backend``, keeping (or canonicalising) every leaf's dtype."""

    def move(leaf: Any) -> Any:
        if not isinstance(leaf, np.ndarray):
            return leaf
        leaf = _as_source(backend, leaf)
        return backend.asarray(leaf, dtype=leaf.dtype.name)

    return tree_map(move, host)


def _host_observation(rng: np.random.Generator, batch: tuple[int, ...], float64: bool) -> Any:
    obs: dict[str, Any] = {
        "position": rng.uniform(-1.0, 1.0, (*batch, 3)).astype(np.float32),
        "pixels": rng.integers(0, 256, (*batch, 2, 2), dtype=np.uint8),
        "status": ({"count": rng.integers(0, 100, (*batch, 2), dtype=np.int64)},
                   rng.random((*batch, 2)) < 0.5),
    }  # fmt: skip
    if float64:
        obs["precise"] = rng.normal(size=(*batch, 2))
    return obs


def _observation_space(float64: bool) -> gym.spaces.Dict:
    spaces: dict[str, gym.Space[Any]] = {
        "position": gym.spaces.Box(-1.0, 1.0, (3,), np.float32),
        "pixels": gym.spaces.Box(0, 255, (2, 2), np.uint8),
        "status": gym.spaces.Tuple(
            (
                gym.spaces.Dict({"count": gym.spaces.Box(0, 99, (2,), np.int64)}),
                # Box takes bool at runtime; its annotation lists only numeric dtypes.
                gym.spaces.Box(0, 1, (2,), bool),  # pyright: ignore[reportCallIssue, reportArgumentType]
            )
        ),
    }
    if float64:
        spaces["precise"] = gym.spaces.Box(-np.inf, np.inf, (2,), np.float64)
    return gym.spaces.Dict(spaces)


_ACTION_SPACE = gym.spaces.Dict(
    {"move": gym.spaces.Box(-1.0, 1.0, (2,), np.float32), "mode": gym.spaces.Discrete(3)}
)


def host_action(batch: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    """A fixed action: ``move`` float32 of shape ``(*batch, 2)``, ``mode`` int32 of ``batch``."""
    move = np.resize(np.array([0.25, -0.5], dtype=np.float32), (*batch, 2))
    return {"move": move, "mode": np.full(batch, 2, dtype=np.int32)}


class _Recorder:
    """The recording shared by the single and vector environments."""

    backend: Backend

    def _start_recording(self, backend: Backend | str, float64: bool | None) -> None:
        self.backend = Backend(backend)
        self.float64 = self.backend.has_float64 if float64 is None else float64
        """Whether observations hold a float64 leaf (by default where the backend has float64)."""
        self.emitted: list[Any] = []
        """Every ``reset``/``step`` return value, as handed out."""
        self.emitted_host: list[Any] = []
        """The same, as host NumPy trees made before anything could touch them."""
        self.received: list[Any] = []
        """Every action, as received."""

    def _emit(self, host: Any) -> Any:
        out = _on_backend(self.backend, host)
        self.emitted.append(out)
        self.emitted_host.append(tree_map(lambda x: _as_source(self.backend, x), host))
        return out

    def __getstate__(self) -> dict[str, Any]:
        # Recorded arrays stay behind: a copy starts a fresh recording.
        state = dict(self.__dict__)
        state.update(emitted=[], emitted_host=[], received=[])
        return state


class RecordingEnv(_Recorder, gym.Env[Any, Any]):
    """A single environment emitting a nested tree of ``backend`` arrays."""

    def __init__(self, backend: Backend | str, *, float64: bool | None = None) -> None:
        self._start_recording(backend, float64)
        self.observation_space = _observation_space(self.float64)
        self.action_space = _ACTION_SPACE

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        host = _host_observation(self.np_random, (), self.float64)
        obs, info = self._emit((host, {"energy": np.float32(0.5).reshape(()), "step": 0}))
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        self.received.append(action)
        host = _host_observation(self.np_random, (), self.float64)
        energy = self.np_random.uniform(size=()).astype(np.float32)
        out = self._emit((host, 1.0, False, False, {"energy": energy, "step": len(self.received)}))
        obs, reward, terminated, truncated, info = out
        return obs, reward, terminated, truncated, info


class RecordingVectorEnv(_Recorder, VectorEnv[Any, Any, Any]):
    """``num_envs`` sub-environments emitting batched trees, rewards and flags of ``backend``."""

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012

    def __init__(
        self, backend: Backend | str, num_envs: int = 2, *, float64: bool | None = None
    ) -> None:
        self._start_recording(backend, float64)
        self.num_envs = num_envs
        self.single_observation_space = _observation_space(self.float64)
        self.single_action_space = _ACTION_SPACE
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        n = (self.num_envs,)
        host = _host_observation(self.np_random, n, self.float64)
        obs, info = self._emit((host, {}))
        return obs, info

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        self.received.append(actions)
        n = (self.num_envs,)
        host = _host_observation(self.np_random, n, self.float64)
        rewards = self.np_random.uniform(size=n).astype(np.float32)
        done = np.zeros(n, dtype=np.bool_)
        info = {"energy": rewards * 2, "_energy": np.ones(n, dtype=np.bool_)}
        obs, rewards, terminations, truncations, info = self._emit(
            (host, rewards, done, done.copy(), info)
        )
        return obs, rewards, terminations, truncations, info
