"""``NormalizeObservation`` and ``NormalizeReward``, single and vector.

The base environments here emit float32 Box observations (mean 5, std 2) and float32 rewards as
arrays of the case's backend, so every backend and device is exercised; the same draws come from
the seeded host generator on every backend.
"""

from __future__ import annotations

import io
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

import array_env
from array_env.testing import Backend, assert_on_backend, to_host
from conformance.framework import Subject, WrapperCase, register_property
from conformance.properties import deep_copies, gymnasium_class, pickles

__all__ = ["CASES"]

_SHAPE = (3,)
_NUM_ENVS = 3
_STEPS = 12
_SPACE = gym.spaces.Box(-np.inf, np.inf, _SHAPE, np.float32)


class _Draws:
    """The host draws both base envs share: a float32 observation and reward per call."""

    backend: Backend
    np_random: np.random.Generator
    corrupt: bool = False

    def _obs(self, *batch: int) -> Any:
        shape = (*batch, _SHAPE[0] + 1) if self.corrupt else (*batch, *_SHAPE)
        host = (5.0 + 2.0 * self.np_random.standard_normal(shape)).astype(np.float32)
        return self.backend.asarray(host, "float32")

    def _reward(self, *batch: int) -> Any:
        host = self.np_random.uniform(-1.0, 3.0, size=batch).astype(np.float32)
        return self.backend.asarray(host, "float32")


# _Draws declares np_random as an attribute, gymnasium as a property: same value at run time.
class BoxEnv(_Draws, gym.Env[Any, Any]):  # pyright: ignore[reportIncompatibleVariableOverride]
    """Single env: Box observations and 0-d rewards of ``backend``; terminates every 5 steps."""

    observation_space = _SPACE
    action_space = gym.spaces.Discrete(2)

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._t = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        self._t = 0
        return self._obs(), {}

    def step(self, action: Any) -> Any:
        self._t += 1
        return self._obs(), self._reward(), self._t % 5 == 0, False, {}


class BoxVectorEnv(_Draws, VectorEnv[Any, Any, Any]):  # pyright: ignore[reportIncompatibleVariableOverride]
    """Vector env of ``num_envs`` that never finishes (autoreset is covered by the unit tests)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012

    def __init__(self, backend: Backend, num_envs: int = _NUM_ENVS) -> None:
        self.backend = backend
        self.num_envs = num_envs
        self.single_observation_space = _SPACE
        self.single_action_space = gym.spaces.Discrete(2)
        self.observation_space = batch_space(_SPACE, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        self._np_random, _ = seeding.np_random(seed)
        return self._obs(self.num_envs), {}

    def step(self, actions: Any) -> Any:
        flags = self.backend.asarray(np.zeros(self.num_envs, dtype=bool))
        return self._obs(self.num_envs), self._reward(self.num_envs), flags, flags, {}


def _build(subject: Subject) -> Any:
    single = subject.case.kind == "single"
    base = BoxEnv(subject.backend) if single else BoxVectorEnv(subject.backend)
    return subject.wrapper_class()(base)


def _action(subject: Subject, env: Any, read_only: bool) -> Any:
    return 1 if subject.case.kind == "single" else np.ones(_NUM_ENVS, dtype=np.int64)


def _rollout(subject: Subject, env: Any) -> list[tuple[Any, Any]]:
    obs, _ = env.reset(seed=4)
    out = [(obs, None)]
    for _ in range(_STEPS):
        obs, reward, terminated, truncated, _ = env.step(subject.action(env))
        out.append((obs, reward))
        if subject.case.kind == "single" and (terminated or truncated):
            out.append((env.reset()[0], None))
    return out


@register_property("namespace_device_kept")
def namespace_device_kept(subject: Subject) -> None:
    """Observations and rewards come back in the input's namespace, on its device."""
    env = subject.make()
    for index, (obs, reward) in enumerate(_rollout(subject, env)):
        for what, value in (("observation", obs), ("reward", reward)):
            if value is not None:
                try:
                    assert_on_backend(value, subject.backend.xp, subject.backend.device)
                except AssertionError as e:
                    raise AssertionError(f"{what} {index}: {e}") from None


@register_property("declared_space")
def declared_space(subject: Subject) -> None:
    """Observations have the declared float32 dtype and shape and lie in the declared space."""
    env = subject.make()
    space = env.observation_space
    for index, (obs, _) in enumerate(_rollout(subject, env)):
        host = to_host(obs)
        assert host.dtype == space.dtype, (
            f"observation {index}: dtype {host.dtype}, expected {space.dtype}"
        )
        assert space.contains(host), f"observation {index} of shape {host.shape} is not in {space}"


@register_property("matches_gymnasium")
def matches_gymnasium(subject: Subject) -> None:
    """On NumPy, outputs equal Gymnasium's wrapper's (its single-env statistics are float32)."""
    single = subject.case.kind == "single"
    reference = gymnasium_class(subject)(
        BoxEnv(Backend.NUMPY) if single else BoxVectorEnv(Backend.NUMPY)
    )
    ours, theirs = _rollout(subject, subject.make()), _rollout(subject, reference)
    assert len(ours) == len(theirs), f"{len(ours)} outputs, Gymnasium gave {len(theirs)}"
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for what, x, y in (("observation", a[0], b[0]), ("reward", a[1], b[1])):
            if x is not None:
                np.testing.assert_allclose(
                    to_host(x), np.asarray(y), rtol=1e-4, atol=1e-5, err_msg=f"{what} {index}"
                )


def _host_state(env: Any) -> dict[str, np.ndarray]:
    return {key: to_host(value) for key, value in env.state_dict().items()}


@register_property("bad_input_rejected")
def bad_input_rejected(subject: Subject) -> None:
    """An observation of the wrong shape raises an error naming the wrapper; state is kept."""
    if subject.case.wrapper != "NormalizeObservation":
        return
    env = subject.make()
    _rollout(subject, env)
    before = _host_state(env)
    base = env.env
    base.corrupt = True
    message = ""
    try:
        env.step(subject.action(env))
    except Exception as e:  # any error type, as long as it names the wrapper
        message = str(e) or type(e).__name__
    assert message, f"an observation of shape {_SHAPE[0] + 1} was accepted"
    assert subject.case.wrapper in message, f"the error does not name the wrapper: {message}"
    after = _host_state(env)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=f"{key} changed")


@register_property("state_dict_portable")
def state_dict_portable(subject: Subject) -> None:
    """``state_dict`` saves to ``.npz`` (no pickle); a wrapper loaded from it continues alike."""
    trained = subject.make()
    _rollout(subject, trained)
    buffer = io.BytesIO()
    np.savez(buffer, **array_env.to_namespace(trained.state_dict(), "numpy"))
    buffer.seek(0)
    restored = subject.make()
    restored.load_state_dict(dict(np.load(buffer, allow_pickle=False)))
    a, b = _rollout(subject, trained), _rollout(subject, restored)
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        np.testing.assert_allclose(
            to_host(y[0]), to_host(x[0]), rtol=1e-6, err_msg=f"observation {index}"
        )


_PROPERTIES = (
    namespace_device_kept,
    declared_space,
    matches_gymnasium,
    bad_input_rejected,
    state_dict_portable,
    pickles,
    deep_copies,
)


def _applies(prop: str, backend: Backend, param: Any) -> bool:
    return prop != "matches_gymnasium" or backend is Backend.NUMPY


CASES = [
    WrapperCase(
        wrapper=wrapper,
        kind=kind,
        build=_build,
        action=_action,
        properties=_PROPERTIES,
        applies=_applies,
    )
    for wrapper in ("NormalizeObservation", "NormalizeReward")
    for kind in ("single", "vector")
]
