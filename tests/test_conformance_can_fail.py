"""The conformance suite can fail: each wrong implementation fails exactly what it breaks.

For every entry of ``tests/_wrong_impls.py``, the suite runs all the properties of that
wrapper's case (with the entry's parameter) on the entry's backends against the wrong class,
and the set of failing property ids must equal the set the bug breaks: the bug is caught, and
nothing else is blamed. array_env's own class passes the same checks (the control).
"""

from __future__ import annotations

import pytest

from conformance.cases import all_cases
from conformance.framework import Check, Result, plan, run
from conformance.implementation import load_implementation
from conformance.xfails import find_reason, load_xfails
from tests._wrong_impls import WRONG, Wrong, implementation


def _known(check: Check) -> bool:
    """Whether array_env lists this check as an expected failure (its subclasses inherit it)."""
    rules = load_xfails([check.backend.label])[check.backend.label]
    case = check.case
    return any(
        find_reason(rules, case.wrapper, case.kind, label) is not None
        for label in (check.label, check.prop_id)
    )


def _results(wrong: Wrong, impl_name: str | None) -> list[Result]:
    cases = [c for c in all_cases() if c.wrapper == wrong.wrapper and c.kind == wrong.kind]
    checks = [
        c
        for c in plan(cases, list(wrong.backends))
        if c.param_label == wrong.param and not _known(c)
    ]
    assert checks, f"nothing planned for {wrong}"
    impl = implementation(wrong) if impl_name is None else load_implementation(impl_name)
    return list(run(checks, impl, xfails={}))


@pytest.mark.parametrize("bug", list(WRONG))
def test_the_suite_catches_exactly_the_broken_properties(bug: str) -> None:
    wrong = WRONG[bug]
    for backend in wrong.backends:
        if backend.unavailable_reason is not None:
            pytest.skip(f"{backend.label}: {backend.unavailable_reason}")
    results = _results(wrong, None)
    failed = {r.id for r in results if r.outcome == "failed"}
    messages = "\n".join(f"  {r.id} {r.property}: {r.message[:300]}" for r in results
                         if r.outcome == "failed")  # fmt: skip
    assert failed == wrong.caught_by, (
        f"{bug}: failed {sorted(failed)}, expected exactly {sorted(wrong.caught_by)}\n{messages}"
    )


@pytest.mark.parametrize("bug", list(WRONG))
def test_array_env_itself_passes_the_same_checks(bug: str) -> None:
    wrong = WRONG[bug]
    for backend in wrong.backends:
        if backend.unavailable_reason is not None:
            pytest.skip(f"{backend.label}: {backend.unavailable_reason}")
    failed = [f"{r.id} {r.property}: {r.message[:200]}" for r in _results(wrong, "array_env")
              if r.outcome == "failed"]  # fmt: skip
    assert not failed, failed
