"""Microseconds per converted leaf, and whether memory is shared, next to Gymnasium's conversion.

For every ordered pair of backends present here (GPU members only where CUDA exists), one run
times array_env's :class:`~array_env.convert.TreeConverter` (what the conversion wrappers call)
and Gymnasium's ``array_conversion`` on the same array, and on a dict of three arrays. A
``shared`` column says whether the output starts at the input's address. GPU timings end with a
device synchronisation.

Run: ``python benchmarks/conversion.py [--shape 4] [--seconds 0.2]``.
Goal: zero-copy on every pair that can share memory, and no slower than Gymnasium per leaf.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium.wrappers.array_conversion import array_conversion, module_namespace

from array_env.convert import TreeConverter
from array_env.testing import Backend, shares_memory, to_host

BACKENDS = [
    Backend.NUMPY,
    Backend.TORCH,
    Backend.JAX,
    Backend.ARRAY_API_STRICT,
    Backend.TORCH_CUDA,
    Backend.JAX_CUDA,
    Backend.CUPY,
]


def _seconds_per_call(call: Callable[[], Any], sync: Callable[[], None], seconds: float) -> float:
    """Best of five windows: the machine is shared, the fastest window is the signal."""
    call()
    sync()
    number = 1
    while True:  # calls per window, so that one window lasts about seconds / 5
        start = time.perf_counter()
        for _ in range(number):
            call()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 25:
            break
        number *= 4
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number * 5):
            call()
        sync()
        best = min(best, (time.perf_counter() - start) / (number * 5))
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


def _measure(
    convert: Callable[[Any], Any], tree: Any, leaf: Any, sync: Callable[[], None], seconds: float
) -> tuple[str, str]:
    """Return (microseconds per leaf for a bare array and per leaf in a dict of three, shared)."""
    try:
        out = convert(leaf)
        np.testing.assert_array_equal(to_host(out), to_host(leaf))
        shared = "yes" if shares_memory(out, leaf) else "no"
        per_leaf = _seconds_per_call(lambda: convert(leaf), sync, seconds) * 1e6
        per_dict_leaf = _seconds_per_call(lambda: convert(tree), sync, seconds) * 1e6 / 3
    except Exception as e:  # a pair Gymnasium cannot convert is a result, not a crash
        return f"fails ({type(e).__name__})", "-"
    return f"{per_leaf:.2f} / {per_dict_leaf:.2f}", shared


def main() -> None:
    parser = argparse.ArgumentParser(description="Conversion cost per leaf, next to Gymnasium.")
    parser.add_argument("--shape", type=int, nargs="+", default=[4], help="array shape")
    parser.add_argument("--seconds", type=float, default=0.2, help="time per measurement")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # torch warns on every non-writable NumPy view it sees
    present = [b for b in BACKENDS if b.unavailable_reason is None]
    shape = tuple(int(n) for n in args.shape)
    host = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    print(f"float32 array of shape {shape}; cells: µs per leaf, bare / in a dict of 3")
    print()
    print("| source -> target | array_env | shared | Gymnasium | shared | Gymnasium / array_env |")
    print("|---|---|---|---|---|---|")
    for source in present:
        leaf = source.asarray(host, "float32")
        tree = {"a": leaf, "b": source.asarray(host, "float32"), "c": source.asarray(host)}
        for target in present:
            if target is source:
                continue
            sync = _sync(target if target.is_gpu else source)
            ours, ours_shared = _measure(
                TreeConverter(target.xp, target.device), tree, leaf, sync, args.seconds
            )
            theirs, theirs_shared = _measure(
                _gymnasium_converter(target), tree, leaf, sync, args.seconds
            )
            ratio = _ratio(ours, theirs)
            print(
                f"| {source.label} -> {target.label} | {ours} | {ours_shared} | {theirs} "
                f"| {theirs_shared} | {ratio} |"
            )


def _ratio(ours: str, theirs: str) -> str:
    if ours.startswith("fails") or theirs.startswith("fails"):
        return "-"
    (o_leaf, o_dict), (t_leaf, t_dict) = (
        (float(v) for v in cell.split(" / ")) for cell in (ours, theirs)
    )
    return f"{t_leaf / o_leaf:.1f}x / {t_dict / o_dict:.1f}x"


if __name__ == "__main__":
    main()
