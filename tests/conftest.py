"""Shared fixtures: every test that takes ``backend`` runs once per backend/device member."""

from __future__ import annotations

import pytest

from array_env.testing import Backend, apply_backend_markers, backend_params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backend_params())


@pytest.fixture(autouse=True)
def _backend_markers(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("backend") if callspec is not None else None
    if isinstance(backend, Backend):
        apply_backend_markers(request.node, backend)
