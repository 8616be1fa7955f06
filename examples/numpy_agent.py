"""NumPy only: the cross-entropy method on a single-env array_env stack, no deep-learning framework.

The stack is ``RecordEpisodeStatistics(NormalizeObservation(env))`` over the NumPy
``array_env/CartPole-v1``, built from array_env's classes exactly as from Gymnasium's. The
policy is linear,
``argmax(obs @ weights)``; each generation samples candidates from a Gaussian, runs one episode
each, and refits the Gaussian to the best fifth.

Run ``python examples/numpy_agent.py`` (to an average return of 475) or ``--quick``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  (registers the ids)
from array_env.wrappers import NormalizeObservation, RecordEpisodeStatistics

Stack = RecordEpisodeStatistics[Any, Any]


def episode(env: Stack, weights: np.ndarray, seed: int) -> tuple[float, int]:
    """Run one episode with ``argmax(obs @ weights)``; the wrapper's statistics give its return."""
    obs, _ = env.reset(seed=seed)
    while True:
        obs, _, terminated, truncated, info = env.step(np.argmax(obs @ weights))
        if terminated or truncated:
            return float(info["episode"]["r"]), int(info["episode"]["l"])


def main(argv: list[str] | None = None) -> int:
    """Cross-entropy method; returns 0 when the target average return is reached."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--population", type=int, default=25)
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="two generations (CI)")
    args = parser.parse_args(argv)
    env = RecordEpisodeStatistics(NormalizeObservation(gym.make("array_env/CartPole-v1")))
    rng = np.random.default_rng(args.seed)
    mean, std = np.zeros((4, 2)), np.ones((4, 2))
    elite = max(2, args.population // 5)
    start, steps = time.perf_counter(), 0
    for generation in range(2 if args.quick else args.generations):
        candidates = mean + std * rng.normal(size=(args.population, 4, 2))
        runs = [episode(env, w, seed=1000 * generation + i) for i, w in enumerate(candidates)]
        scores = np.array([score for score, _ in runs])
        steps += sum(length for _, length in runs)
        top = np.argsort(scores)[-elite:]
        mean, std = candidates[top].mean(axis=0), candidates[top].std(axis=0) + 0.05
        print(
            f"generation {generation:>3}  elite mean {scores[top].mean():6.1f}  "
            f"population mean {scores.mean():6.1f}"
        )
    final = float(np.mean([episode(env, mean, seed=10_000 + i)[0] for i in range(20)]))
    rate = steps / (time.perf_counter() - start)
    print(f"final: average return {final:.1f} over 20 episodes, {rate:.0f} steps/s")
    return 0 if args.quick or final >= 475.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
