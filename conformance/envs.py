"""Base environments for the suite: arrays of any backend out, every action recorded.

:class:`RecordingEnv` and :class:`RecordingVectorEnv` emit observations of one
:class:`~array_env.testing.Backend` on its device, as a nested tree of mixed dtypes (float32,
float64 where the backend has it, uint8, int64, bool, inside a dict, a tuple and a nested dict),
drawn from the seeded host generator; ``float64=False`` leaves the float64 leaf out. Each keeps
what it emitted (the arrays, and a host copy made before they left) and what it received, so
properties can check values, aliasing and mutation from the base environment's side.

Examples:
    >>> env = RecordingEnv("numpy-readonly")
    >>> obs, info = env.reset(seed=0)
    >>> sorted(obs), obs["position"].flags.writeable
    (['pixels', 'position', 'precise', 'status'], False)
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv
from gymnasium.vector.utils import batch_space
from numpy.typing import NDArray

from array_env._tree import tree_map
from array_env.testing import Backend, to_host

from .hostsync import host_reads_allowed

if TYPE_CHECKING:
    from .framework import BaseSpec

__all__ = [
    "DEFAULT_ACTION_SPACE",
    "DEFAULT_OBSERVATION_SPACE",
    "ConformanceEnv",
    "ConformanceVectorEnv",
    "RecordingEnv",
    "RecordingVectorEnv",
    "episode_end",
    "host_action",
    "make_base",
    "source_dtype",
]

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
        for key in ("received_host", "stepped"):
            if key in state:
                state[key] = []
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


# --- The suite's default base environments: any space, episodes that end, every autoreset mode.

DEFAULT_OBSERVATION_SPACE: gym.Space[Any] = gym.spaces.Box(-2.0, 2.0, (3,), np.float32)
"""The single observation space of the default base environment."""
DEFAULT_ACTION_SPACE: gym.Space[Any] = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
"""The single action space of the default base environment."""


def episode_end(index: int, episode: int) -> tuple[int, bool]:
    """``(length, terminated)`` of episode ``episode`` of sub-env ``index``.

    Lengths cycle through 3, 4 and 5 steps; an episode ends by termination when ``index +
    episode`` is even and by truncation otherwise, so both flags and every reset path occur.
    """
    return 3 + (index + episode) % 3, (index + episode) % 2 == 0


def _draw(space: gym.Space[Any], seed: int, index: int, episode: int, t: int) -> Any:
    """A host sample of ``space`` that depends only on (seed, index, episode, t)."""
    space.seed((seed * 1_000_003 + index * 10_007 + episode * 101 + t) % 2**31)
    return space.sample()


def _stack(rows: list[Any]) -> Any:
    first = rows[0]
    if isinstance(first, dict):
        keys: list[Any] = list(first)  # pyright: ignore[reportUnknownArgumentType]
        return {key: _stack([row[key] for row in rows]) for key in keys}
    if isinstance(first, tuple):
        size: int = len(first)  # pyright: ignore[reportUnknownArgumentType]
        return tuple(_stack([row[i] for row in rows]) for i in range(size))
    return np.stack([np.asarray(row) for row in rows])


def _frame(index: int, episode: int, t: int) -> np.ndarray:
    frame = np.zeros((8, 8, 3), dtype=np.uint8)
    frame[t % 8, :, 0] = 255
    frame[:, episode % 8, 1] = 200
    frame[..., 2] = 10 * index
    return frame


def _host_copy(tree: Any) -> Any:
    return tree_map(lambda x: np.array(to_host(x), copy=True) if hasattr(x, "shape") else x, tree)


class _Periodic(_Recorder):
    """What the default single and vector environments share: recording and corruption."""

    corrupt: Any = None
    """A function applied to the next ``step`` output; that step then leaves no trace."""

    def _start(self, backend: Backend, observation_space: gym.Space[Any] | None) -> None:
        self._start_recording(backend, None)
        self._space = copy.deepcopy(observation_space or DEFAULT_OBSERVATION_SPACE)
        self.received_host: list[Any] = []
        """Every action received, as host copies made on arrival."""

    def _observe(self, seeds: Any, indices: Any, episodes: Any, ts: Any) -> Any:
        rows = [
            _draw(self._space, int(s), int(i), int(e), int(t))
            for s, i, e, t in zip(seeds, indices, episodes, ts, strict=True)
        ]
        return rows

    def _emit_host(self, host: Any) -> Any:
        out = _on_backend(self.backend, host)
        self.emitted.append(out)
        self.emitted_host.append(tree_map(lambda x: _as_source(self.backend, x), _host_copy(host)))
        return out

    def _corrupted(self, state: dict[str, Any], out: tuple[Any, ...]) -> tuple[Any, ...]:
        """Undo this step (state, records) and hand out the corrupted output."""
        corrupt, self.corrupt = self.corrupt, None
        self.__dict__.update(state)
        self.emitted.pop()
        self.emitted_host.pop()
        self.received.pop()
        self.received_host.pop()
        return tuple(corrupt(out))

    def _dynamic_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.__dict__
        return {k: copy.copy(v) for k, v in state.items() if k in self._DYNAMIC}

    _DYNAMIC: tuple[str, ...] = ()


class ConformanceEnv(_Periodic, gym.Env[Any, Any]):
    """A single environment standing for sub-env ``index`` of :class:`ConformanceVectorEnv`.

    Observations are seeded draws from ``observation_space`` (a function of the reset seed, the
    episode and the step), rewards ``0.5 * t + 0.25 * index`` as float32 arrays, terminations
    and truncations as bool arrays (or Python numbers with ``python_scalars=True``); episodes
    end as :func:`episode_end` says.
    """

    _DYNAMIC = ("t", "episode", "seed_value")

    def __init__(
        self,
        backend: Backend | str,
        observation_space: gym.Space[Any] | None = None,
        action_space: gym.Space[Any] | None = None,
        *,
        index: int = 0,
        python_scalars: bool = False,
        render_mode: str | None = None,
    ) -> None:
        self._start(Backend(backend), observation_space)
        self.render_mode = render_mode
        self.observation_space = copy.deepcopy(self._space)
        self.action_space = copy.deepcopy(action_space or DEFAULT_ACTION_SPACE)
        self.index, self.python_scalars = index, python_scalars
        self.t, self.episode, self.seed_value = 0, -1, 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        with host_reads_allowed():
            super().reset(seed=seed)
            if seed is not None:  # a seed restarts the episode count: same seed, same episodes
                self.seed_value, self.episode = seed, -1
            self.t, self.episode = 0, self.episode + 1
            host = self._observe([self.seed_value], [self.index], [self.episode], [0])[0]
            obs, info = self._emit_host((host, {}))
        return obs, info

    def render(self) -> Any:
        """An ``(8, 8, 3)`` uint8 host frame that changes with the step (``rgb_array``)."""
        if self.render_mode not in ("rgb_array", "rgb_array_list"):
            return None
        return _frame(self.index, self.episode, self.t)

    def step(self, action: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        with host_reads_allowed():
            state = self._dynamic_state()
            self.received.append(action)
            self.received_host.append(_host_copy(action))
            self.t += 1
            length, by_termination = episode_end(self.index, self.episode)
            end = self.t == length
            host_obs = self._observe([self.seed_value], [self.index], [self.episode], [self.t])[0]
            reward = np.float32(0.5 * self.t + 0.25 * self.index)
            terminated, truncated = end and by_termination, end and not by_termination
            if self.python_scalars:
                host: Any = (host_obs, float(reward), terminated, truncated, {})
            else:
                host = (host_obs, np.asarray(reward), np.asarray(terminated),
                        np.asarray(truncated), {})  # fmt: skip
            out = tuple(self._emit_host(host))
            if self.corrupt is not None:
                out = self._corrupted(state, out)
        obs, reward_out, terminated_out, truncated_out, info = out
        return obs, reward_out, terminated_out, truncated_out, info


class ConformanceVectorEnv(_Periodic, VectorEnv[Any, Any, Any]):
    """``num_envs`` :class:`ConformanceEnv` rows as one native batch, in any autoreset mode.

    Row ``i`` reset with ``seed`` behaves as ``ConformanceEnv(index=i)`` reset with ``seed + i``
    (as in Gymnasium's ``SyncVectorEnv``). Rewards and flags are arrays of the backend; in
    same-step mode ``info["final_obs"]`` is the batched final observation and
    ``info["_final_obs"]`` the backend mask of the rows that ended. ``stepped`` records, per
    step, which rows really stepped (next-step mode resets a finished row instead).
    """

    _DYNAMIC = ("t", "episode", "seeds", "pending")

    def __init__(
        self,
        backend: Backend | str,
        num_envs: int = 3,
        autoreset_mode: AutoresetMode = AutoresetMode.NEXT_STEP,
        observation_space: gym.Space[Any] | None = None,
        action_space: gym.Space[Any] | None = None,
        *,
        render_mode: str | None = None,
    ) -> None:
        self._start(Backend(backend), observation_space)
        self.render_mode = render_mode
        self.num_envs = num_envs
        self.metadata = {"autoreset_mode": AutoresetMode(autoreset_mode)}
        single_obs: gym.Space[Any] = copy.deepcopy(self._space)
        single_act: gym.Space[Any] = copy.deepcopy(action_space or DEFAULT_ACTION_SPACE)
        self.single_observation_space, self.single_action_space = single_obs, single_act
        self.observation_space = batch_space(single_obs, num_envs)
        self.action_space = batch_space(single_act, num_envs)
        self.index = np.arange(num_envs)
        self.t = np.zeros(num_envs, dtype=np.int64)
        self.episode = np.full(num_envs, -1, dtype=np.int64)
        self.seeds = np.zeros(num_envs, dtype=np.int64)
        self.pending = np.zeros(num_envs, dtype=bool)
        self.stepped: list[np.ndarray] = []

    def render(self) -> Any:
        """One ``(8, 8, 3)`` uint8 host frame per sub-env, as a tuple (``rgb_array``)."""
        if self.render_mode not in ("rgb_array", "rgb_array_list"):
            return None
        rows = zip(self.index.tolist(), self.episode.tolist(), self.t.tolist(), strict=True)
        return tuple(_frame(i, e, t) for i, e, t in rows)

    def _host_obs(self) -> Any:
        return _stack(self._observe(self.seeds, self.index, self.episode, self.t))

    def _restart(self, mask: np.ndarray) -> None:
        self.t = np.where(mask, 0, self.t)
        self.episode = self.episode + mask

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        with host_reads_allowed():
            super().reset(seed=seed)
            if seed is not None:  # a seed restarts the episode count: same seed, same episodes
                self.seeds = seed + self.index
                self.episode = np.full(self.num_envs, -1, dtype=np.int64)
            mask = (options or {}).get("reset_mask")
            n = self.num_envs
            mask = np.ones(n, dtype=bool) if mask is None else to_host(mask).astype(bool)
            self._restart(mask)
            self.pending = self.pending & ~mask
            obs, info = self._emit_host((self._host_obs(), {}))
        return obs, info

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        with host_reads_allowed():
            state = self._dynamic_state()
            self.received.append(actions)
            self.received_host.append(_host_copy(actions))
            mode = self.metadata["autoreset_mode"]
            next_step = mode is AutoresetMode.NEXT_STEP
            stepping = ~self.pending if next_step else np.ones(self.num_envs, dtype=bool)
            self.stepped.append(stepping)
            self._restart(self.pending & ~stepping)
            self.t = self.t + stepping
            rows = zip(self.index.tolist(), self.episode.tolist(), strict=True)
            ends = [episode_end(i, e) for i, e in rows]
            length = np.array([end[0] for end in ends])
            by_termination = np.array([end[1] for end in ends])
            done = stepping & (self.t == length)
            terminated, truncated = done & by_termination, done & ~by_termination
            rewards = np.where(stepping, 0.5 * self.t + 0.25 * self.index, 0.0).astype(np.float32)
            info: dict[str, Any] = {}
            if mode is AutoresetMode.SAME_STEP:
                final = self._host_obs()
                self._restart(done)
                info = {"final_obs": final, "_final_obs": done.copy(),
                        "final_info": {}, "_final_info": done.copy()}  # fmt: skip
            self.pending = done if next_step else np.zeros(self.num_envs, dtype=bool)
            host = (self._host_obs(), rewards, terminated, truncated, info)
            out = tuple(self._emit_host(host))
            if self.corrupt is not None:
                self.stepped.pop()
                out = self._corrupted(state, out)
        obs, rewards_out, terminated_out, truncated_out, info_out = out
        return obs, rewards_out, terminated_out, truncated_out, info_out


def make_base(
    spec: BaseSpec,
    observation_space: gym.Space[Any] | None = None,
    action_space: gym.Space[Any] | None = None,
    *,
    render_mode: str | None = None,
) -> Any:
    """The suite's default base environment for ``spec`` (see :class:`~.framework.BaseSpec`).

    A case needing rendering passes ``env=lambda spec: make_base(spec, render_mode="rgb_array")``.
    """
    if spec.kind == "single":
        return ConformanceEnv(spec.backend, observation_space, action_space, index=spec.sub_env,
                              render_mode=render_mode)  # fmt: skip
    mode = spec.mode or AutoresetMode.NEXT_STEP
    if not spec.sync:
        return ConformanceVectorEnv(spec.backend, spec.num_envs, mode, observation_space,
                                    action_space, render_mode=render_mode)  # fmt: skip
    if spec.backend not in (Backend.NUMPY, Backend.NUMPY_READONLY):
        raise ValueError(f"SyncVectorEnv batches into NumPy; {spec.backend.label} has no sync twin")

    def sub_env(index: int) -> Any:
        return lambda: ConformanceEnv(spec.backend, observation_space, action_space, index=index,
                                      render_mode=render_mode)  # fmt: skip

    return SyncVectorEnv([sub_env(i) for i in range(spec.num_envs)], autoreset_mode=mode)
