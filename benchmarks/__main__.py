"""Run every benchmark suite, save the rows as JSON and draw the plots.

``python -m benchmarks`` measures conversion, the environments, the wrappers and (where
``benchmarks/atari.py`` and ale-py are present) Atari preprocessing, each side by side with
Gymnasium in this one process, then writes ``benchmarks/results/<date>-<cpu|gpu>.json`` (machine,
GPU name and library versions included) and the plots beside it. ``--quick`` is a short run for
smoke tests; its numbers are not worth keeping.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch: see benchmarks/envs.py

from benchmarks import conversion, envs, plots, stack_floor, wrappers
from benchmarks._record import Measurement, Progress, machine_info, markdown_table, write_results

RESULTS = Path(__file__).resolve().parent / "results"
SUITES = ("conversion", "envs", "wrappers", "atari")


def main(argv: list[str] | None = None) -> int:
    """Measure, save, plot; print every table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short windows, small sizes")
    parser.add_argument("--suites", nargs="+", choices=SUITES, default=list(SUITES))
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for JSON and plots")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--docs", type=Path, help="also write this Markdown page (tables, plots copied beside it)"
    )
    args = parser.parse_args(argv)
    seconds = 0.02 if args.quick else 1.0
    num_envs = [1, 64] if args.quick else [1, 16, 256, 4096, 65536]
    atari = "atari" in args.suites and _atari_available()
    total = (
        ("conversion" in args.suites) * conversion.pairs()
        + ("envs" in args.suites) * len(num_envs)
        + ("wrappers" in args.suites) * (len(wrappers.cpu_rows()) + 1)
    )
    progress = Progress(total)
    rows: list[Measurement] = []
    if "conversion" in args.suites:
        rows += conversion.collect((4,), seconds / 5, progress)
    if "envs" in args.suites:
        rows += envs.collect(
            num_envs, seconds * 2, rounds=3 if args.quick else 5, progress=progress
        )
    if "wrappers" in args.suites:
        rows += wrappers.collect(seconds, progress, gpu_envs=4096 if args.quick else 65536)
        rows += stack_floor.collect(seconds, 64 if args.quick else 4096)
        progress.advance("wrappers: the x4096 stack's floor")
    if atari:
        module = importlib.import_module("benchmarks.atari")
        rows += module.collect(seconds, progress)
    info = machine_info()
    path = write_results(rows, args.out, info)
    for suite in dict.fromkeys(m.suite for m in rows):
        print(f"\n## {suite}\n")
        print(markdown_table([m for m in rows if m.suite == suite]))
    print(f"\nresults: {path}")
    drawn: list[Path] = []
    if not args.no_plots:
        label = info["gpu"] or f"{info['cpus']}-core CPU"
        drawn = plots.draw(rows, args.out, label)
        for plot in drawn:
            print(f"plot: {plot}")
    if args.docs is not None:
        print(f"page: {write_page(args.docs, rows, info, path, drawn)}")
    return 0


def write_page(
    page: Path, rows: list[Measurement], info: dict[str, Any], results: Path, drawn: list[Path]
) -> Path:
    """The docs page of one run: machine, plots (copied next to the page), every table."""
    assets = page.parent / "assets" / "benchmarks"
    assets.mkdir(parents=True, exist_ok=True)
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    lines = [
        "# Benchmarks",
        "",
        "Measured by `python -m benchmarks` (the JSON is "
        f"`benchmarks/results/{results.name}` in the repository). array_env and Gymnasium are "
        "timed in alternating windows of the same run, so their ratio is taken under the same "
        "load; absolute numbers depend on the machine, which was shared. Times are per step "
        "(lower is better), rates per second (higher is better). The wrapper-only ratio is "
        "(array_env - bare env) / (Gymnasium - bare env).",
        "",
        f"Machine: {info['gpu'] or 'no GPU'}, {info['cpus']} CPU cores ({info['processor']}), "
        f"Python {info['python']}, {info['date']}; {versions}.",
        "",
    ]
    for plot in drawn:
        shutil.copy(plot, assets / plot.name)
        lines += [f"![{plot.stem}](assets/benchmarks/{plot.name})", ""]
    for suite in dict.fromkeys(m.suite for m in rows):
        lines += [f"## {suite}", "", markdown_table([m for m in rows if m.suite == suite]), ""]
    page.write_text("\n".join(lines))
    return page


def _atari_available() -> bool:
    here = Path(__file__).resolve().parent
    return (here / "atari.py").exists() and importlib.util.find_spec("ale_py") is not None


if __name__ == "__main__":
    raise SystemExit(main())
