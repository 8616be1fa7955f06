"""Env-steps per second of the vector CartPole, side by side with Gymnasium's, in one run.

Rows: Gymnasium's native ``CartPoleVectorEnv`` (NumPy), array_env's ``CartPoleVectorEnv`` on
NumPy, and on torch/jax on every device present (GPU rows only where CUDA exists). Each xp row
is measured in the default ``next-step`` autoreset mode and in ``disabled`` mode, which draws no
host randomness per step, so the difference is the cost of the per-step reset draw. GPU timings
end with a device synchronisation.

Run: ``python benchmarks/envs.py [--num-envs 1 256 4096 65536] [--seconds 1.0]``.
Targets: NumPy at 4096 envs at least as fast as Gymnasium; torch eager on one H100 at 65536 envs
at least 1e8 env-steps/s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv as GymCartPoleVector

from array_env import backend_available, resolve_namespace
from array_env._namespace import available_devices, device_name
from array_env.envs import CartPoleVectorEnv
from array_env.testing import to_host


def _rate(
    step: Callable[[], Any], sync: Callable[[], None], num_envs: int, seconds: float
) -> float:
    """Best of five windows of ``seconds / 5``: the machine is shared, the best is the signal."""
    for _ in range(3):
        step()
    sync()
    best = 0.0
    for _ in range(5):
        steps, start = 0, time.perf_counter()
        while True:
            for _ in range(5):
                step()
            steps += 5
            sync()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 5:
                break
        best = max(best, steps * num_envs / elapsed)
    return best


def _gymnasium(num_envs: int, seconds: float) -> float:
    env = GymCartPoleVector(num_envs)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 2, size=num_envs)
    return _rate(lambda: env.step(actions), lambda: None, num_envs, seconds)


def _ours(name: str, device: Any, mode: str, num_envs: int, seconds: float) -> float:
    env = CartPoleVectorEnv(num_envs, xp=name, device=device, autoreset_mode=mode)
    env.reset(seed=0)
    host = np.random.default_rng(0).integers(0, 2, size=num_envs)
    actions = env.model.upload(host.astype(np.int64 if name != "jax" else np.int32))
    last: list[Any] = []

    def step() -> None:
        last[:] = [env.step(actions)[0]]

    def sync() -> None:
        if last:
            to_host(last[0][:1, ...])

    return _rate(step, sync, num_envs, seconds)


def _measure_ours(name: str, device: Any, mode: str, seconds: float) -> Callable[[int], float]:
    return lambda num_envs: _ours(name, device, mode, num_envs, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 256, 4096, 65536])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--backends", nargs="+", default=["numpy", "torch", "jax"])
    args = parser.parse_args()

    rows: list[tuple[str, Callable[[int], float]]] = [
        ("gymnasium CartPoleVectorEnv (numpy)", lambda n: _gymnasium(n, args.seconds))
    ]
    for name in args.backends:
        if not backend_available(name):
            continue
        for device in available_devices(resolve_namespace(name)):
            for mode in ("NextStep", "Disabled"):
                label = f"array_env {name}:{device_name(device)} {mode}"
                rows.append((label, _measure_ours(name, device, mode, args.seconds)))

    header = f"{'env-steps/s':<48}" + "".join(f"{n:>14}" for n in args.num_envs)
    print(header)
    print("-" * len(header))
    baseline: dict[int, float] = {}
    for label, measure in rows:
        cells = []
        for n in args.num_envs:
            rate = measure(n)
            baseline.setdefault(n, rate)
            cells.append(f"{rate:>9.3g} x{rate / baseline[n]:<4.2f}")
        print(f"{label:<48}" + "".join(f"{c:>14}" for c in cells), flush=True)
    print("\nx: ratio to Gymnasium's CartPoleVectorEnv at the same num_envs, in this run.")


if __name__ == "__main__":
    main()
