"""Microseconds per converted leaf, and whether memory is shared, next to Gymnasium's conversion.

For every ordered pair of backends present here (GPU members only where CUDA exists), one run
times array_env's :class:`~array_env.convert.TreeConverter` (what the conversion wrappers call)
and Gymnasium's ``array_conversion`` on the same array, and on a dict of three arrays. A
``shared`` column says whether the output starts at the input's address. GPU timings end with a
device synchronisation.

Run: ``python -m benchmarks.conversion [--shape 4] [--seconds 0.2]``.
Goal: zero-copy on every pair that can share memory, and no slower than Gymnasium per leaf.
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium.wrappers.array_conversion import array_conversion, module_namespace

from array_env.convert import TreeConverter
from array_env.testing import Backend, shares_memory, to_host
from benchmarks._record import Measurement, Progress, markdown_table

BACKENDS = [
    Backend.NUMPY,
    Backend.TORCH,
    Backend.JAX,
    Backend.ARRAY_API_STRICT,
    Backend.TORCH_CUDA,
    Backend.JAX_CUDA,
    Backend.CUPY,
]


def _seconds_per_call(
    calls: list[Callable[[], Any]], sync: Callable[[], None], seconds: float
) -> list[float]:
    """Time each call in alternating windows; keep each one's fastest window.

    The machine is shared: alternating puts both sides under the same load, and the fastest
    window is the signal.
    """
    number = 1
    while True:  # calls per window, so that one window of the first call lasts seconds / 20
        start = time.perf_counter()
        for _ in range(number):
            calls[0]()
        sync()
        if time.perf_counter() - start >= seconds / 20:
            break
        number *= 4
    best = [float("inf")] * len(calls)
    for _ in range(7):
        for index, call in enumerate(calls):
            start = time.perf_counter()
            for _ in range(number):
                call()
            sync()
            best[index] = min(best[index], (time.perf_counter() - start) / number)
    return best


def _sync(backend: Backend) -> Callable[[], None]:
    if backend is Backend.TORCH_CUDA:
        import torch

        return torch.cuda.synchronize
    if backend is Backend.CUPY:
        import cupy

        return cupy.cuda.Device().synchronize  # type: ignore[no-any-return]
    return lambda: None


def _gymnasium_converter(target: Backend) -> Callable[[Any], Any]:
    module: Any = target.xp  # Gymnasium types it as a module; a namespace is one at runtime
    xp = module_namespace(module)
    device = target.device if target.is_gpu else None
    return lambda tree: array_conversion(tree, xp=xp, device=device)


def _shared(convert: Callable[[Any], Any], leaf: Any) -> str:
    """Check the values; return whether the output shares the input's memory (or why it fails)."""
    try:
        out = convert(leaf)
    except Exception as e:  # a pair Gymnasium cannot convert is a result, not a crash
        return f"fails ({type(e).__name__})"
    np.testing.assert_array_equal(to_host(out), to_host(leaf))
    return "yes" if shares_memory(out, leaf) else "no"


def collect(
    shape: tuple[int, ...] = (4,), seconds: float = 0.2, progress: Progress | None = None
) -> list[Measurement]:
    """Microseconds per leaf for every ordered pair of backends present here."""
    warnings.simplefilter("ignore")  # torch warns on every non-writable NumPy view it sees
    present = [b for b in BACKENDS if b.unavailable_reason is None]
    host = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    out: list[Measurement] = []
    for source in present:
        leaf = source.asarray(host, "float32")
        tree = {"a": leaf, "b": source.asarray(host, "float32"), "c": source.asarray(host)}
        for target in present:
            if target is not source:
                out += _pair(source, target, leaf, tree, seconds)
                if progress is not None:
                    progress.advance(f"conversion {source.label} -> {target.label}")
    return out


def pairs() -> int:
    """How many ordered pairs :func:`collect` measures here."""
    present = sum(b.unavailable_reason is None for b in BACKENDS)
    return present * (present - 1)


def _pair(
    source: Backend, target: Backend, leaf: Any, tree: Any, seconds: float
) -> list[Measurement]:
    """A bare leaf and a dict of three, array_env and Gymnasium in alternating windows."""
    ours = TreeConverter(target.xp, target.device if target.is_gpu else None)  # as Gymnasium
    theirs = _gymnasium_converter(target)
    shared = [_shared(ours, leaf), _shared(theirs, leaf)]
    converters: list[Callable[[Any], Any]] = [ours]
    if not shared[1].startswith("fails"):
        converters.append(theirs)
    calls: list[Callable[[], Any]] = [
        functools.partial(convert, x) for x in (leaf, tree) for convert in converters
    ]
    sync = _sync(target if target.is_gpu else source)
    micros = [t * 1e6 for t in _seconds_per_call(calls, sync, seconds)]
    per_leaf, per_dict_leaf = micros[: len(converters)], [m / 3 for m in micros[len(converters) :]]
    note = f"shared: array_env {shared[0]}, Gymnasium {shared[1]}"
    return [
        Measurement(
            suite="conversion",
            name=f"{source.label} -> {target.label}",
            kind=kind,
            backend=source.label,
            unit="us/leaf",
            ours=times[0],
            gymnasium=times[1] if len(times) > 1 else None,
            note=note,
        )
        for kind, times in (("bare leaf", per_leaf), ("dict of 3", per_dict_leaf))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Conversion cost per leaf, next to Gymnasium.")
    parser.add_argument("--shape", type=int, nargs="+", default=[4], help="array shape")
    parser.add_argument("--seconds", type=float, default=0.2, help="time per measurement")
    args = parser.parse_args()
    shape = tuple(int(n) for n in args.shape)
    print(f"float32 array of shape {shape}; µs per leaf")
    print()
    print(markdown_table(collect(shape, args.seconds, Progress(pairs()))))


if __name__ == "__main__":
    main()
