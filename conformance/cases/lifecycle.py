"""``TimeLimit``, ``Autoreset``, ``OrderEnforcing``, ``PassiveEnvChecker``, ``DictInfoToList``.

They run over the suite's default base environments, whose episodes end by themselves after 3 to
5 steps: the time limit runs with a limit below that (it truncates every episode) and one inside
it (it and the env end episodes in turn, sometimes on the same step). ``Autoreset``,
``OrderEnforcing`` and ``PassiveEnvChecker`` are single-env only, as in Gymnasium; ``TimeLimit``
has a vector twin (Gymnasium has none: GY-1 compares it per sub-env with Gymnasium's single
``TimeLimit``); ``DictInfoToList`` is vector only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, to_host

from ..bad_inputs import step_before_reset
from ..framework import BadInput, Subject, WrapperCase

__all__ = ["CASES"]

_EVERY = ("NS-1", "SP-1", "SP-3", "MU-1", "DT-1", "DT-2", "GY-1", "HS-1", "CP-1", "CP-2")


def _limits(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("2", 2), ("4", 4)]


def _time_limit(cls: Any, env: Any, limit: int) -> Any:
    return cls(env, max_episode_steps=limit)


def _plain(cls: Any, env: Any, param: Any) -> Any:
    return cls(env)


def _truncated_shape() -> BadInput:
    """The env's ``truncated`` flags get one element more than there are sub-envs."""

    def output(subject: Subject, out: tuple[Any, ...]) -> tuple[Any, ...]:
        host = np.asarray(to_host(out[3]))
        return (*out[:3], subject.backend.asarray(np.concatenate([host, host[:1]]), "bool"), out[4])

    return BadInput("truncated flags of the wrong shape", output=output, error=ArrayMismatchError)


_HOST_DECISION = (
    "Gymnasium's single-env contract needs a Python decision: whether the episode ended"
)

CASES = [
    WrapperCase(
        wrapper="TimeLimit",
        kind="single",
        wrap=_time_limit,
        params=_limits,
        properties=(*_EVERY, "GY-2", "BI-1"),
        bad_inputs=(step_before_reset(),),
    ),
    WrapperCase(
        wrapper="TimeLimit",
        kind="vector",
        wrap=_time_limit,
        params=_limits,
        properties=(*_EVERY, "VS-1", "BI-1"),
        bad_inputs=(_truncated_shape(), step_before_reset()),
        state=lambda env: {"elapsed_steps": env.elapsed_steps},
        quirks=dict.fromkeys(
            ("vector_equals_single*", "matches_gymnasium*"),
            "next-step: a sub-env this wrapper truncates is stepped once more by the wrapped env "
            "(which does not know it ended) before the wrapper resets it, so it receives one "
            "action the single wrapper's env does not; outputs are equal. Same-step and disabled "
            "pass both properties; tests/test_time_limit.py checks all three modes per sub-env "
            "against Gymnasium's TimeLimit, infos included",
        ),
    ),
    # The limit of the longest episodes (5 steps): the wrapper truncates them on the step the env
    # ends them itself (setting `truncated` where the env terminated), so it never has to reset
    # a sub-env the env did not end, and the counts must restart at each reset in every mode,
    # next-step included (no quirk needed here).
    WrapperCase(
        wrapper="TimeLimit",
        kind="vector",
        wrap=_time_limit,
        params=lambda backend: [("5", 5)],
        properties=(*_EVERY, "VS-1"),
    ),
    WrapperCase(
        wrapper="Autoreset",
        kind="single",
        wrap=_plain,
        properties=(*_EVERY, "GY-2", "BI-1"),
        bad_inputs=(step_before_reset(),),
        resets_itself=True,  # its reset steps (after termination and truncation) are compared
        quirks={"no_host_sync": _HOST_DECISION + " (to reset on the next step)"},
    ),
    WrapperCase(
        wrapper="OrderEnforcing",
        kind="single",
        wrap=_plain,
        properties=(*_EVERY, "GY-2", "BI-1"),
        bad_inputs=(step_before_reset(),),
    ),
    WrapperCase(
        wrapper="PassiveEnvChecker",
        kind="single",
        wrap=_plain,
        properties=(*_EVERY, "GY-2"),
        quirks={
            "no_host_sync": "the first reset and step are checked on the host by design (one "
            "read per verdict); later calls read nothing"
        },
    ),
    WrapperCase(
        wrapper="DictInfoToList",
        kind="vector",
        wrap=_plain,
        properties=("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2"),
        quirks={"no_host_sync": "a list of per-sub-env dicts is a host structure: masks are read"},
    ),
]
