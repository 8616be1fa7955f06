"""Every example in examples/ runs in its --quick mode (full runs: examples/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

RUNS = [
    ("ppo.py", ("--quick",), ("torch",)),
    ("ppo.py", ("--quick", "--env", "pendulum"), ("torch",)),
    ("jax_policy.py", ("--quick",), ("jax",)),
    ("numpy_agent.py", ("--quick",), ()),
    ("typed_agent.py", (), ("torch",)),
]


@pytest.mark.parametrize(
    ("script", "args", "needs"), RUNS, ids=[" ".join((s, *a)) for s, a, _ in RUNS]
)
def test_example_runs(script: str, args: tuple[str, ...], needs: tuple[str, ...]) -> None:
    for module in needs:
        pytest.importorskip(module, reason=f"{script} needs {module}")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "final" in done.stdout or script == "typed_agent.py", done.stdout
