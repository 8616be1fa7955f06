"""Expected failures of array_env's own implementation, one file per backend label.

``conformance/xfails/<label>.txt`` (with ``:`` in the label written as ``_``, so
``array_api_strict:device1`` reads ``array_api_strict_device1.txt``) holds one expected failure a
line::

    ArrayConversion  vector  dtype_kept[jax]  # why this fails, and what would fix it

The three fields are patterns over the wrapper name, the kind and the property label, where
``*`` matches any text and ``?`` one character (brackets are literal: ``round_trip[torch]``);
the reason after ``#`` is mandatory. The lists apply only when the suite runs against array_env
itself: other implementations' failures are findings, never expected. An entry that passes is
reported as a failure, so the lists never go stale.

Examples:
    >>> rules = parse_xfails("ClipAction single dtype_*  # needs a float32 bound", "x.txt")
    >>> find_reason(rules, "ClipAction", "single", "dtype_kept")
    'needs a float32 bound'
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "XFAILS_DIR",
    "XfailRule",
    "find_reason",
    "load_xfails",
    "matches",
    "parse_xfails",
    "xfails_file",
]

XFAILS_DIR = Path(__file__).parent / "xfails"


class XfailRule(NamedTuple):
    """One expected failure: patterns over wrapper, kind and property, with its reason."""

    wrapper: str
    kind: str
    property: str
    reason: str


def xfails_file(label: str, directory: Path = XFAILS_DIR) -> Path:
    """Return the path of the xfail list of the backend ``label``."""
    return directory / f"{label.replace(':', '_')}.txt"


def parse_xfails(text: str, source: str) -> list[XfailRule]:
    """Parse the text of one xfail list.

    Raises:
        ValueError: On a line without three fields or without a reason, naming ``source:line``.
    """
    rules: list[XfailRule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields, _, reason = line.partition("#")
        parts = fields.split()
        if len(parts) != 3 or not reason.strip():
            raise ValueError(
                f"{source}:{number}: expected `wrapper kind property  # reason`, got {raw!r}"
            )
        rules.append(XfailRule(parts[0], parts[1], parts[2], reason.strip()))
    return rules


def load_xfails(labels: list[str], directory: Path = XFAILS_DIR) -> dict[str, list[XfailRule]]:
    """Read the xfail lists of the given backend labels (a missing file is an empty list)."""
    loaded: dict[str, list[XfailRule]] = {}
    for label in labels:
        path = xfails_file(label, directory)
        loaded[label] = parse_xfails(path.read_text(), str(path)) if path.exists() else []
    return loaded


def find_reason(rules: list[XfailRule], wrapper: str, kind: str, prop: str) -> str | None:
    """Return the reason of the first rule matching this check, or ``None``."""
    for rule in rules:
        if (
            matches(rule.wrapper, wrapper)
            and matches(rule.kind, kind)
            and matches(rule.property, prop)
        ):
            return rule.reason
    return None


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def matches(pattern: str, text: str) -> bool:
    """Whether ``text`` matches ``pattern`` (``*``: any text, ``?``: one character).

    Examples:
        >>> matches("zero_copy[*]", "zero_copy[torch:cuda]"), matches("zero_copy", "zero_copy[jax]")
        (True, False)
    """
    return _compile(pattern).fullmatch(text) is not None
