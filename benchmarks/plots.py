"""Plots of a benchmark run: wrapper overhead against Gymnasium, env throughput against num_envs.

``python -m benchmarks.plots RESULTS.json [--out FOLDER]`` redraws them from a saved run;
``python -m benchmarks`` draws them after measuring.
"""

# matplotlib leaves many Axes methods partially unknown to pyright strict.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks._record import Measurement, read_results


def wrapper_overhead(rows: Sequence[Measurement], path: Path, title: str) -> Path | None:
    """Horizontal bars: array_env's time per step over Gymnasium's, per wrapper and kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    compared = [m for m in rows if m.suite == "wrappers" and m.ratio is not None]
    if not compared:
        return None
    labels = [f"{m.name} ({m.kind.split(' ')[0]})" for m in compared]
    ratios = [m.ratio or 0.0 for m in compared]
    figure, axes = plt.subplots(figsize=(8, 0.32 * len(compared) + 1.5))
    colours = ["tab:green" if r <= 1.0 else "tab:red" for r in ratios]
    axes.barh(range(len(compared)), ratios, color=colours)
    axes.axvline(1.0, color="black", linewidth=1)
    axes.set_yticks(range(len(compared)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("array_env time per step / Gymnasium's (below 1: faster)")
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def env_throughput(rows: Sequence[Measurement], path: Path, title: str) -> Path | None:
    """Env-steps per second against num_envs, log-log, one line per backend and mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = [m for m in rows if m.suite == "envs"]
    if not envs:
        return None
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for series in dict.fromkeys((m.name, m.backend) for m in envs):
        points = sorted(
            (int(m.kind.split()[0]), m.ours) for m in envs if (m.name, m.backend) == series
        )
        xs, ys = zip(*points, strict=True)
        style = "k--" if series[0].startswith("gymnasium") else "-o"
        axes.plot(xs, ys, style, label=f"{series[0]} [{series[1]}]", markersize=3)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("num_envs")
    axes.set_ylabel("env-steps per second")
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=7)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def draw(rows: Sequence[Measurement], folder: Path, machine: str) -> list[Path]:
    """Every plot of a run into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = [
        wrapper_overhead(
            rows, folder / "wrapper_overhead.png", f"Wrapper cost vs Gymnasium, {machine}"
        ),
        env_throughput(
            rows, folder / "env_throughput.png", f"Vector CartPole throughput, {machine}"
        ),
    ]
    return [path for path in drawn if path is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default: beside the JSON)")
    args = parser.parse_args()
    machine, rows = read_results(args.results)
    label = machine["gpu"] or f"{machine['cpus']}-core CPU"
    for path in draw(rows, args.out or args.results.parent, label):
        print(path)


if __name__ == "__main__":
    main()
