"""The stateless observation wrappers (Transform ... Discretize), single and vector.

Transform, Filter, Flatten, Reshape, Rescale, Dtype and Discretize.
They run over the suite's base environments with a space each wrapper accepts. Gymnasium's
vector observation wrappers refuse same-step autoreset (a ``ValueError`` at construction), so
GY-1 does not compare that mode for the vector cases; VS-1 covers it against the single twin.
Gymnasium has no vector DiscretizeObservation: GY-1 compares it per sub-env with the single one.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from ..bad_inputs import observation_namespace, observation_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2")
_BOX = gym.spaces.Box(-2.0, 2.0, (2, 3), np.float32)
_DICT = gym.spaces.Dict(
    {
        "position": gym.spaces.Box(-1.0, 1.0, (3,), np.float32),
        "cell": gym.spaces.Discrete(5, start=-1),
        "bits": gym.spaces.MultiBinary(4),
        "grid": gym.spaces.MultiDiscrete([3, 2]),
    }
)
_NO_SAME_STEP = {
    AutoresetMode.SAME_STEP: "Gymnasium's vector observation wrappers refuse same-step "
    "autoreset (ValueError at construction)"
}


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _double(obs: Any) -> Any:
    return obs * 2


def _transform(cls: Any, env: Any, param: Any) -> Any:
    space = gym.spaces.Box(-4.0, 4.0, (2, 3), np.float32)
    if isinstance(env, gym.vector.VectorEnv):
        return cls(env, _double, single_observation_space=space)
    return cls(env, _double, space)


def _filter(cls: Any, env: Any, param: Any) -> Any:
    # In the Dict space's (sorted) order: with other orders Gymnasium's single wrapper returns
    # filter_keys order and its vector wrapper the space's, so GY-1 and VS-1 cannot both hold.
    return cls(env, ["grid", "position"])


def _flatten(cls: Any, env: Any, param: Any) -> Any:
    return cls(env)


def _reshape(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, (3, 2))


def _rescale(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, np.full((2, 3), -1.0), np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]))


def _dtype(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, np.float64)


def _discretize(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, (2, 3, 4, 5, 6, 7))


def _case(
    wrapper: str, kind: Any, wrap: Any, space: gym.Space[Any], *, extra: tuple[str, ...] = (),
    bad_inputs: tuple[Any, ...] = (observation_shape(), observation_namespace()),
) -> WrapperCase:  # fmt: skip
    return WrapperCase(
        wrapper=wrapper,
        kind=kind,
        wrap=wrap,
        observation_space=space,
        properties=(*_COMMON, *(("BI-1",) if bad_inputs else ()), *_vector(kind), *extra),
        bad_inputs=bad_inputs,
        gymnasium_quirks=(
            _NO_SAME_STEP if kind == "vector" and wrapper != "DiscretizeObservation" else {}
        ),
    )


class _Double(gym.wrappers.TransformObservation[Any, Any, Any]):
    """A single-env wrapper for VectorizeTransformObservation: namespace-agnostic arithmetic."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env, _double, gym.spaces.Box(-4.0, 4.0, (2, 3), np.float32))


def _vectorize(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, _Double)


CASES = [
    WrapperCase(
        wrapper="VectorizeTransformObservation",
        kind="vector",
        wrap=_vectorize,
        observation_space=_BOX,
        # No VS-1: the framework looks the single twin up by this name, which only exists as
        # a vector wrapper (tests/test_vectorize_transform_observation.py checks it per sub-env).
        properties=_COMMON,
        gymnasium_quirks=_NO_SAME_STEP,
    ),
    *(
        case
        for kind in ("single", "vector")
        for case in (
            WrapperCase(
                wrapper="TransformObservation",
                kind=kind,
                wrap=_transform,
                observation_space=_BOX,
                properties=(*_COMMON, *_vector(kind)),
                gymnasium_quirks=_NO_SAME_STEP if kind == "vector" else {},
            ),
            _case("FilterObservation", kind, _filter, _DICT, bad_inputs=()),
            _case("FlattenObservation", kind, _flatten, _DICT, extra=("SP-3",)),
            _case("ReshapeObservation", kind, _reshape, _BOX),
            _case("RescaleObservation", kind, _rescale, _BOX),
            _case("DtypeObservation", kind, _dtype, _BOX),
            _case("DiscretizeObservation", kind, _discretize, _BOX),
        )
    ),
]
