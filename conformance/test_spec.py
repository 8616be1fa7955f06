"""``SPEC.md`` and the property registry agree: same ids, same names, nothing unspecified."""

from __future__ import annotations

import re
from pathlib import Path

from .cases import all_cases
from .framework import PROPERTIES

SPEC = Path(__file__).parent / "SPEC.md"


def _headings() -> dict[str, str]:
    found = re.findall(r"^### ([A-Z]{2}-\d+) (\w+)\s*$", SPEC.read_text(), flags=re.MULTILINE)
    ids = [prop_id for prop_id, _ in found]
    assert len(ids) == len(set(ids)), f"SPEC.md repeats an id: {sorted(ids)}"
    return dict(found)


def test_every_registered_property_is_specified_under_its_id() -> None:
    all_cases()  # the conversion family registers its own properties
    spec = _headings()
    registered = {p.id: p.name for p in PROPERTIES.values()}
    missing = {i: n for i, n in registered.items() if i not in spec}
    assert not missing, f"registered but not in SPEC.md: {missing}"
    renamed = {i: (n, spec[i]) for i, n in registered.items() if spec[i] != n}
    assert not renamed, f"registry name vs SPEC.md name: {renamed}"


def test_every_specified_property_is_registered() -> None:
    all_cases()
    registered = {p.id for p in PROPERTIES.values()}
    unregistered = sorted(set(_headings()) - registered)
    assert not unregistered, f"in SPEC.md but registered nowhere: {unregistered}"


def test_every_property_has_a_docstring_and_some_case_uses_it() -> None:
    used = {name for case in all_cases() for name in case.property_names}
    for prop in PROPERTIES.values():
        assert prop.doc, f"{prop.id} {prop.name} has no docstring"
        assert prop.name in used, f"{prop.id} {prop.name} is used by no case"


def test_the_suite_imports_itself_relatively() -> None:
    """The wheel installs this folder as ``array_env_conformance``: no absolute self-imports."""
    offenders = [
        f"{path.relative_to(SPEC.parent)}:{number}: {line.strip()}"
        for path in sorted(SPEC.parent.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.match(r"\s*(from|import)\s+(conformance|array_env_conformance)\b", line)
    ]
    assert not offenders, "use relative imports (from ..framework import ...):\n" + "\n".join(
        offenders
    )
