"""Per-step cost of the image observation wrappers side by side with Gymnasium's, in one run.

Rows (NumPy, measured alternately so the shared machine's noise hits both alike), over envs
that return one fixed random uint8 frame (so the env itself costs almost nothing):

* single, 210x160x3 frames (Atari's size): ``GrayscaleObservation``, ``ResizeObservation((84,
  84))``, ``MaxAndSkipObservation(4)`` and ``AddWhiteNoise(0.1)`` (timed on ``render()``);
* vector x256 of the same frames: ``GrayscaleObservation`` and ``ResizeObservation((84, 84))``
  (Gymnasium's vector versions loop over the sub-envs; array_env's convert the batch at once);
* with ``--torch``: ``ResizeObservation`` on a torch batch on the CPU (one thread) or, where
  CUDA is available, a batch of 4096 frames on the GPU (device-side timing).

Run: ``python benchmarks/image_wrappers.py [--seconds 1.0] [--torch]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.wrappers import vector as gym_vector

import array_env.vector as ours_vector
import array_env.wrappers as ours

SHAPE = (210, 160, 3)


class FixedFrame(gym.Env[np.ndarray, Any]):
    """Returns the same random frame every step; renders it too."""

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(0, 255, SHAPE, np.uint8)
        self.action_space = gym.spaces.Discrete(2)
        self.render_mode = "rgb_array"
        self.frame = np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        """Seed ``np_random`` and return the frame."""
        super().reset(seed=seed)
        return self.frame, {}

    def step(self, action: Any) -> Any:
        """Return the frame."""
        return self.frame, 0.0, False, False, {}

    def render(self) -> np.ndarray:
        """Return the frame."""
        return self.frame


class FixedBatch(gym.vector.VectorEnv[Any, Any, Any]):
    """A vector env whose every step returns the same batch of frames."""

    def __init__(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self.single_observation_space = gym.spaces.Box(0, 255, SHAPE, np.uint8)
        self.observation_space = gym.vector.utils.batch_space(
            self.single_observation_space, num_envs
        )
        self.single_action_space = gym.spaces.Discrete(2)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}
        frames = np.random.default_rng(0).integers(0, 256, (num_envs, *SHAPE), dtype=np.uint8)
        flags = np.zeros(num_envs, bool)
        self._out = (frames, np.zeros(num_envs), flags, flags, {})

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        """Return the batch."""
        return self._out[0], {}

    def step(self, actions: Any) -> Any:
        """Return the batch."""
        return self._out


def _alternate(
    ours_run: Callable[[], Any], theirs_run: Callable[[], Any], seconds: float
) -> tuple[float, float]:
    best = [float("inf"), float("inf")]
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for k, run in enumerate((ours_run, theirs_run)):
            start = time.perf_counter()
            for _ in range(10):
                run()
            best[k] = min(best[k], (time.perf_counter() - start) / 10)
    return best[0], best[1]


def _row(
    name: str, ours_run: Callable[[], Any], theirs_run: Callable[[], Any], seconds: float
) -> None:
    o, t = _alternate(ours_run, theirs_run, seconds)
    print(f"| {name} | {o * 1e6:.1f} | {t * 1e6:.1f} | {o / t:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--torch", action="store_true")
    args = parser.parse_args()
    print("| wrapper | array_env us/step | Gymnasium us/step | ratio |")
    print("|---|---:|---:|---:|")
    single: dict[str, tuple[Any, Any]] = {
        "GrayscaleObservation": (ours.GrayscaleObservation, gym.wrappers.GrayscaleObservation),
        "ResizeObservation(84, 84)": (
            lambda e: ours.ResizeObservation(e, (84, 84)),
            lambda e: gym.wrappers.ResizeObservation(e, (84, 84)),
        ),
        "MaxAndSkipObservation(4)": (
            ours.MaxAndSkipObservation,
            gym.wrappers.MaxAndSkipObservation,
        ),
    }
    for name, (mine, theirs) in single.items():
        a, b = mine(FixedFrame()), theirs(FixedFrame())
        a.reset(seed=0)
        b.reset(seed=0)
        _row(f"single {name}", lambda a=a: a.step(0), lambda b=b: b.step(0), args.seconds)
    a = ours.AddWhiteNoise(FixedFrame(), 0.1)
    b = gym.wrappers.AddWhiteNoise(FixedFrame(), 0.1)
    a.reset(seed=0)
    b.reset(seed=0)
    _row("single AddWhiteNoise(0.1).render()", a.render, b.render, args.seconds)
    actions = np.zeros(256, np.int64)
    vector: dict[str, tuple[Any, Any]] = {
        "GrayscaleObservation": (ours_vector.GrayscaleObservation, gym_vector.GrayscaleObservation),
        "ResizeObservation(84, 84)": (
            lambda e: ours_vector.ResizeObservation(e, (84, 84)),
            lambda e: gym_vector.ResizeObservation(e, (84, 84)),
        ),
    }
    for name, (mine, theirs) in vector.items():
        a, b = mine(FixedBatch(256)), theirs(FixedBatch(256))
        a.reset(seed=0)
        b.reset(seed=0)
        _row(
            f"vector x256 {name}",
            lambda a=a: a.step(actions),
            lambda b=b: b.step(actions),
            args.seconds,
        )
    if args.torch:
        _torch_rows(args.seconds)


def _torch_rows(seconds: float) -> None:
    import torch

    from array_env._namespace import resolve_namespace
    from array_env._ops.resize import resize_images, resize_plan

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(1)
    count = 4096 if cuda else 64
    xp = resolve_namespace("torch")
    frames = torch.randint(0, 256, (count, *SHAPE), dtype=torch.uint8, device=device)
    plan = resize_plan(SHAPE[:2], (84, 84), xp=xp, device=device)
    resize_images(frames, plan, xp=xp)
    if cuda:
        torch.cuda.synchronize()
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        out = resize_images(frames, plan, xp=xp)
        if cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    assert out.device == device
    print(
        f"\ntorch {device}: {count} frames 210x160x3 -> 84x84 in {best * 1e3:.2f} ms "
        f"({count / best:.0f} frames/s), on the device"
    )


if __name__ == "__main__":
    main()
