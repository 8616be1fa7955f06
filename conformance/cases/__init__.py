"""Every wrapper case, one module per wrapper family.

Each module in this package defines ``CASES: list[WrapperCase]``; :func:`all_cases` imports them
all (in file-name order), so adding a family is adding a file.

Examples:
    >>> sorted({case.kind for case in all_cases()})
    ['single', 'vector']
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from ..framework import WrapperCase

__all__ = ["all_cases"]


@functools.cache
def all_cases() -> tuple[WrapperCase, ...]:
    """Import every case module of this package and return their cases."""
    cases: list[WrapperCase] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases += module.CASES
    return tuple(cases)
