"""``TimeAwareObservation`` and ``DelayObservation``, single and vector.

Gymnasium has only single wrappers for both: GY-1 compares each vector case per sub-env with
Gymnasium's single wrapper. TimeAware needs an episode limit: the single env gets a
``TimeLimit`` (longer than the suite's episodes, so it never truncates) and the vector env a
spec with ``max_episode_steps``, as ``gymnasium.make_vec`` gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec

from array_env.testing import Backend

from ..bad_inputs import observation_namespace, observation_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_PROPERTIES = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2",
               "BI-1")  # fmt: skip
_LIMIT = 50


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _time_options(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [
        ("flat", {}),
        ("normalized", {"normalize_time": True}),
        ("dict", {"flatten": False}),
    ]


def _time_aware(cls: Any, env: Any, options: dict[str, Any]) -> Any:
    if isinstance(env, gym.vector.VectorEnv):
        env.spec = EnvSpec("array_env/Conformance-v0", max_episode_steps=_LIMIT)
    else:
        env = gym.wrappers.TimeLimit(env, _LIMIT)
    return cls(env, **options)


def _delays(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("0", 0), ("1", 1), ("3", 3)]


def _delay(cls: Any, env: Any, delay: int) -> Any:
    return cls(env, delay)


CASES = [
    *(
        WrapperCase(
            wrapper="TimeAwareObservation",
            kind=kind,
            wrap=_time_aware,
            params=_time_options,
            observation_space=gym.spaces.Box(-2.0, 2.0, (3,), np.float32),
            properties=(*_PROPERTIES, *_vector(kind)),
            bad_inputs=(observation_shape(),),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="DelayObservation",
            kind=kind,
            wrap=_delay,
            params=_delays,
            observation_space=gym.spaces.Box(0.5, 2.0, (2, 3), np.float32),
            properties=(*_PROPERTIES, "SP-3", *_vector(kind)),
            bad_inputs=(observation_shape(), observation_namespace()),
        )
        for kind in ("single", "vector")
    ),
]
