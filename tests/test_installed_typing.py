"""Type checkers see array_env's typed ``array_namespace`` in an installed copy, unconfigured.

The wheel built from this checkout is installed into a fresh virtual environment (its
dependencies come from the running environment through a ``.pth`` line; the source tree is not on
its path). mypy and pyright then check a user's file in a folder outside the repository, with no
configuration: the stub-only package ``array_api_compat-stubs`` that the wheel installs (PEP 561)
must make ``array_namespace(np.zeros(3))`` an array_env ``Namespace[...]``, where array-api-compat
alone says ``types.ModuleType``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_CODE = """\
import numpy as np
from array_api_compat import array_namespace

xp = array_namespace(np.zeros(3))
reveal_type(xp)
reveal_type(xp.sum(np.zeros(3)))
"""

# What this checkout installs, left out of the links to the running environment.
_OURS = (
    "array_env",
    "array_api_compat-stubs",
    "conformance",
    "_array_env",
    "_editable_impl_array_env",
)

pytestmark = pytest.mark.slow  # builds a wheel and runs mypy cold: about 30 s


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # A user's shell: no MYPYPATH, and not the repository's folder or configuration.
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env, check=False
    )


def _pyright() -> str | None:
    local = Path(sys.executable).with_name("pyright")
    return str(local) if local.exists() else shutil.which("pyright")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh environment holding the installed wheel of this checkout."""
    work = tmp_path_factory.mktemp("installed")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
        cwd=work,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = work.glob("array_env-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work).check_returncode()
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=work).stdout.strip())  # fmt: skip
    # The dependencies (numpy, array-api-compat, gymnasium...) come from the running environment,
    # through a folder of links to its site-packages that leaves out array_env itself (an
    # editable install, or a copy of the stubs) and its .pth files.
    dependencies = work / "dependencies"
    dependencies.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(_OURS) and entry.suffix != ".pth":
            (dependencies / entry.name).symlink_to(entry)
    (site / "_dependencies.pth").write_text(f"{dependencies}\n")
    done = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    where = _run([str(python), "-c", "import array_env; print(array_env.__file__)"], cwd=work)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    assert (site / "array_api_compat-stubs" / "__init__.pyi").is_file()
    assert (site / "array_api_compat-stubs" / "py.typed").read_text() == "partial\n"
    return python


def _mypy(python: Path, user_file: Path) -> subprocess.Popen[str]:
    cache = user_file.parent / ".mypy_cache"
    command = [sys.executable, "-m", "mypy", "--python-executable", str(python),
               "--cache-dir", str(cache), user_file.name]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.Popen(
        command, cwd=user_file.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env,
    )  # fmt: skip


def _pyright_reveals(pyright: str, python: Path, user_file: Path) -> list[str]:
    result = _run(
        [pyright, "--outputjson", "--pythonpath", str(python), user_file.name],
        cwd=user_file.parent,
    )
    report = json.loads(result.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not errors, json.dumps(errors, indent=1)
    return [
        d["message"] for d in report["generalDiagnostics"] if d["message"].startswith("Type of")
    ]


def test_mypy_and_pyright_see_the_typed_namespace(installed: Path, tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install array-env[test])")
    pyright = _pyright()
    if pyright is None:
        pytest.skip("pyright is not installed (pip install array-env[test])")
    user_file = tmp_path / "agent.py"
    user_file.write_text(USER_CODE)
    mypy = _mypy(installed, user_file)  # the slow one (cold cache), in the background
    try:
        revealed = _pyright_reveals(pyright, installed, user_file)
        mypy_output, _ = mypy.communicate(timeout=600)
    finally:
        mypy.kill()
    assert revealed[0].startswith('Type of "xp" is "Namespace[ndarray['), revealed
    assert revealed[1].startswith('Type of "xp.sum(np.zeros(3))" is "ndarray['), revealed
    assert len(revealed) == 2, revealed

    assert mypy.returncode == 0, mypy_output
    revealed = [line.split("Revealed type is ", 1)[1] for line in mypy_output.splitlines()
                if "Revealed type is" in line]  # fmt: skip
    assert revealed[0].startswith('"array_env.typing.Namespace[numpy.ndarray['), mypy_output
    assert revealed[1].startswith('"numpy.ndarray['), mypy_output
    assert len(revealed) == 2, mypy_output

    # The control: without the stub package the same file says what array-api-compat says.
    (stubs,) = installed.parents[1].glob("lib/python*/site-packages/array_api_compat-stubs")
    aside = stubs.with_name("set-aside")
    stubs.rename(aside)
    try:
        revealed = _pyright_reveals(pyright, installed, user_file)
    finally:
        aside.rename(stubs)
    assert revealed[0] == 'Type of "xp" is "ModuleType"', revealed
