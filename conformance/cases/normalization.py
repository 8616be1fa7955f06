"""``NormalizeObservation`` and ``NormalizeReward``, single and vector.

They run over the suite's default base environments (float32 Box observations, float32 array
rewards, episodes of 3 to 5 steps); Gymnasium's single-env statistics are float32, hence the
looser tolerance.
"""

from __future__ import annotations

from typing import Any

from gymnasium.vector import AutoresetMode

from ..bad_inputs import observation_namespace, observation_shape, reward_namespace, reward_shape
from ..framework import WrapperCase

__all__ = ["CASES"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2",
           "BI-1", "ST-1")  # fmt: skip


_ZEROES = (
    "Gymnasium zeroes the return when a same-step episode ends; array_env keeps the single "
    "wrapper's behaviour (see array_env.vector.NormalizeReward)"
)


_PARTIAL = (
    "Gymnasium's vector NormalizeReward restarts every return on any reset, a partial one "
    "included; array_env restarts none on a partial reset, like the single wrapper's reset"
)


def _wrap(cls: Any, env: Any, param: Any) -> Any:
    return cls(env)


CASES = [
    WrapperCase(
        wrapper=wrapper,
        kind=kind,
        wrap=_wrap,
        # No VS-1: the vector twins keep one set of statistics for all sub-envs, as Gymnasium's.
        properties=_COMMON,
        bad_inputs=bad_inputs,
        gymnasium_quirks=quirks if kind == "vector" else {},
        tolerance=(1e-4, 1e-5),
    )
    for wrapper, bad_inputs, quirks in (
        ("NormalizeObservation", (observation_shape(), observation_namespace()), {}),
        (
            "NormalizeReward",
            (reward_shape(), reward_namespace()),
            {AutoresetMode.SAME_STEP: _ZEROES, AutoresetMode.DISABLED: _PARTIAL},
        ),
    )
    for kind in ("single", "vector")
]
