"""The ``array-env`` command: ``info``, ``check`` (text and JSON), exit codes."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from array_env import BACKEND_NAMES
from array_env._namespace import backend_available
from array_env.cli import main
from array_env.testing import Backend

SUBSET = ["--backend", "numpy", "--backend", "array_api_strict"]
FIELDS = ["wrapper", "kind", "backend", "device", "id", "property", "outcome", "message"]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken_impl(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # pyright: ignore[reportUnknownMemberType]
    return "_broken_impl"


def _info_rows(out: str) -> tuple[dict[str, str], dict[str, str]]:
    packages_part, labels_part = out.split("conformance backend labels")
    table = packages_part.split("devices, or how to add it\n")[1]
    rows = {line[:18].strip(): line[18:].strip() for line in table.splitlines() if line[:1] != " "}
    labels = {line.split()[0]: line for line in labels_part.splitlines()[1:] if line.strip()}
    return rows, labels


def test_info_lists_packages_backends_devices_and_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "info")
    assert code == 0
    assert len(out.splitlines()) <= 30, out  # one screen
    rows, labels = _info_rows(out)
    for name in ("gymnasium", "numpy", "array-api-compat", "array-api-strict", "torch", "jax",
                 "cupy", "ale-py", "av", "pygame-ce", "test tools"):  # fmt: skip
        assert name in rows, out
    assert rows["numpy"].split() == [np.__version__, "cpu"]
    assert "device1" in rows["array-api-strict"]
    for name in BACKEND_NAMES:
        row = rows[name.replace("_", "-")]
        if backend_available(name):
            assert row.split()[0] != "-", row
            assert "pip install" not in row, row
        else:
            assert row.startswith("-"), row
            assert "pip install" in row, row
    assert list(labels) == [b.label for b in Backend]
    for backend in Backend:
        line = labels[backend.label]
        reason = backend.unavailable_reason
        assert (f"unavailable: {reason}" in line) if reason else "unavailable" not in line


def test_info_says_how_to_add_what_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a core install: no torch, jax, cupy, ale-py, av, pygame-ce or test tools.
    present = ("gymnasium", "numpy", "array_api_compat", "array_api_extra", "array_api_strict")
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> ModuleSpec | None:
        return real_find_spec(name, package) if name.partition(".")[0] in present else None

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    code, out, _ = run_cli(capsys, "info")
    monkeypatch.undo()
    assert code == 0
    rows, _ = _info_rows(out)
    assert rows["torch"] == (
        "-            pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
    )
    assert rows["jax"].endswith('pip install "array-env[jax]"')
    assert 'pip install "array-env[cupy]"' in rows["cupy"]
    assert 'pip install "array-env[atari]"' in rows["ale-py"]
    assert 'pip install "array-env[video]"' in rows["av"]
    assert 'pip install "array-env[video]"' in rows["pygame-ce"]
    assert rows["test tools"] == (
        'missing pytest, hypothesis, mypy, pyright, ruff: pip install "array-env[test]"'
    )
    assert 'pip install -e ".[EXTRA]"' in out
    assert rows["numpy"].split()[0] == np.__version__


def test_check_text_prints_matrix_progress_and_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Gymnasium's ArrayConversion holds every property between NumPy and array-api-strict.
    code, out, err = run_cli(
        capsys, "check", *SUBSET, "--impl", "gymnasium.wrappers", "--wrapper", "ArrayConversion"
    )
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["wrapper", "numpy", "array_api_strict"]
    assert lines[1].split() == ["cpu", "CPU_DEVICE"]
    for kind in ("single", "vector"):
        row = next(line for line in lines if line.startswith(f"ArrayConversion {kind}"))
        assert re.fullmatch(rf"ArrayConversion {kind}\s+(\d+)/\1\s+(\d+)/\2", row), row
    summary = re.fullmatch(r"conformance: (\d+) passed, 0 failed, 0 xfailed, 0 skipped", lines[-1])
    assert summary is not None, lines[-1]
    assert "ArrayConversion vector array_api_strict" in err  # progress, on stderr


def test_check_json_has_exactly_the_documented_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(
        capsys, "check", *SUBSET, "--impl", "gymnasium.wrappers", "--format", "json",
        "--wrapper", "ArrayConversion", "--wrapper", "NumpyToTorch",
    )  # fmt: skip
    report = json.loads(out)
    assert list(report) == ["results"]
    results: list[dict[str, Any]] = report["results"]
    assert results
    for result in results:
        assert list(result) == FIELDS
        assert all(isinstance(value, str) for value in result.values())
        assert result["kind"] in ("single", "vector")
        assert result["backend"] in ("numpy", "array_api_strict")
        assert result["outcome"] in ("passed", "failed", "xfailed", "skipped")
        assert (result["message"] == "") == (result["outcome"] == "passed")
    # NumpyToTorch has no target among NumPy and array-api-strict: it does not run.
    assert {r["wrapper"] for r in results} == {"ArrayConversion"}
    assert code == int(any(r["outcome"] == "failed" for r in results))


def test_check_exits_non_zero_when_a_property_fails(
    capsys: pytest.CaptureFixture[str], broken_impl: str
) -> None:
    args = ("check", *SUBSET, "--impl", broken_impl, "--wrapper", "ArrayConversion")
    code, out, _ = run_cli(capsys, *args, "--format", "json")
    assert code == 1
    single = [r for r in json.loads(out)["results"] if r["kind"] == "single"]
    outcomes = {(r["backend"], r["property"]): r for r in single}
    moved = outcomes[("numpy", "moved_as_asked[array_api_strict]")]
    assert moved["outcome"] == "failed"
    assert "action received by the env" in moved["message"]
    assert outcomes[("numpy", "round_trip[array_api_strict]")]["outcome"] == "passed"

    code, text, _ = run_cli(capsys, *args)
    assert code == 1
    assert re.search(r"ArrayConversion single\s+\d+/6 (✗|x)", text)
    assert "FAILED ArrayConversion single numpy moved_as_asked[array_api_strict]" in text


def test_check_reports_missing_backends_as_skipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a core install: torch is not there.
    import array_env._namespace as namespaces
    import array_env.testing as testing

    def without_torch(name: str) -> bool:
        return name != "torch" and namespaces.backend_available(name)

    monkeypatch.setattr(testing, "backend_available", without_torch)
    # The reasons are cached per member; recompute them with and after the fake.
    testing._unavailable_reason.cache_clear()  # pyright: ignore[reportPrivateUsage]
    try:
        code, out, _ = run_cli(
            capsys, "check", "--backend", "numpy", "--backend", "torch", "--format", "json",
            "--impl", "gymnasium.wrappers", "--wrapper", "ArrayConversion",
            "--wrapper", "NumpyToTorch",
        )  # fmt: skip
    finally:
        monkeypatch.undo()
        testing._unavailable_reason.cache_clear()  # pyright: ignore[reportPrivateUsage]
    results = json.loads(out)["results"]
    torch_rows = [r for r in results if r["backend"] == "torch" or "[torch]" in r["property"]]
    assert torch_rows
    for result in torch_rows:
        assert result["outcome"] == "skipped"
        assert "torch is not installed" in result["message"]
    assert code == 0


def test_unknown_backend_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="unknown backend nonesuch"):
        main(["check", "--backend", "nonesuch"])


def test_unknown_wrapper_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--wrapper", "NoSuchWrapper", *SUBSET)
    assert code == 2
    assert "no conformance cases for NoSuchWrapper" in err


def test_unknown_implementation_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--impl", "no_such_module_here", *SUBSET)
    assert code == 2
    assert "no_such_module_here" in err


def test_python_m_array_env_prints_only_json_on_stdout() -> None:
    command = [sys.executable, "-m", "array_env", "check", *SUBSET, "--format", "json",
               "--impl", "gymnasium.wrappers", "--wrapper", "ArrayConversion"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert {r["outcome"] for r in results} == {"passed"}
    assert "checks of gymnasium.wrappers" in done.stderr


def test_check_markdown_has_the_matrix_and_failures_by_property_id(
    capsys: pytest.CaptureFixture[str], broken_impl: str
) -> None:
    code, out, _ = run_cli(
        capsys, "check", *SUBSET, "--impl", broken_impl, "--wrapper", "ArrayConversion",
        "--format", "markdown",
    )  # fmt: skip
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "# Conformance matrix: `_broken_impl`"
    assert "| wrapper | numpy<br>cpu | array_api_strict<br>CPU_DEVICE |" in lines
    assert re.search(r"^\| ArrayConversion single \| \d+/\d+ ✗ \|", out, flags=re.MULTILINE)
    failures = out.split("## Failures by property")[1]
    assert re.search(r"^\| NS-2 \| \d+ \| ArrayConversion single, ArrayConversion vector \|",
                     failures, flags=re.MULTILINE)  # fmt: skip
    cv1 = next(line for line in failures.splitlines() if line.startswith("| CV-1 |"))
    assert "ArrayConversion single" not in cv1  # its values do round-trip (it has no vector)


def test_check_thorough_selects_the_thorough_profile(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.strategies import PROFILE_VARIABLE, profile

    monkeypatch.setenv(PROFILE_VARIABLE, "ci")  # restored afterwards: the CLI sets it
    assert profile() == "ci"
    code, _, _ = run_cli(capsys, "check", "--backend", "numpy", "--wrapper", "ClipAction",
                         "--thorough", "--format", "json")  # fmt: skip
    assert code == 0
    assert profile() == "thorough"
