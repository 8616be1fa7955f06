"""``python -m benchmarks --quick`` measures every suite, writes its JSON and draws its plots.

The numbers of a quick run mean nothing (tiny windows on a shared machine); what is checked is
that every suite produces rows for what is installed, that array_env and Gymnasium both have a
figure wherever Gymnasium has the wrapper, and that the files a user would open are there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_run_writes_results_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plots need matplotlib")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (results,) = tmp_path.glob("*.json")
    data = json.loads(results.read_text())
    assert data["machine"]["versions"]["gymnasium"] is not None
    suites = {row["suite"] for row in data["results"]}
    assert {"conversion", "envs", "wrappers"} <= suites
    wrappers = [r for r in data["results"] if r["suite"] == "wrappers" and r["unit"] == "us/step"]
    assert {r["name"] for r in wrappers} >= {"stack", "NormalizeObservation", "ClipAction"}
    for row in wrappers:
        assert row["ours"] > 0
        assert (row["gymnasium"] is None) == ("Gymnasium has none" in row["note"]), row
    assert (tmp_path / "wrapper_overhead.png").stat().st_size > 10_000
    assert (tmp_path / "env_throughput.png").stat().st_size > 10_000


def test_stack_floor_maths_are_the_stacks_maths() -> None:
    """The floor of the x4096 goal times the stack's own maths: same observations and rewards."""
    from benchmarks.stack_floor import check_same_maths

    check_same_maths(num_envs=16, steps=400)
