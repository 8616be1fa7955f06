"""Per-step cost of array_env's wrapper stacks side by side with Gymnasium's, in one run.

CPU rows (NumPy, measured alternately so that the shared machine's noise hits both alike):

* single: ``RecordEpisodeStatistics(NormalizeReward(NormalizeObservation(ClipAction(
  Pendulum-v1))))``, and each wrapper alone over the bare env;
* vector: ``RecordEpisodeStatistics(NormalizeReward(NormalizeObservation(CartPole x256)))`` on
  Gymnasium's native NumPy ``CartPoleVectorEnv``, and each wrapper alone.

The wrapper's own cost is the stack's time minus the bare env's. Goal: array_env's stacks at
most 0.8x Gymnasium's time per step.

GPU rows (only where torch sees CUDA): the vector stack over array_env's native torch
``CartPoleVectorEnv`` at 65536 envs in env-steps per second, and ``NormalizeObservation``
throughput in elements per second on a large float32 batch (goal: 5e10 on one H100). Both run
under ``torch.cuda.set_sync_debug_mode("error")``, so a host synchronisation inside a step
fails the run; timings end with one explicit synchronisation.

With ``--torch-device cpu`` the same rows run on PyTorch's CPU backend as a dry run, with one
torch thread (``torch.set_num_threads(1)``): torch's OpenMP pool busy-waits, and on a machine
whose cores are shared its timings with more threads measure the contention, not the wrapper.

Run: ``python benchmarks/wrappers.py [--seconds 1.0] [--gpu-envs 65536]``.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv as GymCartPoleVector
from gymnasium.wrappers import vector as gym_vector

import array_env.vector as ours_vector
import array_env.wrappers as ours

Factory = Callable[[Any], Any]

SINGLE: dict[str, tuple[Factory, Factory]] = {
    "stack": (
        lambda e: ours.RecordEpisodeStatistics(
            ours.NormalizeReward(ours.NormalizeObservation(ours.ClipAction(e)))
        ),
        lambda e: gym.wrappers.RecordEpisodeStatistics(
            gym.wrappers.NormalizeReward(
                gym.wrappers.NormalizeObservation(gym.wrappers.ClipAction(e))
            )
        ),
    ),
    "ClipAction": (ours.ClipAction, gym.wrappers.ClipAction),
    "NormalizeObservation": (ours.NormalizeObservation, gym.wrappers.NormalizeObservation),
    "NormalizeReward": (ours.NormalizeReward, gym.wrappers.NormalizeReward),
    "RecordEpisodeStatistics": (ours.RecordEpisodeStatistics, gym.wrappers.RecordEpisodeStatistics),
    "FrameStackObservation(4)": (
        lambda e: ours.FrameStackObservation(e, 4),
        lambda e: gym.wrappers.FrameStackObservation(e, 4),
    ),
}

VECTOR: dict[str, tuple[Factory, Factory]] = {
    "stack": (
        lambda e: ours_vector.RecordEpisodeStatistics(
            ours_vector.NormalizeReward(ours_vector.NormalizeObservation(e))
        ),
        lambda e: gym_vector.RecordEpisodeStatistics(
            gym_vector.NormalizeReward(gym_vector.NormalizeObservation(e))
        ),
    ),
    "NormalizeObservation": (ours_vector.NormalizeObservation, gym_vector.NormalizeObservation),
    "NormalizeReward": (ours_vector.NormalizeReward, gym_vector.NormalizeReward),
    "RecordEpisodeStatistics": (
        ours_vector.RecordEpisodeStatistics,
        gym_vector.RecordEpisodeStatistics,
    ),
}


def _stepper(env: Any, actions: list[Any]) -> Callable[[int], None]:
    """A function running ``n`` steps of ``env`` with a fixed cycle of actions.

    A single env is reset when its episode ends (a vector env resets itself).
    """
    env.reset(seed=0)
    cycle = len(actions)
    single = not hasattr(env, "num_envs")

    def run(n: int) -> None:
        step, reset = env.step, env.reset
        for i in range(n):
            _, _, terminated, truncated, _ = step(actions[i % cycle])
            if single and (terminated or truncated):
                reset()

    return run


def _alternate(ours_run: Callable[[int], None], theirs_run: Callable[[int], None],
               seconds: float, batch: int) -> tuple[float, float]:  # fmt: skip
    """Best per-step seconds of each, measured in alternating rounds."""
    ours_run(batch)
    theirs_run(batch)
    best = [float("inf"), float("inf")]
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for k, run in enumerate((ours_run, theirs_run)):
            start = time.perf_counter()
            run(batch)
            best[k] = min(best[k], (time.perf_counter() - start) / batch)
    return best[0], best[1]


def _cpu_tables(seconds: float) -> None:
    rng = np.random.default_rng(0)
    pendulum_actions = [rng.uniform(-3, 3, (1,)).astype(np.float32) for _ in range(64)]
    vector_actions = [rng.integers(0, 2, 256) for _ in range(64)]
    bare_single = _alternate(
        _stepper(gym.make("Pendulum-v1"), pendulum_actions),
        _stepper(gym.make("Pendulum-v1"), pendulum_actions),
        seconds, 400,
    )  # fmt: skip
    bare_vector = _alternate(
        _stepper(GymCartPoleVector(256), vector_actions),
        _stepper(GymCartPoleVector(256), vector_actions),
        seconds, 100,
    )  # fmt: skip
    for title, table, make, actions, bare, batch in (
        ("single: Pendulum-v1", SINGLE, lambda: gym.make("Pendulum-v1"), pendulum_actions,
         bare_single, 400),
        ("vector: CartPole x256 (Gymnasium's NumPy CartPoleVectorEnv)", VECTOR,
         lambda: GymCartPoleVector(256), vector_actions, bare_vector, 100),
    ):  # fmt: skip
        env_us = min(bare) * 1e6
        print(f"\n### {title}  (bare env {env_us:.1f} us/step)\n")
        print("| wrappers | array_env us/step | Gymnasium us/step | ratio | wrapper-only ratio |")
        print("|---|---:|---:|---:|---:|")
        for name, (ours_factory, theirs_factory) in table.items():
            o, t = _alternate(
                _stepper(ours_factory(make()), actions),
                _stepper(theirs_factory(make()), actions),
                seconds, batch,
            )  # fmt: skip
            o_us, t_us = o * 1e6, t * 1e6
            own = (o_us - env_us) / max(t_us - env_us, 1e-9)
            print(f"| {name} | {o_us:.1f} | {t_us:.1f} | {o_us / t_us:.2f} | {own:.2f} |")


class _ConstantBatch(gym.vector.VectorEnv[Any, Any, Any]):
    """A vector env whose every step returns the same device batch (to time a wrapper alone)."""

    def __init__(self, batch: Any, rewards: Any, flags: Any) -> None:
        self.num_envs = int(batch.shape[0])
        self.single_observation_space = gym.spaces.Box(-np.inf, np.inf, tuple(batch.shape[1:]))
        self.observation_space = gym.vector.utils.batch_space(
            self.single_observation_space, self.num_envs
        )
        self.single_action_space = gym.spaces.Discrete(2)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
        self._out: tuple[Any, ...] = (batch, rewards, flags, flags, {})

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        return self._out[0], {}

    def step(self, actions: Any) -> Any:
        return self._out


def _gpu_tables(seconds: float, num_envs: int, device: str, sizes: list[tuple[int, int]]) -> None:
    import torch

    import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  # registers the native envs

    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        print("\nGPU rows skipped: torch sees no CUDA device.")
        return
    name = torch.cuda.get_device_name(0) if cuda else "torch on the CPU (dry run, no sync guard)"
    if not cuda:
        # torch's OpenMP workers busy-wait: on a machine whose cores are all busy, two threads
        # made a (1024, 64) normalisation 60x slower (32 ms against 0.56 ms with one thread)
        torch.set_num_threads(1)
        name += ", torch.set_num_threads(1)"
    print(f"\n### {name}\n")
    print("| measurement | value |")
    print("|---|---:|")

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    def guard(mode: int | str) -> None:
        if cuda:
            torch.cuda.set_sync_debug_mode(mode)

    def timed(step: Callable[[], Any], units: float) -> float:
        for _ in range(5):
            step()
        sync()
        best = 0.0
        for _ in range(5):
            n, start = 0, time.perf_counter()
            guard("error")
            try:
                while time.perf_counter() - start < seconds / 5:
                    for _ in range(10):
                        step()
                    n += 10
            finally:
                guard(0)
            sync()
            best = max(best, n * units / (time.perf_counter() - start))
        return best

    wrappings: tuple[tuple[str, Factory], ...] = (
        ("bare native torch CartPole", lambda e: e),
        ("RecordEpisodeStatistics(NormalizeReward(NormalizeObservation(...)))",
         VECTOR["stack"][0]),
    )  # fmt: skip
    for label, wrap in wrappings:
        envs = wrap(
            gym.make_vec("array_env/CartPole-v1", num_envs, vectorization_mode="vector_entry_point",
                         xp="torch", device=device)
        )  # fmt: skip
        envs.reset(seed=0)
        actions = torch.randint(0, 2, (num_envs,), device=device)
        rate = timed(functools.partial(envs.step, actions), num_envs)
        print(f"| {label}, {num_envs} envs | {rate:.3g} env-steps/s |")

    for rows, cols in sizes:
        batch = torch.randn(rows, cols, device=device)
        flags = torch.zeros(rows, dtype=torch.bool, device=device)
        rewards = torch.zeros(rows, device=device)
        wrapper = ours_vector.NormalizeObservation(_ConstantBatch(batch, rewards, flags))
        wrapper.reset()
        rate = timed(functools.partial(wrapper.step, None), rows * cols)
        print(f"| NormalizeObservation on float32 ({rows}, {cols}) | {rate:.3g} elements/s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per row")
    parser.add_argument("--gpu-envs", type=int, default=65536, help="envs in the GPU rows")
    parser.add_argument("--no-cpu", action="store_true", help="only the GPU rows")
    parser.add_argument(
        "--torch-device", default="cuda", help="device of the GPU rows ('cpu' for a dry run)"
    )
    args = parser.parse_args()
    if not args.no_cpu:
        _cpu_tables(args.seconds)
    from array_env import backend_available

    if backend_available("torch"):
        dry = args.torch_device == "cpu"
        sizes = [(1024, 64)] if dry else [(65536, 1024), (1 << 20, 256)]
        _gpu_tables(args.seconds, args.gpu_envs, args.torch_device, sizes)


if __name__ == "__main__":
    main()
