"""Coverage of the conformance suite: every wrapper has its cases, and its differential property.

Every wrapper Gymnasium 1.x has (``gymnasium.wrappers``, ``gymnasium.wrappers.vector``) and every
public wrapper class of ``array_env.wrappers`` / ``array_env.vector`` must exist in array_env, as
a single and a vector class where Gymnasium has a single one (a vector one where Gymnasium has
only that; ``Autoreset``, ``OrderEnforcing`` and ``PassiveEnvChecker`` are single-env only, as
in Gymnasium), each with a conformance case; a case of a wrapper Gymnasium has must list
``GY-1 matches_gymnasium`` (the vector twin of a single-only Gymnasium wrapper is compared per
sub-env with Gymnasium's single wrapper).
"""

from __future__ import annotations

import inspect
from types import ModuleType

import gymnasium as gym
import pytest

import array_env.vector
import array_env.wrappers
from conformance.cases import all_cases

# TEMPORARY: wrappers not written yet. An entry leaves this list with its wrapper: one that is
# covered is reported as stale, so it cannot outlive its wrapper.
_NOT_YET_WRITTEN: dict[str, tuple[str, ...]] = {}  # wrapper name: its kinds
NOT_YET_WRITTEN_TEMPORARY: frozenset[tuple[str, str]] = frozenset(
    (name, kind) for name, kinds in _NOT_YET_WRITTEN.items() for kind in kinds
)


def _wrapper_classes(module: ModuleType, base: type) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isclass(value) and issubclass(value, base)
    }


def _gymnasium(kind: str) -> set[str]:
    if kind == "single":
        return _wrapper_classes(gym.wrappers, gym.Wrapper)
    return _wrapper_classes(gym.wrappers.vector, gym.vector.VectorWrapper)


SINGLE_ONLY = frozenset({"Autoreset", "OrderEnforcing", "PassiveEnvChecker"})
"""Single-env only, as in Gymnasium: they police one env's call order and autoreset."""


def _required() -> set[tuple[str, str]]:
    gym_single, gym_vector = _gymnasium("single"), _gymnasium("vector")
    ours_single = set(array_env.wrappers.__all__)
    ours_vector = set(array_env.vector.__all__)
    vector_only = (gym_vector - gym_single) | (ours_vector - ours_single)
    required = {(n, "single") for n in gym_single | ours_single}
    required |= {(n, "vector") for n in (gym_single | ours_single) - SINGLE_ONLY}
    required |= {(n, "vector") for n in vector_only}
    return required


def _covered() -> dict[tuple[str, str], tuple[str, ...]]:
    cases: dict[tuple[str, str], tuple[str, ...]] = {}
    for case in all_cases():
        cases[case.wrapper, case.kind] = cases.get((case.wrapper, case.kind), ()) + tuple(
            case.property_names
        )
    return cases


def _has_class(name: str, kind: str) -> bool:
    module = array_env.wrappers if kind == "single" else array_env.vector
    return inspect.isclass(getattr(module, name, None))


def test_every_wrapper_has_a_class_and_a_case() -> None:
    covered = _covered()
    missing = sorted(
        f"{name} {kind}: " + ("no case" if _has_class(name, kind) else "no class and no case")
        for name, kind in _required()
        if (name, kind) not in covered and (name, kind) not in NOT_YET_WRITTEN_TEMPORARY
    )
    assert not missing, "wrappers without conformance cases:\n  " + "\n  ".join(missing)


def test_the_temporary_allow_list_holds_only_missing_wrappers() -> None:
    covered = _covered()
    stale = sorted(f"{n} {k}" for n, k in NOT_YET_WRITTEN_TEMPORARY if (n, k) in covered)
    assert not stale, "covered now: remove from NOT_YET_WRITTEN_TEMPORARY:\n  " + "\n  ".join(stale)
    unknown = sorted(f"{n} {k}" for n, k in NOT_YET_WRITTEN_TEMPORARY if (n, k) not in _required())
    assert not unknown, "not a wrapper at all:\n  " + "\n  ".join(unknown)


def test_cases_of_gymnasium_wrappers_have_the_differential_property() -> None:
    gymnasium = _gymnasium("single") | _gymnasium("vector")
    lacking = sorted(
        f"{name} {kind}"
        for (name, kind), properties in _covered().items()
        if name in gymnasium and "matches_gymnasium" not in properties
    )
    assert not lacking, "cases without GY-1 matches_gymnasium:\n  " + "\n  ".join(lacking)


@pytest.mark.parametrize("kind", ["single", "vector"])
def test_every_case_builds_a_class_array_env_exports(kind: str) -> None:
    module = array_env.wrappers if kind == "single" else array_env.vector
    names = {name for name, k in _covered() if k == kind}
    assert names <= set(module.__all__), sorted(names - set(module.__all__))
