"""Cases of the rendering family: RenderCollection, RecordVideo, HumanRendering.

The suite's base environments render ``(8, 8, 3)`` uint8 host frames; the wrappers pass
observations, rewards and flags through untouched, so the usual properties apply. Where a
wrapper's job needs the host (the encoder, the window) the case says so in ``quirks``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from ..envs import make_base
from ..framework import BaseSpec, WrapperCase

__all__ = ["CASES"]

_HOST_VIDEO = "RecordVideo encodes frames on the host (PyAV), by design"
_HOST_WINDOW = "HumanRendering draws every frame in a pygame window on the host, by design"
_NO_PICKLE = (
    "an open video file and Gymnasium's default gc_trigger lambda do not pickle "
    "(Gymnasium's RecordVideo does not pickle either)"
)
_VECTOR_GROUP = ("VS-1",)
_MOVIEPY = (
    "Gymnasium's RecordVideo needs moviepy, which array_env's video extra does not install; "
    "tests/test_record_video.py runs it with a stand-in encoder and compares files and frames"
)
_LAMBDA_DEFAULT = "gc_trigger's default is a lambda, equal in behaviour but not in identity"


def _rendering_env(spec: BaseSpec) -> Any:
    env = make_base(spec, render_mode="rgb_array")
    # HumanRendering needs a frame rate, and Gymnasium's reads the render modes
    env.metadata = {**env.metadata, "render_fps": 1000, "render_modes": ["rgb_array"]}
    return env


def _collect(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, pop_frames=True, reset_clean=True)


def _record(cls: Any, env: Any, param: Any) -> Any:
    folder = tempfile.mkdtemp(prefix="array-env-conformance-")
    return cls(env, folder, step_trigger=_every_third, video_length=2)


def _every_third(step: int) -> bool:
    return step % 3 == 0


def _human(cls: Any, env: Any, param: Any) -> Any:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no display needed
    return cls(env)


def _properties(kind: str, *, gymnasium: bool, copies: bool = True) -> tuple[str, ...]:
    return (
        "NS-1",
        "SP-1",
        "MU-1",
        "DT-1",
        "DT-2",
        *(("GY-1", "GY-2") if gymnasium else ()),
        "HS-1",
        *(("CP-1", "CP-2") if copies else ()),
        *(_VECTOR_GROUP if kind == "vector" else ()),
    )


CASES = [
    *(
        WrapperCase(
            wrapper="RenderCollection",
            kind=kind,
            wrap=_collect,
            env=_rendering_env,
            properties=_properties(kind, gymnasium=True),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="RecordVideo",
            kind=kind,
            wrap=_record,
            env=_rendering_env,
            properties=_properties(kind, gymnasium=True),
            quirks={
                "no_host_sync": _HOST_VIDEO,
                "pickles": _NO_PICKLE,
                "deep_copies": _NO_PICKLE,
                "matches_gymnasium*": _MOVIEPY,
                "gymnasium_interface": _LAMBDA_DEFAULT,
            },
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="HumanRendering",
            kind=kind,
            wrap=_human,
            env=_rendering_env,
            properties=_properties(kind, gymnasium=True, copies=False),
            quirks={"no_host_sync": _HOST_WINDOW},
        )
        for kind in ("single", "vector")
    ),
]
