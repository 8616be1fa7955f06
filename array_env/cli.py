"""The ``array-env`` command: list backends, run the conformance suite.

``array-env info`` lists what is installed (array_env's dependencies, every backend with its
devices, the optional packages and the test tools), how to add what is missing, and the backend
labels the conformance suite runs on. ``array-env check`` runs the suite in this
process (no pytest needed), reports progress on stderr, prints a wrapper x backend matrix (or
JSON with ``--format json``) and exits with 1 when any property fails.

The suite is the ``conformance/`` folder of a source checkout (the spec, with its own README and
``SPEC.md``); an installed wheel ships it as the module ``array_env_conformance``. The command
uses the folder beside the imported ``array_env`` when there is one, the installed module
otherwise.

Examples:
    >>> main(["check", "--backend", "numpy", "--wrapper", "ArrayConversion", "--format", "json"])
    {
     "results": []
    }
    0

    (With NumPy alone there is nothing to convert to, so no check runs.)
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from array_env._namespace import available_devices, device_name, resolve_namespace
from array_env.testing import Backend

if TYPE_CHECKING:
    from conformance.framework import Result, WrapperCase

__all__ = ["main"]

_OUTCOMES = ("passed", "failed", "xfailed", "skipped")
_MAX_LISTED_FAILURES = 40


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        0 on success, 1 when a conformance property failed, 2 on a usage error.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="array-env", description="array_env: backends and the conformance suite."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    info = commands.add_parser("info", help="list the backends and their devices")
    info.set_defaults(handler=_info)
    check = commands.add_parser(
        "check", help="run the conformance suite over the installed backends"
    )
    labels = ", ".join(b.label for b in Backend)
    check.add_argument(
        "--backend",
        action="append",
        metavar="NAME",
        help=f"a backend label to run on (repeatable; default: all). One of: {labels}",
    )
    check.add_argument(
        "--impl",
        metavar="MODULE",
        help="the module providing the wrappers by their Gymnasium names "
        "(default: array_env; e.g. gymnasium.wrappers)",
    )
    check.add_argument(
        "--wrapper", action="append", metavar="NAME", help="only this wrapper (repeatable)"
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text matrix (default), JSON results, or a Markdown page (the docs' matrix pages)",
    )
    check.add_argument(
        "--thorough",
        action="store_true",
        help="draw many more generated spaces (hypothesis profile `thorough`; slow, not for CI)",
    )
    check.set_defaults(handler=_check)
    return parser


# What `info` reports: (row label, import name, the backend it provides, how to add it).
_CPU_TORCH = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
_PACKAGES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("gymnasium", "gymnasium", None, None),
    ("numpy", "numpy", "numpy", None),
    ("array-api-compat", "array_api_compat", None, None),
    ("array-api-extra", "array_api_extra", None, None),
    ("array-api-strict", "array_api_strict", "array_api_strict", None),
    ("torch", "torch", "torch", _CPU_TORCH),
    ("jax", "jax", "jax", 'pip install "array-env[jax]"'),
    ("cupy", "cupy", "cupy", 'pip install "array-env[cupy]"  (CUDA 12 GPUs)'),
    ("ale-py", "ale_py", None, 'pip install "array-env[atari]"  (Atari environments)'),
    ("av", "av", None, 'pip install "array-env[video]"  (RecordVideo\'s encoder)'),
    ("pygame-ce", "pygame", None, 'pip install "array-env[video]"  (HumanRendering)'),
)
_TEST_TOOLS = ("pytest", "hypothesis", "mypy", "pyright", "ruff")


def _installed_version(module: str) -> str | None:
    """The version of the distribution providing ``module``, or ``None`` when absent.

    Looks at the installed metadata only: nothing is imported.
    """
    if importlib.util.find_spec(module) is None:
        return None
    for distribution in importlib.metadata.packages_distributions().get(module, []):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def _devices(backend: str) -> str:
    try:
        return ", ".join(device_name(d) for d in available_devices(resolve_namespace(backend)))
    except Exception as e:  # a broken install is reported, not raised
        return f"unusable: {type(e).__name__}: {e}"


def _info(args: argparse.Namespace) -> int:
    import array_env

    out = sys.stdout
    python = ".".join(map(str, sys.version_info[:3]))
    where = Path(array_env.__file__).parent
    out.write(f"array_env {array_env.__version__} (Python {python}) from {where}\n\n")
    out.write(f"{'package':<18} {'version':<12} devices, or how to add it\n")
    missing = False
    for label, module, backend, how in _PACKAGES:
        version = _installed_version(module)
        if version is None:
            missing = True
            out.write(f"{label:<18} {'-':<12} {how or ''}\n")
        else:
            out.write(f"{label:<18} {version:<12} {_devices(backend) if backend else ''}".rstrip())
            out.write("\n")
    tools = {tool: _installed_version(tool) for tool in _TEST_TOOLS}
    parts = [", ".join(f"{tool} {v}" for tool, v in tools.items() if v is not None)]
    absent = [tool for tool, v in tools.items() if v is None]
    if absent:
        parts.append(f'missing {", ".join(absent)}: pip install "array-env[test]"')
    out.write(f"{'test tools':<18} {'; '.join(filter(None, parts))}\n")
    if missing:
        out.write(
            'From a source checkout: pip install -e ".[EXTRA]". '
            'torch with CUDA: pip install "array-env[torch]".\n'
        )
    out.write("\nconformance backend labels (array-env check --backend NAME):\n")
    for member in Backend:
        reason = member.unavailable_reason
        state = f"unavailable: {reason}" if reason else device_name(member.device)
        out.write(f"  {member.label:<28} {state}\n")
    return 0


def _select_backends(names: list[str] | None) -> list[Backend]:
    if not names:
        return list(Backend)
    known = {b.label: b for b in Backend}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(
            f"array-env check: unknown backend {', '.join(unknown)}; "
            f"expected one of {', '.join(known)}"
        )
    return [b for b in Backend if b.label in names]  # report columns in the enum's order


SUITE_MODULES = ("conformance", "array_env_conformance")
"""The suite's module: the source checkout's folder, or the name the wheel installs it under."""


def suite_module() -> str:
    """The name the conformance suite is importable under here.

    A ``conformance/`` folder beside the imported ``array_env`` (a source checkout) wins over an
    installed ``array_env_conformance``, so a checkout never runs a stale installed suite.

    Raises:
        ImportError: If neither is importable.
    """
    from pathlib import Path

    import array_env

    beside = Path(array_env.__file__).resolve().parent.parent / "conformance" / "framework.py"
    if beside.exists():
        return "conformance"
    if importlib.util.find_spec("array_env_conformance") is not None:
        return "array_env_conformance"
    raise ImportError("neither a source checkout's conformance/ nor array_env_conformance")


def _check(args: argparse.Namespace) -> int:
    try:
        suite = suite_module()
        all_cases = importlib.import_module(f"{suite}.cases").all_cases
        framework = importlib.import_module(f"{suite}.framework")
        load_implementation = importlib.import_module(f"{suite}.implementation").load_implementation
        load_xfails = importlib.import_module(f"{suite}.xfails").load_xfails
    except ImportError as e:
        sys.stderr.write(f"array-env check: the conformance suite is not importable ({e})\n")
        return 2
    backend_device, plan, run = framework.backend_device, framework.plan, framework.run
    if args.thorough:
        strategies = importlib.import_module(f"{suite}.strategies")
        os.environ[strategies.PROFILE_VARIABLE] = "thorough"
    backends = _select_backends(args.backend)
    try:
        impl = load_implementation(args.impl)
    except ImportError as e:
        sys.stderr.write(f"array-env check: cannot import the implementation {args.impl}: {e}\n")
        return 2
    known = {c.wrapper for c in all_cases()}
    unknown = sorted(set(args.wrapper or ()) - known)
    if unknown:
        sys.stderr.write(
            f"array-env check: no conformance cases for {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}\n"
        )
        return 2
    cases = [c for c in all_cases() if not args.wrapper or c.wrapper in args.wrapper]
    checks = plan(cases, backends)
    xfails = load_xfails([b.label for b in backends])
    sys.stderr.write(
        f"conformance: {len(checks)} checks of {impl.name} over {len(backends)} backends\n"
    )
    results = list(_with_progress(run(checks, impl, xfails), len(checks), sys.stderr))
    if args.format == "json":
        json.dump({"results": [r._asdict() for r in results]}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        devices = {b.label: backend_device(b) for b in backends}
        _print_markdown(results, cases, backends, devices, impl.name, args.thorough, sys.stdout)
    else:
        devices = {b.label: backend_device(b) for b in backends}
        _print_report(results, cases, backends, devices, sys.stdout)
    return 1 if any(r.outcome == "failed" for r in results) else 0


def _with_progress(results: Iterable[Result], total: int, err: TextIO) -> Iterable[Result]:
    """Pass results through, writing one progress line per wrapper and backend to ``err``."""
    counts: Counter[str] = Counter()
    group: tuple[str, str, str] | None = None
    done = 0

    def flush() -> None:
        if group is not None:
            summary = ", ".join(f"{counts[o]} {o}" for o in _OUTCOMES if counts[o])
            err.write(f"[{done:>5}/{total}] {' '.join(group)}: {summary}\n")
            err.flush()

    for result in results:
        key = (result.wrapper, result.kind, result.backend)
        if key != group:
            flush()
            group, counts = key, Counter()
        counts[result.outcome] += 1
        done += 1
        yield result
    flush()


def _cell(counts: Counter[str], failed_mark: str) -> str:
    total = counts["passed"] + counts["failed"] + counts["xfailed"]
    if total == 0:
        return "skip" if counts["skipped"] else "·"
    cell = f"{counts['passed'] + counts['xfailed']}/{total}"
    return f"{cell} {failed_mark}" if counts["failed"] else cell


def _print_report(
    results: list[Result],
    cases: list[WrapperCase],
    backends: list[Backend],
    devices: dict[str, str],
    out: TextIO,
) -> None:
    mark = "✗" if _can_encode(out, "✗·") else "x"
    cells: dict[tuple[str, str], Counter[str]] = {}
    for r in results:
        cells.setdefault((f"{r.wrapper} {r.kind}", r.backend), Counter())[r.outcome] += 1
    rows = list(dict.fromkeys(case.name for case in cases))
    columns = [b.label for b in backends]
    table = [
        [row] + [_cell(cells.get((row, col), Counter()), mark) for col in columns] for row in rows
    ]
    header = ["wrapper", *columns]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out.write(line(header) + "\n")
    out.write(line(["", *(devices[c] for c in columns)]) + "\n")
    for values in table:
        out.write(line(values if mark != "x" else [v.replace("·", "-") for v in values]) + "\n")
    out.write(f"\ncells: passed (xfailed included) / run; {mark} = has failures; skip = all "
              "skipped\n")  # fmt: skip
    _print_reasons(results, out)
    totals: Counter[str] = Counter(r.outcome for r in results)
    out.write("conformance: " + ", ".join(f"{totals[o]} {o}" for o in _OUTCOMES) + "\n")


def _print_reasons(results: list[Result], out: TextIO) -> None:
    skipped = Counter(r.message for r in results if r.outcome == "skipped")
    for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
        out.write(f"  {count:>4} skipped: {reason}\n")
    failures: dict[str, list[Result]] = {}
    for r in results:
        if r.outcome == "failed":
            failures.setdefault(_one_line(r.message), []).append(r)
    ordered = sorted(failures.items(), key=lambda item: -len(item[1]))
    for message, group in ordered[:_MAX_LISTED_FAILURES]:
        first = group[0]
        example = f"{first.wrapper} {first.kind} {first.backend} {first.property}"
        more = f" (and {len(group) - 1} more)" if len(group) > 1 else ""
        out.write(f"  FAILED {example}{more}: {message}\n")
    if len(ordered) > _MAX_LISTED_FAILURES:
        out.write(f"  ... and {len(ordered) - _MAX_LISTED_FAILURES} more kinds of failure "
                  "(--format json lists every result)\n")  # fmt: skip


def _one_line(message: str, limit: int = 240) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _can_encode(out: Any, text: str) -> bool:
    try:
        text.encode(getattr(out, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _versions() -> str:
    parts: list[str] = []
    for name in ("array_env", "gymnasium", "numpy", "array_api_strict", "torch", "jax"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        parts.append(f"{name} {getattr(module, '__version__', '?')}")
    return ", ".join(parts)


def _print_markdown(
    results: list[Result],
    cases: list[WrapperCase],
    backends: list[Backend],
    devices: dict[str, str],
    impl_name: str,
    thorough: bool,
    out: TextIO,
) -> None:
    """A Markdown page: the matrix, then failures summarised by property id, then skips."""
    import datetime
    import platform

    cells: dict[tuple[str, str], Counter[str]] = {}
    for r in results:
        cells.setdefault((f"{r.wrapper} {r.kind}", r.backend), Counter())[r.outcome] += 1
    rows = list(dict.fromkeys(case.name for case in cases))
    columns = [b.label for b in backends]
    totals: Counter[str] = Counter(r.outcome for r in results)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    gpus = [b.label for b in backends if b.is_gpu and b.unavailable_reason is None]
    out.write(f"# Conformance matrix: `{impl_name}`\n\n")
    out.write(
        f"Generated by `array-env check --impl {impl_name} --format markdown"
        f"{' --thorough' if thorough else ''}` on {today}, {platform.machine()} "
        f"{'with ' + ', '.join(gpus) if gpus else 'without a GPU (GPU columns skip)'}; "
        f"{_versions()}.\n\n"
    )
    out.write("conformance: " + ", ".join(f"{totals[o]} {o}" for o in _OUTCOMES) + "\n\n")
    out.write("A cell is *passed/run* (expected failures count as passed); ✗ marks failures, ")
    out.write("*skip* a column that cannot run here. Property ids are defined in ")
    out.write("the suite's `SPEC.md` (`conformance/SPEC.md` in the repository).\n\n")
    header = ["wrapper", *(f"{c}<br>{devices[c]}" for c in columns)]
    out.write("| " + " | ".join(header) + " |\n")
    out.write("|" + "---|" * len(header) + "\n")
    for row in rows:
        values = [_cell(cells.get((row, col), Counter()), "✗") for col in columns]
        out.write(f"| {row} | " + " | ".join(values) + " |\n")
    failed = [r for r in results if r.outcome == "failed"]
    out.write("\n## Failures by property\n\n")
    if not failed:
        out.write("None.\n")
    else:
        by_id: dict[str, list[Result]] = {}
        for r in failed:
            by_id.setdefault(r.id, []).append(r)
        out.write("| id | failed checks | wrappers | example |\n|---|---|---|---|\n")
        for prop_id in sorted(by_id):
            group = by_id[prop_id]
            names = sorted({f"{r.wrapper} {r.kind}" for r in group})
            first = group[0]
            example = _one_line(
                f"{first.wrapper} {first.kind} {first.backend} {first.property}: {first.message}",
                200,
            )
            example = _escape(example)
            out.write(f"| {prop_id} | {len(group)} | {', '.join(names)} | {example} |\n")
    xfailed = Counter(f"{r.wrapper} {r.kind} {r.property}: {_one_line(r.message, 160)}"
                      for r in results if r.outcome == "xfailed")  # fmt: skip
    if xfailed:
        out.write("\n## Expected failures (conformance/xfails)\n\n")
        for line, count in sorted(xfailed.items()):
            out.write(f"- {_escape(line)} ({count} backends)\n")
    skipped = Counter(r.message for r in results if r.outcome == "skipped")
    if skipped:
        out.write("\n## Skipped\n\n| checks | reason |\n|---|---|\n")
        for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
            out.write(f"| {count} | {_escape(_one_line(reason, 200))} |\n")


def _escape(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")
