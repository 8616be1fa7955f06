"""What every benchmark returns, and how a run is saved: one row type, machine facts, JSON.

Each suite (``conversion``, ``envs``, ``wrappers``, ``atari`` when present) has a ``collect``
function returning :class:`Measurement` rows; ``python -m benchmarks`` gathers them, writes
them with :func:`machine_info` to ``benchmarks/results/<date>-<machine>.json`` and draws the
plots. The numbers only mean something side by side: array_env and Gymnasium are measured in
alternating windows of the same run, so the ratio is taken under the same load.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

LIBRARIES = (
    "array-env",
    "gymnasium",
    "numpy",
    "array-api-compat",
    "array-api-strict",
    "torch",
    "jax",
    "cupy-cuda12x",
    "ale-py",
    "opencv-python-headless",
)


class Measurement(NamedTuple):
    """One benchmark row: array_env's figure and, where it has one, Gymnasium's."""

    suite: str
    """``"conversion"``, ``"envs"``, ``"wrappers"`` or ``"atari"``."""
    name: str
    """What was measured, e.g. ``"NormalizeObservation"`` or ``"numpy -> torch"``."""
    kind: str
    """The setting, e.g. ``"single Pendulum-v1"``, ``"vector CartPole x256"``, ``"4096 envs"``."""
    backend: str
    """Backend and device label of array_env's side, e.g. ``"numpy"`` or ``"torch:cuda"``."""
    unit: str
    """``"us/step"``, ``"us/leaf"``, ``"env-steps/s"``, ``"frames/s"`` or ``"elements/s"``."""
    ours: float
    gymnasium: float | None = None
    base: float | None = None
    """The bare environment's figure in the same unit, where the row is a wrapper's overhead."""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """array_env / Gymnasium (below 1 is faster for times, above 1 for rates)."""
        if self.gymnasium is None or self.gymnasium == 0:
            return None
        return self.ours / self.gymnasium

    @property
    def overhead_ratio(self) -> float | None:
        """The wrapper's own cost against Gymnasium's: (ours - bare) / (Gymnasium - bare)."""
        if self.gymnasium is None or self.base is None:
            return None
        theirs = self.gymnasium - self.base
        return (self.ours - self.base) / theirs if theirs > 0 else None


def machine_info() -> dict[str, Any]:
    """The machine, Python and library versions a result was measured with (GPU named)."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    gpu = None
    if "torch" in sys.modules or versions["torch"] is not None:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": platform.node(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "gpu": gpu,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "versions": versions,
    }


def write_results(
    measurements: Sequence[Measurement], folder: Path, info: dict[str, Any] | None = None
) -> Path:
    """Write one run as JSON under ``folder``; return the file's path."""
    info = machine_info() if info is None else info
    folder.mkdir(parents=True, exist_ok=True)
    stamp = info["date"][:19].replace(":", "").replace("-", "")
    label = "gpu" if info["gpu"] else "cpu"
    path = folder / f"{stamp}-{label}.json"
    rows = [
        m._asdict() | {"ratio": m.ratio, "overhead_ratio": m.overhead_ratio} for m in measurements
    ]
    path.write_text(json.dumps({"machine": info, "results": rows}, indent=1) + "\n")
    return path


def read_results(path: Path) -> tuple[dict[str, Any], list[Measurement]]:
    """The machine facts and rows of a JSON file written by :func:`write_results`."""
    data = json.loads(path.read_text())
    fields = Measurement._fields
    rows = [Measurement(**{k: v for k, v in row.items() if k in fields}) for row in data["results"]]
    return data["machine"], rows


def alternate_best(
    runs: Sequence[Callable[[int], None]], seconds: float, batch: int
) -> list[float]:
    """Best per-step seconds of each run, measured in alternating rounds of ``batch`` steps.

    The machines are shared: alternating puts every run under the same load, and each run's
    fastest round is its figure.
    """
    for run in runs:
        run(batch)
    best = [float("inf")] * len(runs)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for k, run in enumerate(runs):
            start = time.perf_counter()
            run(batch)
            best[k] = min(best[k], (time.perf_counter() - start) / batch)
    return best


class Progress:
    """A one-line progress bar on stderr (silent when stderr is not a terminal and ``quiet``)."""

    def __init__(self, total: int, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.total, self.done = max(total, 1), 0
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet

    def advance(self, label: str) -> None:
        """Count one finished item and redraw the bar."""
        self.done += 1
        if self.quiet:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if self.done >= self.total else ""
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:60]:<60}{end}")
        self.stream.flush()


def markdown_table(rows: Iterable[Measurement]) -> str:
    """The rows of one suite as a Markdown table (what the scripts print)."""
    lines = [
        "| name | setting | backend | array_env | Gymnasium | ratio | wrapper-only ratio |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for m in rows:
        theirs = "-" if m.gymnasium is None else f"{m.gymnasium:.3g}"
        ratio = "-" if m.ratio is None else f"{m.ratio:.2f}"
        own = "-" if m.overhead_ratio is None else f"{m.overhead_ratio:.2f}"
        note = f" ({m.note})" if m.note else ""
        lines.append(
            f"| {m.name}{note} | {m.kind} | {m.backend} | {m.ours:.3g} {m.unit} | {theirs} "
            f"| {ratio} | {own} |"
        )
    return "\n".join(lines)
