"""``TransformAction``, ``RescaleAction``, ``DiscretizeAction`` and ``VectorizeTransformAction``.

They run over the suite's default base environments (a float32 Box ``(-1, 1)`` of shape ``(2,)``
as action space). ``RescaleAction`` maps ``[0, 4]`` (and ``[-3, 3]``) onto it with agent actions
spread over the whole new Box; ``DiscretizeAction`` picks bins, flat or one per dimension;
``TransformAction`` halves actions; ``VectorizeTransformAction`` vectorizes the single
``RescaleAction`` of the implementation under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

import array_env.wrappers
from array_env.testing import Backend

from ..bad_inputs import action_device, action_namespace, action_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2")
_BAD_ACTIONS = (action_shape(), action_namespace(), action_device())


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _targets(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("skewed", (0.0, 4.0)), ("wide", (-3.0, 3.0))]


def _rescale(cls: Any, env: Any, bounds: tuple[float, float]) -> Any:
    return cls(env, *bounds)


def _spread(env: Any, step: int) -> Any:
    """Actions over the whole (rescaled) Box, its bounds included, changing every step."""
    space = env.action_space
    shape: tuple[int, ...] = space.shape
    size = int(np.prod(shape))
    fractions = (np.arange(size) / max(size - 1, 1) + 0.37 * step) % 1.0
    values = space.low + fractions.reshape(space.shape) * (space.high - space.low)
    return values.astype(space.dtype)


def _bins(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("discrete", False), ("multidiscrete", True)]


def _discretize(cls: Any, env: Any, multidiscrete: bool) -> Any:
    return cls(env, (3, 4), multidiscrete)


def _half(action: Any) -> Any:
    return 0.5 * action


def _transform(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, _half, None)


def _vector_transform(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, _half)


def _vectorize(cls: Any, env: Any, bounds: tuple[float, float]) -> Any:
    # the implementation's own single RescaleAction (Gymnasium's under --impl gymnasium.wrappers)
    gymnasium = cls.__module__.startswith("gymnasium")
    single: Any = gym.wrappers.RescaleAction if gymnasium else array_env.wrappers.RescaleAction
    return cls(env, single, min_action=bounds[0], max_action=bounds[1])


CASES = [
    *(
        WrapperCase(
            wrapper="TransformAction",
            kind=kind,
            wrap=_transform if kind == "single" else _vector_transform,
            single_wrap=_transform,
            properties=(*_COMMON, *_vector(kind)),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="RescaleAction",
            kind=kind,
            wrap=_rescale,
            params=_targets,
            action=_spread,
            properties=(*_COMMON, "SP-2", "BI-1", *_vector(kind)),
            bad_inputs=_BAD_ACTIONS,
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="DiscretizeAction",
            kind=kind,
            wrap=_discretize,
            params=_bins,
            properties=(*_COMMON, "SP-2", "BI-1", *_vector(kind)),
            bad_inputs=_BAD_ACTIONS,
        )
        for kind in ("single", "vector")
    ),
    WrapperCase(
        wrapper="VectorizeTransformAction",
        kind="vector",
        wrap=_vectorize,
        params=_targets,
        action=_spread,
        properties=(*_COMMON, "SP-2", "BI-1"),
        bad_inputs=_BAD_ACTIONS,
    ),
]
