"""The typing suite: mypy and pyright, strict, over tests/typing (pass/, fail/, reveal/).

``pass/`` must check cleanly; ``reveal/`` pins inferred types with ``assert_type``; every line
of ``fail/`` must be rejected, and carries ``# type: ignore[code]  # pyright: ignore[rule]``
so that an error that disappears or changes code is itself an error (mypy ``unused-ignore``,
pyright ``reportUnnecessaryTypeIgnoreComment``). Each checker runs once over all cases plus a
probe file of deliberate mistakes, which proves the run can fail. Both use the project's
configuration in pyproject.toml; mypy reuses ``.mypy_cache`` (about 20 s cold, 1 s warm).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from array_env._namespace import backend_available

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "typing").glob("*/*.py"))
# The cases (and the probe) type-check code on every backend: without torch's and jax's types the
# checkers would see `Any` and report other errors.
needs_torch_and_jax = pytest.mark.skipif(
    not (backend_available("torch") and backend_available("jax")),
    reason="the typing cases need torch and jax installed (`array-env info` says how)",
)

# A wrong expectation and an expected error that is not there; both checkers must report both.
PROBE = """\
import gymnasium as gym
import torch
from typing_extensions import assert_type

from array_env.wrappers import NumpyToTorch


def wrong_reveal() -> None:
    assert_type(NumpyToTorch(gym.make("CartPole-v1")).reset()[0], int)


def error_gone() -> None:
    NumpyToTorch(gym.make("CartPole-v1")).step(torch.tensor(1))  # IGNORES
""".replace("IGNORES", "type: ignore[arg-type]  # pyright: ignore[reportArgumentType]")
PROBE_MYPY = {(9, "assert-type"), (13, "unused-ignore")}
PROBE_PYRIGHT = {(9, "reportAssertTypeFailure"), (13, "reportUnnecessaryTypeIgnoreComment")}


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=900, env=dict(os.environ)
    )


def _pyright() -> str:
    local = Path(sys.executable).with_name("pyright")
    found = str(local) if local.exists() else shutil.which("pyright")
    if found is None:
        pytest.skip("pyright is not installed (pip install array-env[test])")
    return found


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("typing") / "typing_probe.py"
    path.write_text(PROBE)
    return path


def test_cases_exist() -> None:
    folders = {path.parent.name for path in CASES}
    assert folders == {"pass", "fail", "reveal"}, folders


@needs_torch_and_jax
def test_mypy(probe: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install array-env[test])")
    result = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "pyproject.toml",
            *map(str, CASES),
            str(probe),
        ]
    )
    found: dict[str, set[tuple[int, str]]] = {}
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?):(\d+): error: .*\[([a-z-]+)\]$", line)
        if match:
            found.setdefault(Path(match[1]).name, set()).add((int(match[2]), match[3]))
    probe_found = found.pop(probe.name, set())
    assert not found, result.stdout
    assert probe_found == PROBE_MYPY, result.stdout + result.stderr


@needs_torch_and_jax
def test_pyright(probe: Path) -> None:
    command = [
        _pyright(),
        "--pythonpath",
        sys.executable,
        "--outputjson",
        "--project",
        "pyproject.toml",
        *map(str, CASES),
        str(probe),
    ]
    result = _run(command)
    report = json.loads(result.stdout)
    found: dict[str, set[tuple[int, str]]] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            line = diagnostic["range"]["start"]["line"] + 1
            rule = diagnostic.get("rule", diagnostic["message"])
            found.setdefault(Path(diagnostic["file"]).name, set()).add((line, rule))
    probe_found = found.pop(probe.name, set())
    assert not found, json.dumps(report["generalDiagnostics"], indent=1)
    assert probe_found == PROBE_PYRIGHT, json.dumps(report["generalDiagnostics"], indent=1)


@pytest.mark.parametrize(
    ("module", "absent"), [("numpy", ("torch", "jax")), ("torch", ("jax",)), ("jax", ("torch",))]
)
def test_backend_alias_imports_only_its_backend(module: str, absent: tuple[str, ...]) -> None:
    if module != "numpy" and not backend_available(module):
        pytest.skip(f"{module} is not installed")
    code = f"import sys, array_env.{module}; print([m for m in {absent!r} if m in sys.modules])"
    result = _run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
