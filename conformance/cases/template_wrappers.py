"""``FrameStackObservation``, ``ClipAction`` and ``RecordEpisodeStatistics``, single and vector.

The base environments are deterministic and emit arrays of the case's backend: sub-env ``i``
observes ``[t, episode, i]`` (float32), earns ``0.5 * t`` and terminates when ``t`` reaches
``3 + i``, so episodes of different lengths end at different steps. The vector env is native
(no NumPy buffer), supports all three autoreset modes and reports ``final_obs`` as a stacked
array, so the vector-equals-single property runs on every backend. Actions are float32 Box
``(-1, 1)`` of shape ``(2,)``; the envs record the actions they receive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

# registers the namespace_device_kept and declared_space properties
import conformance.cases.normalization  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env.testing import Backend, to_host
from conformance.framework import SkipProperty, Subject, WrapperCase, register_property
from conformance.properties import gymnasium_class

__all__ = ["CASES"]

_NUM_ENVS = 3
_STEPS = 14
_FRAME = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
_ACTIONS = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED)


class PeriodicEnv(gym.Env[Any, Any]):
    """Sub-env ``index`` alone: observes ``[t, episode, index]``, ends at ``t == 3 + index``."""

    observation_space = _FRAME
    action_space = _ACTIONS

    def __init__(self, backend: Backend, index: int = 0) -> None:
        self.backend, self.index = backend, index
        self.t, self.episode = 0, -1
        self.received: list[Any] = []
        self.corrupt: str | None = None

    def _obs(self) -> Any:
        host = np.array([self.t, self.episode, self.index], dtype=np.float32)
        if self.corrupt == "observation":
            host = np.append(host, 0.0).astype(np.float32)
        return self.backend.asarray(host, "float32")

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        self.t, self.episode = 0, self.episode + 1
        return self._obs(), {}

    def step(self, action: Any) -> Any:
        self.received.append(to_host(action).copy())
        self.t += 1
        reward = self.backend.asarray(np.array(0.5 * self.t, dtype=np.float32), "float32")
        if self.corrupt == "reward":
            reward = self.backend.asarray(np.zeros(2, dtype=np.float32), "float32")
        return self._obs(), reward, self.t == 3 + self.index, False, {}


class PeriodicVectorEnv(VectorEnv[Any, Any, Any]):
    """``num_envs`` :class:`PeriodicEnv` sub-envs as one batch, in any autoreset mode."""

    def __init__(self, backend: Backend, num_envs: int, mode: AutoresetMode) -> None:
        self.backend, self.num_envs = backend, num_envs
        self.metadata = {"autoreset_mode": mode}
        self.single_observation_space, self.single_action_space = _FRAME, _ACTIONS
        self.observation_space = batch_space(_FRAME, num_envs)
        self.action_space = batch_space(_ACTIONS, num_envs)
        self.t = np.zeros(num_envs, dtype=np.int64)
        self.episode = np.full(num_envs, -1, dtype=np.int64)
        self.pending = np.zeros(num_envs, dtype=bool)
        self.received: list[Any] = []
        self.stepped: list[np.ndarray] = []
        self.corrupt: str | None = None

    def _obs(self) -> Any:
        host = np.stack([self.t, self.episode, np.arange(self.num_envs)], axis=1)
        if self.corrupt == "observation":
            host = host[1:]
        return self.backend.asarray(host.astype(np.float32), "float32")

    def _restart(self, mask: np.ndarray) -> None:
        self.t[mask] = 0
        self.episode[mask] += 1

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        mask = (options or {}).get("reset_mask")
        mask = np.ones(self.num_envs, dtype=bool) if mask is None else to_host(mask).astype(bool)
        self._restart(mask)
        self.pending &= ~mask
        return self._obs(), {}

    def step(self, actions: Any) -> Any:
        self.received.append(to_host(actions).copy())
        mode = self.metadata["autoreset_mode"]
        stepping = ~self.pending if mode is AutoresetMode.NEXT_STEP else np.ones_like(self.pending)
        self.stepped.append(stepping)
        self._restart(self.pending & ~stepping)
        self.t[stepping] += 1
        rewards = np.where(stepping, 0.5 * self.t, 0.0).astype(np.float32)
        terminated = stepping & (self.t == 3 + np.arange(self.num_envs))
        infos: dict[str, Any] = {}
        if mode is AutoresetMode.SAME_STEP:
            final = self._obs()
            self._restart(terminated)
            infos = {"final_obs": final, "_final_obs": self.backend.asarray(terminated)}
        self.pending = terminated if mode is AutoresetMode.NEXT_STEP else self.pending & False
        if self.corrupt == "reward":
            rewards = rewards[1:]
        flags = self.backend.asarray(terminated)
        truncated = self.backend.asarray(np.zeros(self.num_envs, dtype=bool))
        return self._obs(), self.backend.asarray(rewards, "float32"), flags, truncated, infos


def _wrap(subject: Subject, base: Any) -> Any:
    cls = subject.wrapper_class()
    if subject.case.wrapper == "FrameStackObservation":
        return cls(base, 3, padding_type="zero")
    return cls(base)


def _build(subject: Subject) -> Any:
    if subject.case.kind == "single":
        return _wrap(subject, PeriodicEnv(subject.backend))
    return _wrap(subject, PeriodicVectorEnv(subject.backend, _NUM_ENVS, AutoresetMode.NEXT_STEP))


def _host_actions(step: int, batch: tuple[int, ...]) -> np.ndarray:
    """Deterministic actions, half of them outside the Box (so clipping is visible)."""
    size = int(np.prod(batch, dtype=np.int64)) * 2
    values: np.ndarray = np.linspace(-2.0, 2.0, size) * (-1) ** step
    return values.reshape(*batch, 2).astype(np.float32)


def _action(subject: Subject, env: Any, read_only: bool) -> Any:
    backend = subject.backend
    if read_only and backend is Backend.NUMPY:
        backend = Backend.NUMPY_READONLY
    batch = () if subject.case.kind == "single" else (_NUM_ENVS,)
    return backend.asarray(_host_actions(0, batch), "float32")


def _host(x: Any) -> Any:
    return to_host(x) if compat.is_array_api_obj(x) else np.asarray(x)


def _episodes(info: dict[str, Any], index: int | None) -> tuple[float, int] | None:
    """``(r, l)`` of the episode reported in ``info`` for one sub-env (``None`` if none)."""
    if "episode" not in info:
        return None
    if index is None:
        return float(_host(info["episode"]["r"])), int(_host(info["episode"]["l"]))
    if not bool(_host(info["_episode"])[index]):
        return None
    return float(_host(info["episode"]["r"])[index]), int(_host(info["episode"]["l"])[index])


def _compare(what: str, got: Any, want: Any) -> None:
    np.testing.assert_allclose(_host(got), _host(want), rtol=1e-6, atol=1e-6, err_msg=what)


@register_property("vector_equals_single")
def vector_equals_single(subject: Subject) -> None:
    """Sub-env ``i`` of the vector wrapper equals the single wrapper over sub-env ``i`` alone.

    Observations, rewards, episode statistics and the actions reaching the env, under
    next-step, same-step and disabled autoreset.
    """
    backend = subject.backend
    for mode in _MODES:
        base = PeriodicVectorEnv(backend, _NUM_ENVS, mode)
        vector = _wrap(subject, base)
        singles_base = [PeriodicEnv(backend, i) for i in range(_NUM_ENVS)]
        singles = [_wrap(_single(subject), env) for env in singles_base]
        obs, _ = vector.reset(seed=0)
        for i, single in enumerate(singles):
            _compare(f"{mode.value}: reset observation of sub-env {i}", obs[i, ...],
                     single.reset(seed=0)[0])  # fmt: skip
        pending = np.zeros(_NUM_ENVS, dtype=bool)
        for step in range(_STEPS):
            actions = _host_actions(step, (_NUM_ENVS,))
            obs, rewards, terminated, truncated, infos = vector.step(
                backend.asarray(actions, "float32")
            )
            done = _host(terminated) | _host(truncated)
            where = f"{mode.value}, step {step}"
            for i, single in enumerate(singles):
                if mode is AutoresetMode.NEXT_STEP and pending[i]:
                    _compare(f"{where}: reset-step observation {i}", obs[i, ...], single.reset()[0])
                    continue
                s_obs, s_reward, _, _, s_info = single.step(backend.asarray(actions[i], "float32"))
                _compare(f"{where}: reward {i}", rewards[i, ...], s_reward)
                assert _episodes(infos, i) == _episodes(s_info, None), (
                    f"{where}: episode statistics of sub-env {i}: vector "
                    f"{_episodes(infos, i)}, single {_episodes(s_info, None)}"
                )
                if mode is AutoresetMode.SAME_STEP and done[i]:
                    _compare(f"{where}: final observation {i}", infos["final_obs"][i, ...], s_obs)
                    _compare(f"{where}: observation after reset {i}", obs[i, ...],
                             single.reset()[0])  # fmt: skip
                else:
                    _compare(f"{where}: observation {i}", obs[i, ...], s_obs)
            if mode is AutoresetMode.DISABLED and done.any():
                obs, _ = vector.reset(options={"reset_mask": backend.asarray(done)})
                for row in np.flatnonzero(done):
                    _compare(f"{where}: partial reset {row}", obs[row, ...],
                             singles[row].reset()[0])  # fmt: skip
            pending = done
        for i, single_base in enumerate(singles_base):
            sent = [a[i] for a, s in zip(base.received, base.stepped, strict=True) if s[i]]
            _compare(f"{mode.value}: actions reaching sub-env {i}", np.stack(sent),
                     np.stack(single_base.received))  # fmt: skip


def _single(subject: Subject) -> Subject:
    from dataclasses import replace

    single_case = next(
        case for case in CASES if case.wrapper == subject.case.wrapper and case.kind == "single"
    )
    return replace(subject, case=single_case)


@register_property("same_as_gymnasium")
def same_as_gymnasium(subject: Subject) -> None:
    """On NumPy, everything equals Gymnasium's own wrapper's.

    Observations, rewards, episode statistics and the actions reaching the env (vector: in
    next-step and same-step modes).
    """
    reference = gymnasium_class(subject)
    if reference is None:
        raise SkipProperty(f"Gymnasium has no vector {subject.case.wrapper}")
    modes = (None,) if subject.case.kind == "single" else _MODES[:2]
    for mode in modes:
        runs: list[tuple[list[Any], Any]] = []  # (outputs, actions the env received)
        makers: tuple[Callable[[Any], Any], ...] = (
            lambda base: _wrap(subject, base),
            lambda base: _wrap_gym(reference, base),
        )
        for make in makers:
            if mode is None:
                base: Any = PeriodicEnv(Backend.NUMPY)
            else:
                base = PeriodicVectorEnv(Backend.NUMPY, _NUM_ENVS, mode)
            runs.append((_trajectory(make(base), mode), base.received))
        (ours, ours_sent), (theirs, theirs_sent) = runs
        label = "single" if mode is None else mode.value
        assert len(ours) == len(theirs), f"{label}: {len(ours)} outputs, Gymnasium {len(theirs)}"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if isinstance(a, tuple):
                assert a == b, f"{label}: output {index} is {a}, Gymnasium's {b}"
            else:
                _compare(f"{label}: output {index}", a, b)
        _compare(f"{label}: actions reaching the env", np.stack(ours_sent), np.stack(theirs_sent))


def _wrap_gym(reference: Any, base: Any) -> Any:
    if reference is gym.wrappers.FrameStackObservation:
        return reference(base, 3, padding_type="zero")
    return reference(base)


def _trajectory(env: Any, mode: AutoresetMode | None) -> list[Any]:
    batch = () if mode is None else (_NUM_ENVS,)
    obs, _ = env.reset(seed=0)
    out: list[Any] = [obs]
    for step in range(_STEPS):
        obs, reward, terminated, truncated, info = env.step(_host_actions(step, batch))
        out += [obs, reward]
        if mode is None:
            out.append(_episodes(info, None) or ())
            if terminated or truncated:
                out.append(env.reset()[0])
        elif "episode" in info:
            out.append(tuple((int(m), float(r), int(n)) for m, r, n in zip(
                _host(info["_episode"]), _host(info["episode"]["r"]),
                _host(info["episode"]["l"]), strict=True)))  # fmt: skip
    return out


@register_property("bad_input_keeps_state")
def bad_input_keeps_state(subject: Subject) -> None:
    """Malformed input raises an error naming the wrapper, and leaves its state as it was.

    The input is an observation (frame stack), action (clip) or reward (statistics); after the
    rejected call the wrapper behaves exactly as a twin that never saw it.
    """
    single = subject.case.kind == "single"
    first, twin = subject.make(), subject.make()
    for env in (first, twin):
        env.reset(seed=0)
        for _ in range(4):
            env.step(subject.action(env))
    base = first.env
    batch = () if single else (_NUM_ENVS,)
    action = subject.action(first)
    if subject.case.wrapper == "ClipAction":
        action = subject.backend.asarray(np.zeros((*batch, 3), dtype=np.float32), "float32")
    else:
        base.corrupt = (
            "observation" if subject.case.wrapper == "FrameStackObservation" else "reward"
        )
    message = ""
    try:
        first.step(action)
    except Exception as e:  # any error type, as long as it names the wrapper
        message = str(e) or type(e).__name__
    base.corrupt = None
    assert message, "the malformed input was accepted"
    assert subject.case.wrapper in message, f"the error does not name the wrapper: {message}"
    if subject.case.wrapper != "ClipAction":  # the base env stepped: let the twin's step too
        twin.env.step(subject.action(twin))
    for step in range(6):
        got, want = first.step(subject.action(first)), twin.step(subject.action(twin))
        for k in (0, 1):
            _compare(f"step {step} after the rejected call, output {k}", got[k], want[k])
        assert _episodes(got[4], None if single else 0) == _episodes(want[4], None if single else 0)


_PROPERTIES = (
    "namespace_device_kept",
    "declared_space",
    "same_as_gymnasium",
    "bad_input_keeps_state",
    "pickles",
    "deep_copies",
)


def _applies(prop: str, backend: Backend, param: Any) -> bool:
    return prop != "same_as_gymnasium" or backend is Backend.NUMPY


CASES = [
    WrapperCase(
        wrapper=wrapper,
        kind=kind,
        build=_build,
        action=_action,
        properties=_PROPERTIES + (("vector_equals_single",) if kind == "vector" else ()),
        applies=_applies,
    )
    for wrapper in ("FrameStackObservation", "ClipAction", "RecordEpisodeStatistics")
    for kind in ("single", "vector")
]
