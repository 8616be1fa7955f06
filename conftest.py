"""Settings needed before any test imports a backend; skips for backends that are not installed.

A core install (``pip install -e ".[test]"`` without torch or jax) runs the same command as CI.
Three things would fail there for want of a backend, and each becomes a skip with a reason:

- a module that imports a missing backend at its top (``array_env/torch.py``, the typing cases
  under ``tests/typing``) is not imported for doctests;
- a doctest whose examples name a missing backend (or a wrapper of a missing extra: av,
  pygame-ce, ale-py) and that fails because it is missing;
- a test parametrised with a :class:`~array_env.testing.Backend` member that cannot run here
  (``tests/conftest.py``).

Nothing else is skipped: code that imports a backend it was not asked for still fails.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from collections.abc import Generator
from pathlib import Path

import pytest

# PyTorch's OpenMP pool busy-waits: with two threads on a two-core machine that also runs other
# pytest workers, a 64 KiB reduction takes 30 ms instead of 0.5 ms. One thread per process.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from array_env._namespace import backend_available

OPTIONAL_BACKENDS = ("torch", "jax", "cupy")
# The rendering and Atari extras: the module, and how an example that needs it shows it.
OPTIONAL_EXTRAS = {
    "av": r"RecordVideo|VideoWriter|\bav\b",
    "pygame": r"HumanRendering|pygame",
    "ale_py": r"AtariPreprocessing|ale_py|ALE/",
}
MISSING = frozenset(
    [name for name in OPTIONAL_BACKENDS if not backend_available(name)]
    + [name for name in OPTIONAL_EXTRAS if importlib.util.find_spec(name) is None]
)


def missing_reason(user: str, backends: list[str]) -> str:
    """The skip reason for ``user``, which needs ``backends``, which are not installed."""
    verb = "is" if len(backends) == 1 else "are"
    hint = "`array-env info` says how to add it"
    return f"{user} {' and '.join(backends)}, which {verb} not installed here ({hint})"


def _top_level_imports(path: Path) -> set[str]:
    """The top-level packages a module imports when it is imported (not under ``if``/``try``)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError):
        return set()
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.partition(".")[0])
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport | None:
    """Skip collecting a module that imports a missing backend, instead of failing to import it."""
    if not MISSING or not isinstance(collector, pytest.Module) or collector.path.suffix != ".py":
        return None
    needed = sorted(_top_level_imports(collector.path) & MISSING)
    if not needed:
        return None
    reason = "Skipped: " + missing_reason(f"{collector.path.name} imports", needed)
    return pytest.CollectReport(
        collector.nodeid, "skipped", (str(collector.path), 0, reason), result=[]
    )


def _missing_backend_behind(error: BaseException | None) -> str | None:
    """The missing backend whose absence raised ``error`` (through its chain), if any."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ModuleNotFoundError) and error.name:
            top = error.name.partition(".")[0]
            if top in MISSING:
                return top
        error = error.__cause__ or error.__context__
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Turn a doctest that fails only because the backend it shows is missing into a skip."""
    try:
        return (yield)
    except Exception as failure:
        dtest = getattr(item, "dtest", None)
        if not MISSING or dtest is None:
            raise
        # doctest.UnexpectedException keeps the example's exception in exc_info.
        exc_info = getattr(failure, "exc_info", None)
        backend = _missing_backend_behind(exc_info[1] if exc_info else None)
        source = "\n".join(example.source for example in dtest.examples)
        shown = OPTIONAL_EXTRAS.get(backend or "", backend or "")
        if backend is None or not re.search(shown, source, re.IGNORECASE):
            raise
        pytest.skip(missing_reason("this example uses", [backend]))
