"""Every ``python`` code block of the guides (docs/*.md) and README.md runs as written.

The blocks of one page run in order in one namespace, as a reader would paste them. A block that
needs a backend this machine lacks (torch, jax, cupy) or a GPU (``cuda``) is skipped with the
reason; anything else that fails is a failure of the page. A block whose first line is a
``# excerpt`` comment quotes part of a larger file (the library's source, a typing-test case): it
is compiled, not run, so at least its syntax is checked.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


NEEDS = {"RecordVideo": "av", "HumanRendering": "pygame", "AtariPreprocessing": "ale_py"}
"""Wrappers whose optional dependency a block needs without importing it itself."""


def _missing(code: str) -> str | None:
    """Why ``code`` cannot run here, or ``None`` when it can."""
    for name, module in NEEDS.items():
        if name in code and importlib.util.find_spec(module) is None:
            return f"{name} needs {module}, which is not installed"
    for module in ("torch", "jax", "cupy", "ale_py", "av", "pygame", "cv2", "matplotlib"):
        used = re.search(rf"^\s*(import|from) (array_env\.)?{module}\b", code, re.MULTILINE)
        if (used or f'"{module}"' in code) and importlib.util.find_spec(module) is None:
            return f"{module} is not installed"
    # A block that picks CUDA only when present (torch.cuda.is_available()) runs anywhere.
    asks_cuda = re.search(r"[\"']cuda(:\d+)?[\"']", code) and "is_available()" not in code
    if asks_cuda and not _cuda_available():
        return "needs a CUDA device"
    return None


def _blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    skipped: list[str] = []
    for index, code in enumerate(_blocks(page)):
        if code.startswith("# excerpt"):
            compile(code, f"{page.name}[block {index}]", "exec")
            continue
        reason = _missing(code)
        if reason is not None:
            skipped.append(f"block {index}: {reason}")
            continue
        try:
            exec(compile(code, f"{page.name}[block {index}]", "exec"), namespace)
        except Exception as error:
            pytest.fail(f"{page.name} block {index} raised {type(error).__name__}: {error}")
    if skipped and len(skipped) == len(_blocks(page)):
        pytest.skip("; ".join(skipped))
