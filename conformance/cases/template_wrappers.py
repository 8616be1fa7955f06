"""``FrameStackObservation``, ``ClipAction`` and ``RecordEpisodeStatistics``, single and vector.

They run over the suite's default base environments. The frame stack runs with each padding
type; the clip receives actions half of which lie outside the Box; the statistics compare the
episode return and length of ``info["episode"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode

from array_env.testing import Backend

from ..bad_inputs import (
    action_device,
    action_namespace,
    action_shape,
    observation_namespace,
    observation_shape,
    reward_shape,
    step_before_reset,
)
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2",
           "BI-1")  # fmt: skip


def _vector(kind: str) -> tuple[str, ...]:
    return ("VS-1",) if kind == "vector" else ()


_PADDING = {"zero": "zero", "reset": "reset", "custom": np.full((3,), 0.5, dtype=np.float32)}


def _paddings(backend: Backend) -> Sequence[tuple[str, Any]]:
    return list(_PADDING.items())


def _frame_stack(cls: Any, env: Any, padding: Any) -> Any:
    return cls(env, 3, padding_type=padding)


def _plain(cls: Any, env: Any, param: Any) -> Any:
    return cls(env)


def _outside_the_box(env: Any, step: int) -> Any:
    """Deterministic actions, half of them outside ``[-1, 1]`` (so clipping is visible)."""
    shape: tuple[int, ...] = env.action_space.shape
    values = np.linspace(-2.0, 2.0, int(np.prod(shape))) * (-1) ** step
    return values.reshape(shape).astype(np.float32)


CASES = [
    *(
        WrapperCase(
            wrapper="FrameStackObservation",
            kind=kind,
            wrap=_frame_stack,
            params=_paddings,
            properties=(*_COMMON, "SP-3", *_vector(kind)),
            bad_inputs=(observation_shape(), observation_namespace(), step_before_reset()),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="ClipAction",
            kind=kind,
            wrap=_plain,
            action=_outside_the_box,
            properties=(*_COMMON, "SP-2", *_vector(kind)),
            bad_inputs=(action_shape(), action_namespace(), action_device()),
        )
        for kind in ("single", "vector")
    ),
    *(
        WrapperCase(
            wrapper="RecordEpisodeStatistics",
            kind=kind,
            wrap=_plain,
            properties=(*_COMMON, "SP-3", *_vector(kind)),
            bad_inputs=(reward_shape(),),
            info_keys=("episode/r", "episode/l"),
            quirks={
                "no_host_sync": "info['episode'] appears only when an episode ends, which "
                "the host must know"
            }
            if kind == "single"
            else {},
            gymnasium_quirks={
                AutoresetMode.DISABLED: (
                    "Gymnasium's vector RecordEpisodeStatistics treats disabled like next-step and "
                    "drops the first step after a partial reset"
                )
            },
        )
        for kind in ("single", "vector")
    ),
]
