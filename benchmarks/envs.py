"""Env-steps per second of the vector CartPole, side by side with Gymnasium's, in one run.

Rows: Gymnasium's native ``CartPoleVectorEnv`` (NumPy), array_env's ``CartPoleVectorEnv`` on
NumPy, and on torch/jax on every device present (GPU rows only where CUDA exists). Each xp row
is measured in the default ``next-step`` autoreset mode and in ``disabled`` mode, which draws no
host randomness per step, so the difference is the cost of the per-step reset draw. GPU timings
end with a device synchronisation. CPU torch runs on one thread (``OMP_NUM_THREADS=1`` and
``torch.set_num_threads(1)``): its OpenMP pool busy-waits, which on a small shared machine slowed
CPU rows by up to 60x; the setting is printed with the table.

Run: ``python -m benchmarks.envs [--num-envs 1 256 4096 65536] [--seconds 2.0]``.
Targets: NumPy at 4096 envs at least as fast as Gymnasium; torch eager on one H100 at 65536 envs
at least 1e8 env-steps/s.
"""

from __future__ import annotations

import os

# Before torch (or anything using OpenMP) is imported: see the module docstring.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv as GymCartPoleVector

from array_env import backend_available, resolve_namespace
from array_env._namespace import available_devices, device_name
from array_env.envs import CartPoleVectorEnv
from array_env.testing import to_host
from benchmarks._record import Measurement, Progress, markdown_table

Stepper = tuple[Callable[[], Any], Callable[[], None]]
"""A function that takes one vector step, and one that waits for the device to finish."""


def _window(stepper: Stepper, num_envs: int, seconds: float) -> float:
    step, sync = stepper
    steps, start = 0, time.perf_counter()
    while True:
        for _ in range(5):
            step()
        steps += 5
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps * num_envs / elapsed


def _gymnasium(num_envs: int) -> Stepper:
    env = GymCartPoleVector(num_envs)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 2, size=num_envs)
    return (lambda: env.step(actions)), (lambda: None)


def _ours(name: str, device: Any, mode: str, num_envs: int) -> Stepper:
    env = CartPoleVectorEnv(num_envs, xp=name, device=device, autoreset_mode=mode)
    env.reset(seed=0)
    host = np.random.default_rng(0).integers(0, 2, size=num_envs)
    actions = env.model.upload(host.astype(np.int32 if name == "jax" else np.int64))
    last: list[Any] = []

    def step() -> None:
        last[:] = [env.step(actions)[0]]

    def sync() -> None:
        if last:
            to_host(last[0][:1, ...])

    return step, sync


def collect(
    num_envs: list[int],
    seconds: float,
    rounds: int = 5,
    backends: tuple[str, ...] = ("numpy", "torch", "jax"),
    progress: Progress | None = None,
) -> list[Measurement]:
    """Env-steps per second of every row at every ``num_envs``, Gymnasium's beside each."""
    _limit_torch_threads()
    rows: list[tuple[str, str, Callable[[int], Stepper]]] = [
        ("gymnasium CartPoleVectorEnv", "numpy", _gymnasium)
    ]
    for name in backends:
        if not backend_available(name):
            continue
        for device in available_devices(resolve_namespace(name)):
            for mode in ("NextStep", "Disabled"):
                backend = f"{name}:{device_name(device)}"
                rows.append(
                    (f"array_env {mode}", backend, functools.partial(_ours, name, device, mode))
                )

    # Rows are measured round-robin in short windows and each keeps its best window: on a
    # shared machine the ratios are then taken under the same load.
    rates: dict[tuple[str, str, int], float] = {}
    for n in num_envs:
        steppers = [(label, backend, make(n)) for label, backend, make in rows]
        for _, _, (step, sync) in steppers:  # warm-up: allocation and compilation
            for _ in range(3):
                step()
            sync()
        for _ in range(rounds):
            for label, backend, stepper in steppers:
                rate = _window(stepper, n, seconds / rounds)
                key = (label, backend, n)
                rates[key] = max(rates.get(key, 0.0), rate)
        if progress is not None:
            progress.advance(f"envs {n} sub-envs")
    gymnasium = rows[0][:2]
    return [
        Measurement(
            suite="envs",
            name=label,
            kind=f"{n} envs",
            backend=backend,
            unit="env-steps/s",
            ours=rates[label, backend, n],
            gymnasium=rates[(*gymnasium, n)],
        )
        for n in num_envs
        for label, backend, _ in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 256, 4096, 65536])
    parser.add_argument("--seconds", type=float, default=2.0, help="per row and num_envs")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backends", nargs="+", default=["numpy", "torch", "jax"])
    args = parser.parse_args()
    rows = collect(
        args.num_envs, args.seconds, args.rounds, tuple(args.backends), Progress(len(args.num_envs))
    )
    print(markdown_table(rows))
    threads = _limit_torch_threads()
    print(f"(OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, torch CPU threads: {threads})")


def _limit_torch_threads() -> int | None:
    """One torch CPU thread, so that its idle pool does not spin on a shared machine."""
    if not backend_available("torch"):
        return None
    import torch

    torch.set_num_threads(1)
    return torch.get_num_threads()


if __name__ == "__main__":
    main()
