"""``TransformReward``, ``ClipReward`` and ``VectorizeTransformReward``, single and vector.

The suite's base environments pay ``0.5 * t + 0.25 * index`` as float32 arrays of the backend;
``ClipReward`` clips them into ``[0.6, 1.6]`` (both bounds are hit) or from above only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym

import array_env.wrappers
from array_env.testing import Backend

from ..bad_inputs import reward_namespace, reward_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2")


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _double(reward: Any) -> Any:
    return 2 * reward + 1


def _transform(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, _double)


def _bounds(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("both", (0.6, 1.6)), ("upper", (None, 1.1))]


def _clip(cls: Any, env: Any, bounds: tuple[Any, Any]) -> Any:
    return cls(env, *bounds)


def _vectorize(cls: Any, env: Any, bounds: tuple[Any, Any]) -> Any:
    # the implementation's own single ClipReward (Gymnasium's under --impl gymnasium.wrappers)
    gymnasium = cls.__module__.startswith("gymnasium")
    single: Any = gym.wrappers.ClipReward if gymnasium else array_env.wrappers.ClipReward
    return cls(env, single, min_reward=bounds[0], max_reward=bounds[1])


CASES = [
    *(
        WrapperCase(
            wrapper="TransformReward",
            kind=kind,
            wrap=_transform,
            properties=(*_COMMON, *_vector(kind)),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="ClipReward",
            kind=kind,
            wrap=_clip,
            params=_bounds,
            properties=(*_COMMON, "BI-1", *_vector(kind)),
            bad_inputs=(reward_shape(), reward_namespace()),
        )
        for kind in ("single", "vector")
    ),
    WrapperCase(
        wrapper="VectorizeTransformReward",
        kind="vector",
        wrap=_vectorize,
        params=_bounds,
        properties=(*_COMMON, "BI-1"),
        bad_inputs=(reward_shape(), reward_namespace()),
    ),
]
