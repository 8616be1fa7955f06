"""Importing array_env pulls in no torch, jax or cupy; a conversion wrapper only its own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

BACKENDS = ("torch", "jax", "jaxlib", "cupy")


def _backends_imported_by(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the backend packages it left imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(BACKENDS)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    imported: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return imported


def test_importing_the_package_imports_no_backend() -> None:
    code = "import array_env, array_env.wrappers, array_env.vector, array_env.convert"
    assert _backends_imported_by(code) == []


def test_a_wrapper_imports_only_its_backend_when_constructed() -> None:
    # also shows that the probe does see an imported backend
    pytest.importorskip("torch")
    code = (
        "import gymnasium as gym\n"
        "from array_env.wrappers import NumpyToTorch\n"
        "NumpyToTorch(gym.make('CartPole-v1')).reset(seed=0)"
    )
    assert _backends_imported_by(code) == ["torch"]
