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

Run: ``python -m benchmarks.wrappers [--seconds 1.0] [--only NAME ...] [--gpu-envs 65536]``,
or every suite with ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium.wrappers import vector as gym_vector

import array_env.vector as ours_vector
import array_env.wrappers as ours
from array_env import backend_available, resolve_namespace
from array_env._ops.resize import resize_images, resize_plan
from benchmarks._bases import BatchEnv, DictEnv, FrameEnv, native_cartpole
from benchmarks._record import Measurement, Progress, alternate_best, markdown_table

Factory = Callable[[Any], Any]


class Row(NamedTuple):
    """One wrapper (or stack) to time: how array_env and Gymnasium build it over a base env."""

    name: str
    base: str
    """A key of :data:`SINGLE_BASES` or :data:`VECTOR_BASES`."""
    ours: Factory
    theirs: Factory | None
    """Gymnasium's equivalent, or ``None`` where Gymnasium has none (array_env's row alone)."""
    throughput: bool = False
    """Also note the bare env's throughput kept by each side (bare time / wrapped time)."""


def _ours(name: str, *args: Any, **kwargs: Any) -> Factory:
    return lambda env: getattr(ours, name)(env, *args, **kwargs)


def _ours_vector(name: str, *args: Any, **kwargs: Any) -> Factory:
    return lambda env: getattr(ours_vector, name)(env, *args, **kwargs)


def _gym(name: str, *args: Any, **kwargs: Any) -> Factory:
    return lambda env: getattr(gym.wrappers, name)(env, *args, **kwargs)


def _gym_vector(name: str, *args: Any, **kwargs: Any) -> Factory:
    return lambda env: getattr(gym_vector, name)(env, *args, **kwargs)


def _same(name: str, base: str, *args: Any, **kwargs: Any) -> Row:
    """A single-env row whose two sides take the same arguments."""
    return Row(name, base, _ours(name, *args, **kwargs), _gym(name, *args, **kwargs))


def _same_vector(name: str, base: str, *args: Any, **kwargs: Any) -> Row:
    """A vector row with the same arguments on both sides (ours alone where Gymnasium lacks it)."""
    theirs = _gym_vector(name, *args, **kwargs) if hasattr(gym_vector, name) else None
    return Row(name, base, _ours_vector(name, *args, **kwargs), theirs)


def _ours_stack(env: Any) -> Any:
    return ours.RecordEpisodeStatistics(
        ours.NormalizeReward(ours.NormalizeObservation(ours.ClipAction(env)))
    )


def _gym_stack(env: Any) -> Any:
    return gym.wrappers.RecordEpisodeStatistics(
        gym.wrappers.NormalizeReward(
            gym.wrappers.NormalizeObservation(gym.wrappers.ClipAction(env))
        )
    )


def ours_vector_stack(envs: Any) -> Any:
    return ours_vector.RecordEpisodeStatistics(
        ours_vector.NormalizeReward(ours_vector.NormalizeObservation(envs))
    )


def gym_vector_stack(envs: Any) -> Any:
    return gym_vector.RecordEpisodeStatistics(
        gym_vector.NormalizeReward(gym_vector.NormalizeObservation(envs))
    )


def _double(x: Any) -> Any:
    return x * 2


def _ours_transform_observation(env: Any) -> Any:
    return ours.TransformObservation(env, _double, env.observation_space)


def _gym_transform_observation(env: Any) -> Any:
    return gym.wrappers.TransformObservation(env, _double, env.observation_space)


def _ours_transform_action(env: Any) -> Any:
    return ours.TransformAction(env, _double, env.action_space)


def _gym_transform_action(env: Any) -> Any:
    return gym.wrappers.TransformAction(env, _double, env.action_space)


SINGLE: list[Row] = [
    Row("stack", "pendulum", _ours_stack, _gym_stack),
    _same("ClipAction", "pendulum"),
    _same("NormalizeObservation", "pendulum"),
    _same("NormalizeReward", "pendulum"),
    _same("RecordEpisodeStatistics", "pendulum"),
    _same("FrameStackObservation", "pendulum", 4),
    # observation
    Row(
        "TransformObservation", "pendulum", _ours_transform_observation, _gym_transform_observation
    ),
    _same("FilterObservation", "dict", ["position"]),
    _same("FlattenObservation", "dict"),
    _same("ReshapeObservation", "pendulum", (3, 1)),
    _same("RescaleObservation", "pendulum", -1.0, 1.0),
    _same("DtypeObservation", "pendulum", np.float64),
    _same("DiscretizeObservation", "pendulum", 8),
    _same("TimeAwareObservation", "pendulum"),
    _same("DelayObservation", "pendulum", 2),
    _same("GrayscaleObservation", "frames"),
    _same("ResizeObservation", "frames", (84, 84)),
    _same("AddRenderObservation", "frames"),
    _same("ObstructView", "frames", 0.1, 10),
    _same("AddWhiteNoise", "frames", 0.01),
    _same("MaxAndSkipObservation", "frames", 4),
    # action
    Row("TransformAction", "pendulum", _ours_transform_action, _gym_transform_action),
    _same("RescaleAction", "pendulum unit", -1.0, 1.0),
    _same("DiscretizeAction", "pendulum indices", 5),
    _same("StickyAction", "cartpole", 0.25),
    _same("RepeatAction", "cartpole", 2),
    # reward
    _same("TransformReward", "pendulum", _double),
    _same("ClipReward", "pendulum", -1.0, 1.0),
    # lifecycle
    _same("TimeLimit", "pendulum", 100),
    _same("Autoreset", "cartpole"),
    _same("OrderEnforcing", "pendulum"),
    _same("PassiveEnvChecker", "pendulum"),
]
"""Single-env rows; the observation, action, reward and lifecycle families add theirs."""


def _ours_vector_transform_observation(envs: Any) -> Any:
    return ours_vector.TransformObservation(envs, _double)


def _gym_vector_transform_observation(envs: Any) -> Any:
    return gym_vector.TransformObservation(envs, _double)


def _ours_vector_transform_action(envs: Any) -> Any:
    return ours_vector.TransformAction(envs, _double)


def _gym_vector_transform_action(envs: Any) -> Any:
    return gym_vector.TransformAction(envs, _double)


def _ours_vectorize_reward(envs: Any) -> Any:
    return ours_vector.VectorizeTransformReward(
        envs, ours.ClipReward, min_reward=-1.0, max_reward=1.0
    )


def _gym_vectorize_reward(envs: Any) -> Any:
    return gym_vector.VectorizeTransformReward(
        envs, gym.wrappers.ClipReward, min_reward=-1.0, max_reward=1.0
    )


VECTOR: list[Row] = [
    Row("stack", "cartpole", ours_vector_stack, gym_vector_stack),
    _same_vector("NormalizeObservation", "cartpole"),
    _same_vector("NormalizeReward", "cartpole"),
    _same_vector("RecordEpisodeStatistics", "cartpole"),
    _same_vector("FrameStackObservation", "cartpole", 4),
    # observation
    Row(
        "TransformObservation",
        "pendulum",
        _ours_vector_transform_observation,
        _gym_vector_transform_observation,
    ),
    _same_vector("FilterObservation", "dict", ["position"]),
    _same_vector("FlattenObservation", "dict"),
    _same_vector("ReshapeObservation", "pendulum", (3, 1)),
    _same_vector("RescaleObservation", "pendulum", -1.0, 1.0),
    _same_vector("DtypeObservation", "pendulum", np.float64),
    _same_vector("DiscretizeObservation", "pendulum", 8),
    _same_vector("TimeAwareObservation", "cartpole"),
    _same_vector("DelayObservation", "pendulum", 2),
    _same_vector("GrayscaleObservation", "frames"),
    _same_vector("ResizeObservation", "frames", (84, 84)),
    _same_vector("AddRenderObservation", "frames"),
    _same_vector("ObstructView", "frames", 0.1, 10),
    _same_vector("AddWhiteNoise", "frames", 0.01),
    _same_vector("MaxAndSkipObservation", "frames", 4),
    # action
    _same_vector("ClipAction", "pendulum"),
    Row("TransformAction", "pendulum", _ours_vector_transform_action, _gym_vector_transform_action),
    _same_vector("RescaleAction", "pendulum unit", -1.0, 1.0),
    _same_vector("DiscretizeAction", "pendulum indices", 5),
    _same_vector("StickyAction", "cartpole", 0.25),
    _same_vector("RepeatAction", "cartpole", 2),
    # reward
    _same_vector("TransformReward", "pendulum", _double),
    _same_vector("ClipReward", "pendulum", -1.0, 1.0),
    Row("VectorizeTransformReward", "pendulum", _ours_vectorize_reward, _gym_vectorize_reward),
    # lifecycle
    _same_vector("TimeLimit", "cartpole", 100),
    _same_vector("DictInfoToList", "cartpole"),
    # the x4096 goal: the stack keeps at least 0.8 of the bare env's throughput
    Row("stack", "cartpole x4096", ours_vector_stack, gym_vector_stack, throughput=True),
]
"""Vector rows (x256 sub-envs unless the base says otherwise)."""


class Base(NamedTuple):
    """A bare environment to wrap, the actions to cycle through, and steps per timing window."""

    label: str
    make: Callable[[], Any]
    actions: Callable[[np.random.Generator], list[Any]]
    batch: int
    bare: str | None = None
    """Another base whose bare timing stands for this one (its actions do not fit the bare env)."""


def _box_actions(rng: np.random.Generator) -> list[Any]:
    return [rng.uniform(-3, 3, (1,)).astype(np.float32) for _ in range(64)]


def _unit_actions(rng: np.random.Generator) -> list[Any]:
    return [rng.uniform(-1, 1, (1,)).astype(np.float32) for _ in range(64)]


def _index_actions(rng: np.random.Generator) -> list[Any]:
    return [int(a) for a in rng.integers(0, 5, 64)]


def _discrete_actions(rng: np.random.Generator) -> list[Any]:
    return [int(a) for a in rng.integers(0, 2, 64)]


def _batched(
    single: Callable[[np.random.Generator], list[Any]], n: int
) -> Callable[[np.random.Generator], list[Any]]:
    """Actions of a single-env kind for ``n`` sub-envs, stacked."""

    def draw(rng: np.random.Generator) -> list[Any]:
        columns = [single(rng) for _ in range(n)]
        return [np.stack([np.asarray(c[i]) for c in columns]) for i in range(64)]

    return draw


SINGLE_BASES: dict[str, Base] = {
    "pendulum": Base("Pendulum-v1", lambda: gym.make("Pendulum-v1"), _box_actions, 400),
    "pendulum unit": Base("Pendulum-v1", lambda: gym.make("Pendulum-v1"), _unit_actions, 400),
    "pendulum indices": Base(
        "Pendulum-v1", lambda: gym.make("Pendulum-v1"), _index_actions, 400, bare="pendulum"
    ),
    "cartpole": Base("CartPole-v1", lambda: gym.make("CartPole-v1"), _discrete_actions, 400),
    "frames": Base("210x160x3 uint8 frames", FrameEnv, _discrete_actions, 100),
    "dict": Base("Dict of two Boxes", DictEnv, _box_actions, 400),
}
"""Bare single envs by key; each row names its own."""
VECTOR_BASES: dict[str, Base] = {
    "cartpole": Base(
        "CartPole x256 (Gymnasium's NumPy CartPoleVectorEnv)",
        lambda: gym.make_vec("CartPole-v1", 256, vectorization_mode="vector_entry_point"),
        _batched(_discrete_actions, 256),
        100,
    ),
    "pendulum": Base(
        "Pendulum spaces x256",
        lambda: BatchEnv(gym.make("Pendulum-v1"), 256),
        _batched(_box_actions, 256),
        100,
    ),
    "pendulum unit": Base(
        "Pendulum spaces x256",
        lambda: BatchEnv(gym.make("Pendulum-v1"), 256),
        _batched(_unit_actions, 256),
        100,
    ),
    "pendulum indices": Base(
        "Pendulum spaces x256",
        lambda: BatchEnv(gym.make("Pendulum-v1"), 256),
        _batched(_index_actions, 256),
        100,
        bare="pendulum",
    ),
    "frames": Base(
        "frames x32", lambda: BatchEnv(FrameEnv(), 32), _batched(_discrete_actions, 32), 10
    ),
    "dict": Base(
        "Dict of two Boxes x256", lambda: BatchEnv(DictEnv(), 256), _batched(_box_actions, 256), 100
    ),
    "cartpole x4096": Base(
        "CartPole x4096 (array_env's native NumPy CartPoleVectorEnv)",
        lambda: native_cartpole(4096),
        _batched(_discrete_actions, 4096),
        20,
    ),
}
"""Bare vector envs by key."""


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


def cpu_rows(names: list[str] | None = None) -> list[tuple[str, Row]]:
    """Every ``("single" | "vector", row)`` to time, optionally only the named wrappers."""
    rows = [("single", row) for row in SINGLE] + [("vector", row) for row in VECTOR]
    return [(kind, row) for kind, row in rows if names is None or row.name in names]


def collect_cpu(
    seconds: float, progress: Progress | None = None, names: list[str] | None = None
) -> list[Measurement]:
    """Time every CPU row against its bare env and Gymnasium's wrapper, all in one run."""
    rng = np.random.default_rng(0)
    rows = cpu_rows(names)
    bare: dict[tuple[str, str], float] = {}
    out: list[Measurement] = []
    for kind, row in rows:
        bases = SINGLE_BASES if kind == "single" else VECTOR_BASES
        base = bases[row.base]
        actions = base.actions(rng)
        if (kind, row.base) not in bare:
            plain = bases[base.bare or row.base]
            plain_actions = plain.actions(rng)
            bare[kind, row.base] = min(
                alternate_best(
                    [_stepper(plain.make(), plain_actions) for _ in range(2)], seconds, plain.batch
                )
            )
        runs = [_stepper(row.ours(base.make()), actions)]
        if row.theirs is not None:
            runs.append(_stepper(row.theirs(base.make()), actions))
        times = [t * 1e6 for t in alternate_best(runs, seconds, base.batch)]
        note = "" if row.theirs is not None else "Gymnasium has none"
        if row.throughput:
            kept = [f"{bare[kind, row.base] * 1e6 / t:.2f}" for t in times]
            note = f"bare env throughput kept: array_env {kept[0]}" + (
                f", Gymnasium {kept[1]}" if len(kept) > 1 else ""
            )
        out.append(
            Measurement(
                suite="wrappers",
                name=row.name,
                kind=f"{kind} {base.label}",
                backend="numpy",
                unit="us/step",
                ours=times[0],
                gymnasium=times[1] if len(times) > 1 else None,
                base=bare[kind, row.base] * 1e6,
                note=note,
            )
        )
        if progress is not None:
            progress.advance(f"wrappers {kind} {row.name}")
    return out


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


def collect_device(
    seconds: float, num_envs: int, device: str, sizes: list[tuple[int, int]]
) -> list[Measurement]:
    """Throughput of the native torch CartPole stack and of NormalizeObservation on ``device``.

    On CUDA every timed step runs under ``torch.cuda.set_sync_debug_mode("error")``; on the CPU
    (a dry run) torch uses one thread.
    """
    import torch

    import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  # registers the native envs

    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        return []
    if not cuda:
        # torch's OpenMP workers busy-wait: on a machine whose cores are all busy, two threads
        # made a (1024, 64) normalisation 60x slower (32 ms against 0.56 ms with one thread)
        torch.set_num_threads(1)
    label = "torch:cuda" if cuda else "torch (CPU dry run, 1 thread)"

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

    out: list[Measurement] = []
    wrappings: tuple[tuple[str, Factory], ...] = (
        ("bare native torch CartPole", lambda e: e),
        ("RecordEpisodeStatistics(NormalizeReward(NormalizeObservation(...)))", ours_vector_stack),
    )
    for name, wrap in wrappings:
        envs = wrap(
            gym.make_vec("array_env/CartPole-v1", num_envs, vectorization_mode="vector_entry_point",
                         xp="torch", device=device)
        )  # fmt: skip
        envs.reset(seed=0)
        actions = torch.randint(0, 2, (num_envs,), device=device)
        rate = timed(functools.partial(envs.step, actions), num_envs)
        out.append(Measurement("wrappers", name, f"{num_envs} envs", label, "env-steps/s", rate))

    # ResizeObservation's core on a batch of Atari frames, on the device (no host copy).
    xp = resolve_namespace("torch")
    count = 4096 if cuda else 64
    frames = torch.randint(0, 256, (count, 210, 160, 3), dtype=torch.uint8, device=device)
    plan = resize_plan((210, 160), (84, 84), xp=xp, device=frames.device)
    resized = [resize_images(frames, plan, xp=xp)]

    def resize() -> None:
        resized[0] = resize_images(frames, plan, xp=xp)

    rate = timed(resize, count)
    assert resized[0].device == frames.device
    assert resized[0].shape == (count, 84, 84, 3)
    out.append(
        Measurement(
            "wrappers", "ResizeObservation core", f"{count} frames 210x160x3 -> 84x84", label,
            "frames/s", rate, note="stays on the device",
        )
    )  # fmt: skip

    for rows, cols in sizes:
        batch = torch.randn(rows, cols, device=device)
        flags = torch.zeros(rows, dtype=torch.bool, device=device)
        rewards = torch.zeros(rows, device=device)
        wrapper = ours_vector.NormalizeObservation(_ConstantBatch(batch, rewards, flags))
        wrapper.reset()
        rate = timed(functools.partial(wrapper.step, None), rows * cols)
        out.append(
            Measurement(
                "wrappers", "NormalizeObservation", f"float32 ({rows}, {cols})", label,
                "elements/s", rate,
            )
        )  # fmt: skip
    return out


def collect(
    seconds: float, progress: Progress | None = None, gpu_envs: int = 65536
) -> list[Measurement]:
    """Every row of this suite: the CPU table, then the device rows where torch has CUDA."""
    out = collect_cpu(seconds, progress)
    if backend_available("torch"):
        import torch

        if torch.cuda.is_available():
            out += collect_device(seconds, gpu_envs, "cuda", [(65536, 1024), (1 << 20, 256)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per row")
    parser.add_argument("--gpu-envs", type=int, default=65536, help="envs in the GPU rows")
    parser.add_argument("--no-cpu", action="store_true", help="only the GPU rows")
    parser.add_argument("--only", nargs="+", help="only these wrappers (CPU rows)")
    parser.add_argument(
        "--torch-device", default="cuda", help="device of the GPU rows ('cpu' for a dry run)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Gymnasium's space warnings, the same for both sides
    rows: list[Measurement] = []
    if not args.no_cpu:
        rows += collect_cpu(args.seconds, Progress(len(cpu_rows(args.only))), args.only)
    if backend_available("torch"):
        dry = args.torch_device == "cpu"
        sizes = [(1024, 64)] if dry else [(65536, 1024), (1 << 20, 256)]
        device_rows = collect_device(args.seconds, args.gpu_envs, args.torch_device, sizes)
        if not device_rows:
            print("GPU rows skipped: torch sees no CUDA device.")
        rows += device_rows
    for kind in dict.fromkeys(m.kind for m in rows):
        group = [m for m in rows if m.kind == kind]
        bare = "" if group[0].base is None else f"  (bare env {group[0].base:.1f} us/step)"
        print(f"\n### {kind}{bare}\n")
        print(markdown_table(group))


if __name__ == "__main__":
    main()
