"""Shared fixtures: every test that takes ``backend`` runs once per backend/device member."""

from __future__ import annotations

import pytest

from array_env.testing import Backend, apply_backend_markers, backend_params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backend_params())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip, with its reason, a test parametrised with a backend member that cannot run here.

    ``backend`` parameters carry the skip already (``backend_params``); this covers tests that
    list members themselves (``@pytest.mark.parametrize("member", [Backend.TORCH, ...])``).
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for value in callspec.params.values():
            reason = value.unavailable_reason if isinstance(value, Backend) else None
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.fixture(autouse=True)
def _backend_markers(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("backend") if callspec is not None else None
    if isinstance(backend, Backend):
        apply_backend_markers(request.node, backend)
