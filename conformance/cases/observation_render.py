"""Rendered-frame wrappers: ``AddRenderObservation``, ``AddWhiteNoise`` and ``ObstructView``.

The suite's base environments render ``(8, 8, 3)`` uint8 NumPy frames on the host, so these
cases run on the NumPy backends only (the frames of array_env's own envs stay on their device:
``tests/test_add_render_observation.py`` and ``tests/test_add_white_noise.py`` check every
backend). The noise wrappers change ``render()``, so their cases observe it through
``AddRenderObservation``.
"""

from __future__ import annotations

from typing import Any

from array_env.testing import Backend
from array_env.wrappers import AddRenderObservation

from ..envs import make_base
from ..framework import BaseSpec, WrapperCase

__all__ = ["CASES"]

_PROPERTIES = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2")

_NATIVE_DRAWS = (
    "a native vector env has no generator per sub-env: the noise is drawn from the vector "
    "env's np_random (over SyncVectorEnv each sub-env's own, equal to Gymnasium's single "
    "wrapper: tests/test_add_white_noise.py)"
)


_KEY_ORDER = (
    "the dict keeps Gymnasium's key order ({obs_key: obs, render_key: frame}), which is not "
    "the order of Gymnasium's own sorted Dict space; values, shapes and dtypes are checked by "
    "GY-1 and tests/test_add_render_observation.py"
)

_FINAL_FRAME = (
    "same-step autoreset replaces a finished state before the wrapper sees it: info['final_obs'] "
    "has no frame of it (array_env.vector.AddRenderObservation); "
    "tests/test_add_render_observation.py checks every sub-env's frames in every mode"
)


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


def _host_frames(backend: Backend) -> list[tuple[str, Any]]:
    return [("", None)] if backend in (Backend.NUMPY, Backend.NUMPY_READONLY) else []


def _rendering(spec: BaseSpec) -> Any:
    return make_base(spec, render_mode="rgb_array")


def _add_render(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, render_only=False)


def _white_noise(cls: Any, env: Any, param: Any) -> Any:
    inner = cls(env, probability_of_noise_per_pixel=0.4)
    vector = hasattr(env, "num_envs")
    return (_vector_render if vector else AddRenderObservation)(inner)


def _obstruct(cls: Any, env: Any, param: Any) -> Any:
    inner = cls(env, obstructed_pixels_ratio=0.3, obstruction_width=3)
    vector = hasattr(env, "num_envs")
    return (_vector_render if vector else AddRenderObservation)(inner)


def _vector_render(env: Any) -> Any:
    from array_env.vector import AddRenderObservation as VectorAddRender

    return VectorAddRender(env)


CASES = [
    *(
        WrapperCase(
            wrapper="AddRenderObservation",
            kind=kind,
            wrap=_add_render,
            env=_rendering,
            params=_host_frames,
            properties=_PROPERTIES + _vector(kind),
            quirks={
                "SP-1": _KEY_ORDER,
                **({"GY-1": _FINAL_FRAME, "VS-1": _FINAL_FRAME} if kind == "vector" else {}),
            },
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper=wrapper,
            kind=kind,
            wrap=wrap,
            env=_rendering,
            params=_host_frames,
            properties=_PROPERTIES + _vector(kind),
            quirks={"GY-1": _NATIVE_DRAWS, "VS-1": _NATIVE_DRAWS} if kind == "vector" else {},
        )
        for wrapper, wrap in (("AddWhiteNoise", _white_noise), ("ObstructView", _obstruct))
        for kind in ("single", "vector")
    ),
]
