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
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch: see benchmarks/envs.py

from benchmarks import conversion, envs, plots, wrappers
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
    args = parser.parse_args(argv)
    seconds = 0.02 if args.quick else 1.0
    num_envs = [1, 64] if args.quick else [1, 16, 256, 4096, 65536]
    atari = "atari" in args.suites and _atari_available()
    total = (
        ("conversion" in args.suites) * conversion.pairs()
        + ("envs" in args.suites) * len(num_envs)
        + ("wrappers" in args.suites) * len(wrappers.cpu_rows())
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
    if atari:
        module = importlib.import_module("benchmarks.atari")
        rows += module.collect(seconds, progress)
    info = machine_info()
    path = write_results(rows, args.out, info)
    for suite in dict.fromkeys(m.suite for m in rows):
        print(f"\n## {suite}\n")
        print(markdown_table([m for m in rows if m.suite == suite]))
    print(f"\nresults: {path}")
    if not args.no_plots:
        label = info["gpu"] or f"{info['cpus']}-core CPU"
        for plot in plots.draw(rows, args.out, label):
            print(f"plot: {plot}")
    return 0


def _atari_available() -> bool:
    here = Path(__file__).resolve().parent
    return (here / "atari.py").exists() and importlib.util.find_spec("ale_py") is not None


if __name__ == "__main__":
    raise SystemExit(main())
