"""The conformance suite under pytest: one test per wrapper, kind, backend and property.

Test ids read ``<wrapper>-<kind>-<backend>-<property>[<target>]``, e.g.
``ArrayConversion-vector-torch-round_trip[jax]``; select with ``-k``. Backends missing here (GPU
members on a CPU machine, uninstalled libraries) skip with their reason.
"""

from __future__ import annotations

import pytest

from array_env.testing import Backend

from .cases import all_cases
from .framework import Check, run_check
from .framework import plan as plan_checks
from .implementation import Implementation, load_implementation
from .xfails import XfailRule, load_xfails

CHECKS = plan_checks(all_cases(), list(Backend))


def _param(check: Check) -> pytest.ParameterSet:
    gpu = check.backend.is_gpu or (isinstance(check.param, Backend) and check.param.is_gpu)
    return pytest.param(check, id=check.id, marks=[pytest.mark.gpu] if gpu else [])


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Implementation:
    return load_implementation(request.config.getoption("--impl"))


@pytest.fixture(scope="session")
def xfails() -> dict[str, list[XfailRule]]:
    return load_xfails([b.label for b in Backend])


@pytest.mark.parametrize("check", [_param(c) for c in CHECKS])
def test_property(check: Check, impl: Implementation, xfails: dict[str, list[XfailRule]]) -> None:
    result = run_check(check, impl, xfails)
    if result.outcome == "skipped":
        pytest.skip(result.message)
    if result.outcome == "xfailed":
        pytest.xfail(result.message)
    if result.outcome == "failed":
        pytest.fail(result.message, pytrace=False)
