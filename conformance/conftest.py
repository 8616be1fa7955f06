"""``pytest conformance --impl MODULE`` runs the suite against another implementation."""

from __future__ import annotations

import pytest

from .implementation import DEFAULT_IMPLEMENTATION


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default=DEFAULT_IMPLEMENTATION,
        metavar="MODULE",
        help="module providing the wrappers under test by their Gymnasium names "
        "(default: array_env; e.g. gymnasium.wrappers)",
    )
