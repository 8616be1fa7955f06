"""PassiveEnvChecker: Gymnasium's warnings and errors on NumPy, array-aware checks elsewhere."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import array_env.wrappers._passive_checks as checks
from array_env.envs.cartpole import CartPoleEnv
from array_env.testing import Backend
from array_env.wrappers import PassiveEnvChecker

BOX = spaces.Box(-1.0, 1.0, (3,), np.float32)


class Fake(gym.Env[Any, Any]):
    """An env whose outputs are set by the test."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}  # noqa: RUF012

    def __init__(
        self,
        obs: Callable[[], Any] = lambda: np.zeros(3, np.float32),
        step: Callable[[Any], Any] | None = None,
        observation_space: Any = BOX,
        action_space: Any = None,
        reset_result: Callable[[Any], Any] | None = None,
        render_mode: str | None = None,
        frame: Any = None,
    ) -> None:
        self.observation_space = observation_space
        self.action_space = action_space if action_space is not None else spaces.Discrete(2)
        self._obs = obs
        self._step: Callable[[Any], Any] = step or (lambda o: (o, 1.0, False, False, {}))
        self._reset_result: Callable[[Any], Any] = reset_result or (lambda o: (o, {}))
        self.render_mode = render_mode
        self._frame = frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        return self._reset_result(self._obs())

    def step(self, action: Any) -> Any:
        return self._step(self._obs())

    def render(self) -> Any:
        return self._frame


def _warnings_and_error(
    make: Callable[[], Any], checker: type, calls: int = 2
) -> tuple[list[str], Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            env = checker(make())
            env.reset(seed=0)
            for _ in range(calls):
                env.step(0)
            env.render()
        except Exception as e:
            return [str(w.message) for w in caught], e
    return [str(w.message) for w in caught], None


SHARED = np.zeros(3, np.float32)

CASES: dict[str, Callable[[], Any]] = {
    "clean": lambda: Fake(),
    "out of bounds": lambda: Fake(obs=lambda: np.full(3, 2.0, np.float32)),
    "wrong dtype": lambda: Fake(obs=lambda: np.zeros(3, np.float64)),
    "not an array": lambda: Fake(obs=lambda: [0.0, 0.0, 0.0]),
    "nan reward": lambda: Fake(step=lambda o: (o, float("nan"), False, False, {})),
    "inf reward": lambda: Fake(step=lambda o: (o, np.float32("inf"), False, False, {})),
    "str reward": lambda: Fake(step=lambda o: (o, "1", False, False, {})),
    "int flags": lambda: Fake(step=lambda o: (o, 1, 0, 1, {})),
    "info not a dict": lambda: Fake(step=lambda o: (o, 1.0, False, False, [])),
    "three-tuple": lambda: Fake(step=lambda o: (o, 1.0, {})),
    "old step API": lambda: Fake(step=lambda o: (o, 1.0, 0, {})),
    "reset not a tuple": lambda: Fake(reset_result=lambda o: o),
    "reset info not a dict": lambda: Fake(reset_result=lambda o: (o, None)),
    "reused data": lambda: Fake(obs=lambda: SHARED),
    "flat box": lambda: Fake(
        observation_space=spaces.Box(0.0, 0.0, (2,)), obs=lambda: np.zeros(2, np.float32)
    ),
    "flat action box": lambda: Fake(action_space=spaces.Box(1.0, 1.0, (1,))),
    "empty dict space": lambda: Fake(observation_space=spaces.Dict({})),
    "not a space": lambda: Fake(observation_space="box"),
    "dict obs wrong keys": lambda: Fake(
        observation_space=spaces.Dict({"a": BOX}), obs=lambda: {"b": np.zeros(3, np.float32)}
    ),
    "tuple obs": lambda: Fake(
        observation_space=spaces.Tuple((BOX, spaces.Discrete(3))),
        obs=lambda: (np.zeros(3, np.float32), 5),
    ),
    "discrete obs as float": lambda: Fake(observation_space=spaces.Discrete(3), obs=lambda: 1.0),
    "frame wrong": lambda: Fake(render_mode="rgb_array", frame=np.zeros((4, 4), np.float32)),
    "unsupported render mode": lambda: Fake(render_mode="human"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_warnings_and_errors_as_gymnasium_on_numpy(case: str) -> None:
    ours_warnings, ours_error = _warnings_and_error(CASES[case], PassiveEnvChecker)
    their_warnings, their_error = _warnings_and_error(CASES[case], gym.wrappers.PassiveEnvChecker)
    assert ours_warnings == their_warnings
    assert type(ours_error) is type(their_error)
    if isinstance(their_error, (AssertionError, TypeError, gym.error.Error)):
        assert str(ours_error) == f"PassiveEnvChecker: {their_error}"
    elif their_error is not None:  # an unpacking ValueError, Gymnasium's as it is
        assert str(ours_error) == str(their_error)
    if case != "clean":
        assert ours_warnings or ours_error is not None, "the case checks nothing"


def test_checks_only_the_first_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    env = PassiveEnvChecker(Fake())
    env.reset(seed=0)
    env.step(0)
    env.step(0)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("checked again")

    for name in ("check_step", "check_observation", "warn_on_shared_data"):
        monkeypatch.setattr(checks, name, fail)
    import array_env.wrappers.lifecycle as lifecycle

    monkeypatch.setattr(lifecycle, "check_step", fail)
    monkeypatch.setattr(lifecycle, "warn_on_shared_data", fail)
    monkeypatch.setattr(lifecycle, "check_reset", fail)
    for _ in range(10):
        env.step(0)
    env.reset()
    assert env.checked_step
    assert env.checked_reset
    assert env.checked_data_reuse


def test_array_env_outputs_pass_silently_on_every_backend(backend: Backend) -> None:
    env = PassiveEnvChecker(CartPoleEnv(xp=backend.namespace_name, device=backend.device_spec))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.reset(seed=0)
        for _ in range(3):
            env.step(backend.asarray(1, "int64"))


def _array_case(
    backend: Backend, obs: tuple[Any, str], reward: Any, flag: Any, space: Any = BOX
) -> list[str]:
    env = PassiveEnvChecker(
        Fake(
            obs=lambda: backend.asarray(*obs),  # a new array per call: no data-reuse warning
            step=lambda o: (o, reward, flag, flag, {}),
            observation_space=space,
        )
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.reset(seed=0)
        env.step(0)
    return [str(w.message) for w in caught]


def test_array_checks_run_on_the_arrays_backend(backend: Backend) -> None:
    good = _array_case(
        backend, ([0.0, 0.5, -1.0], "float32"), backend.asarray(1.0, "float32"),
        backend.asarray(False, "bool"),
    )  # fmt: skip
    assert good == []
    bad = _array_case(
        backend, ([0.0, 1.5, -1.0], "float32"),
        backend.asarray(float("nan"), "float32"), backend.asarray(1, "int32"),
    )  # fmt: skip
    assert any("reset()` method is not within the observation space" in w for w in bad)
    assert any("step()` method is not within the observation space" in w for w in bad)
    assert any("The reward is a NaN value." in w for w in bad)
    assert any("Expects `terminated` signal to be a boolean" in w for w in bad)
    wrong_dtype = _array_case(backend, ([0, 1, 0], "int16"), 1.0, False)
    assert any("was expecting numpy array dtype to be float32" in w for w in wrong_dtype)
    discrete = _array_case(backend, (4, "int32"), 1.0, False, space=spaces.Discrete(3))
    assert any("is not within the observation space" in w for w in discrete)
    multi = _array_case(backend, ([0, 2], "int32"), 1.0, False, space=spaces.MultiDiscrete([3, 2]))
    assert any("is not within the observation space" in w for w in multi)


def test_spec_and_close_follow_gymnasium() -> None:
    base = gym.make("CartPole-v1", disable_env_checker=True).unwrapped
    ours, theirs = PassiveEnvChecker(base), gym.wrappers.PassiveEnvChecker(base)
    assert ours.spec == theirs.spec
    assert ours.spec is not None
    assert ours.spec.disable_env_checker is False
    ours.close()
    ours.close()
    assert ours.close_called


def test_rejects_what_is_not_an_env() -> None:
    not_an_env: Any = object()
    with pytest.raises(TypeError) as ours:
        PassiveEnvChecker(not_an_env)
    with pytest.raises(TypeError) as theirs:
        gym.wrappers.PassiveEnvChecker(not_an_env)
    assert str(ours.value) == str(theirs.value)  # gymnasium.Wrapper's own check comes first
