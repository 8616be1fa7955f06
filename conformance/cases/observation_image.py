"""Image observation wrappers (Grayscale, Resize) and MaxAndSkipObservation, single and vector.

Grayscale and Resize run over the suite's base environments emitting random uint8 RGB frames;
MaxAndSkip over the default ones (its episodes of 3 to 5 steps end on every repeat).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from array_env.testing import Backend

from ..bad_inputs import observation_namespace, observation_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2",
           "BI-1")  # fmt: skip

_FRAMES = gym.spaces.Box(0, 255, (21, 16, 3), np.uint8)
_GREY_FRAMES = gym.spaces.Box(0, 255, (25, 16), np.uint8)


_LOCKSTEP = (  # why the vector MaxAndSkip differs from the single one per sub-env
    "a vector env cannot hold back a sub-env whose episode ended before the last repeat: its "
    "next episode advances with the remaining repeats (array_env.vector.MaxAndSkipObservation); "
    "tests/test_max_and_skip.py checks the modes and episode ends where it equals the single"
)


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _keep_dims(backend: Backend) -> list[tuple[str, Any]]:
    return [("drop", False), ("keep", True)]


def _grayscale(cls: Any, env: Any, keep_dim: bool) -> Any:
    return cls(env, keep_dim=keep_dim)


def _target(label: str, shape: tuple[int, int]) -> Any:
    def params(backend: Backend) -> list[tuple[str, Any]]:
        return [(label, shape)]

    return params


def _resize(cls: Any, env: Any, shape: tuple[int, int]) -> Any:
    return cls(env, shape)


def _skips(backend: Backend) -> list[tuple[str, Any]]:
    return [("2", 2), ("4", 4)]


def _max_and_skip(cls: Any, env: Any, skip: int) -> Any:
    return cls(env, skip=skip)


CASES = [
    *(
        WrapperCase(
            wrapper="GrayscaleObservation",
            kind=kind,
            wrap=_grayscale,
            params=_keep_dims,
            observation_space=_FRAMES,
            properties=_COMMON + _vector(kind),
            bad_inputs=(observation_shape(), observation_namespace()),
            tolerance=(0.0, 0.0),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="ResizeObservation",
            kind=kind,
            wrap=_resize,
            params=_target(label, shape),
            observation_space=space,
            properties=_COMMON + _vector(kind),
            bad_inputs=(observation_shape(), observation_namespace()),
            # shrinking equals OpenCV; enlarging is within one grey level of its fixed-point
            # SIMD path (GY-1). Every backend equals NumPy exactly (DT-2).
            tolerance=(0.0, tolerance),
        )
        for kind in ("single", "vector")
        for space in (_FRAMES, _GREY_FRAMES)
        for label, shape, tolerance in (("shrink", (8, 8), 0.0), ("grow", (30, 20), 1.0))
    ),
    *(
        WrapperCase(
            wrapper="MaxAndSkipObservation",
            kind=kind,
            wrap=_max_and_skip,
            params=_skips,
            # Vector: GY-1 exempt and no VS-1 (see _LOCKSTEP); tests/test_max_and_skip.py checks
            # every outer step up to each sub-env's first end against Gymnasium's single wrapper
            properties=_COMMON,
            bad_inputs=(observation_shape(), observation_namespace()),
            quirks={
                "HS-1": "Gymnasium's repeats stop when the episode ends, which the host must know"
                if kind == "single"
                else "disabled autoreset: the repeats stop at the first sub-env that ends (a "
                "finished sub-env may not step), which the host must know",
                **({"GY-1": _LOCKSTEP} if kind == "vector" else {}),
            },
        )
        for kind in ("single", "vector")
    ),
]
