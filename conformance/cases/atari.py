"""Cases of the Atari family: AtariPreprocessing over a stand-in for an ALE env, single and vector.

The suite's base env, given RGB frames and a few ALE attributes (``_frameskip``,
``get_action_meanings``, an ``ale`` whose screen is the last observation and whose lives never
change), lets every property run on every backend, and Gymnasium's wrapper (which reads the
screen from ``ale``) run beside it. No-ops are off (``noop_max=0``): Gymnasium's no-op is a
Python ``0`` action, which is not an array of the env's backend. Real games are compared
frame for frame in ``tests/test_atari_preprocessing.py``.

The vector case runs over the suite's vector env (and ``SyncVectorEnv`` of the stand-in) given
the same ALE attributes, with ``frame_skip`` 1 (no lockstep quirk: every end is on the last
repeat) and 2 (episodes of 3 and 5 steps end on the first repeat: the quirk of
:class:`array_env.vector.AtariPreprocessing`; ``tests/test_vector_atari_preprocessing.py``
replays it against Gymnasium's single wrapper on Pong and Breakout).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from array_env.testing import to_host
from array_env.wrappers.atari import ale_grey, grey_weights

from ..bad_inputs import observation_namespace, observation_shape
from ..envs import ConformanceEnv, ConformanceVectorEnv
from ..framework import BaseSpec, WrapperCase

__all__ = ["CASES"]

_FRAMES = gym.spaces.Box(0, 255, (10, 8, 3), np.uint8)
_ACTIONS = gym.spaces.Discrete(4)
_HOST_FLAGS = (
    "the frame-skip loop decides on the emulator's flags, which Gymnasium's contract gives "
    "per step as Python values (the ALE runs on the host)"
)


class _StandInAle:
    """The few ``ale`` calls AtariPreprocessing makes, answered from the env's last frame."""

    def __init__(self, env: _AtariLike) -> None:
        self.env = env

    def lives(self) -> int:
        return 3

    def getScreenRGB(self, out: np.ndarray) -> None:  # noqa: N802  (the ALE's name)
        out[...] = self.env.screen

    def getScreenGrayscale(self, out: np.ndarray) -> None:  # noqa: N802
        out[...] = ale_grey(self.env.screen, grey_weights(xp=_NP, device="cpu"), xp=_NP)


_NP: Any = np


class _AtariLike(ConformanceEnv):
    _frameskip = 1

    def get_action_meanings(self) -> list[str]:
        return ["NOOP", "FIRE", "RIGHT", "LEFT"]

    @property
    def ale(self) -> _StandInAle:
        return _StandInAle(self)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        observation, info = super().reset(seed=seed, options=options)
        self.screen = np.asarray(to_host(observation))
        return observation, info

    def step(self, action: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        out = super().step(action)
        self.screen = np.asarray(to_host(out[0]))
        return out


class _AtariLikeVector(ConformanceVectorEnv):
    """The suite's vector env with what the vector wrapper reads of a vector env of ALE games."""

    _frameskip = 1

    def get_action_meanings(self) -> list[str]:
        return ["NOOP", "FIRE", "RIGHT", "LEFT"]


def _env(spec: BaseSpec) -> Any:
    if spec.kind == "single":
        return _AtariLike(spec.backend, _FRAMES, _ACTIONS, index=spec.sub_env)
    mode = spec.mode or AutoresetMode.NEXT_STEP
    if not spec.sync:
        return _AtariLikeVector(spec.backend, spec.num_envs, mode, _FRAMES, _ACTIONS)

    def sub_env(index: int) -> Any:
        return lambda: _AtariLike(spec.backend, _FRAMES, _ACTIONS, index=index)

    return SyncVectorEnv([sub_env(i) for i in range(spec.num_envs)], autoreset_mode=mode)


def _wrap(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, noop_max=0, frame_skip=2, screen_size=(6, 4))


def _skips(backend: Any) -> list[tuple[str, Any]]:
    return [("skip1", 1), ("skip2", 2)]


def _wrap_skip(cls: Any, env: Any, skip: int) -> Any:
    return cls(env, noop_max=0, frame_skip=skip, screen_size=(6, 4))


_LOCKSTEP = (
    "a vector env cannot hold back a sub-env whose episode ended before the last repeat: its "
    "next episode advances with the remaining repeats (array_env.vector.AtariPreprocessing); "
    "tests/test_vector_atari_preprocessing.py replays that rule on Gymnasium's single wrapper"
)

CASES = [
    WrapperCase(
        wrapper="AtariPreprocessing",
        kind="single",
        wrap=_wrap,
        env=_env,
        observation_space=_FRAMES,
        action_space=_ACTIONS,
        properties=(
            "NS-1",
            "SP-1",
            "MU-1",
            "DT-1",
            "DT-2",
            "GY-1",
            "GY-2",
            "HS-1",
            "CP-1",
            "CP-2",
            "BI-1",
        ),
        bad_inputs=(observation_shape(), observation_namespace()),
        quirks={"no_host_sync": _HOST_FLAGS},
    )
]
CASES.append(
    WrapperCase(
        wrapper="AtariPreprocessing",
        kind="vector",
        wrap=_wrap_skip,
        env=_env,
        params=_skips,
        observation_space=_FRAMES,
        action_space=_ACTIONS,
        properties=(
            "NS-1",
            "SP-1",
            "MU-1",
            "DT-1",
            "DT-2",
            "GY-1",
            "GY-2",
            "VS-1",
            "HS-1",
            "CP-1",
            "CP-2",
            "BI-1",
        ),
        bad_inputs=(observation_shape(), observation_namespace()),
        quirks={
            "matches_gymnasium[skip2]": _LOCKSTEP,
            "vector_equals_single[skip2]": _LOCKSTEP,
            "no_host_sync[skip2]": "disabled autoreset: the repeats stop at the first sub-env "
            "that ends (a finished sub-env may not step), which the host must know",
        },
    )
)
