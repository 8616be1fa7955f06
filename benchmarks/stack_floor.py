"""How much throughput the vector stack can keep at all: its maths in plain NumPy, no wrappers.

Issue 15 asks the vector stack ``RecordEpisodeStatistics(NormalizeReward(NormalizeObservation(
CartPole x4096)))`` to keep 0.8 of the bare env's throughput. This script measures the floor
under that goal: the least NumPy work the stack does per step, written out by hand without any
wrapper, check or Python structure around it, run right after each env step (so it meets the
caches the env leaves, as the wrappers do). Two versions:

* ``array_env semantics``: what the three wrappers compute (float64 statistics, centred on the
  batch's first sample; the reset step of next-step autoreset masked out of the discounted
  returns and their statistics; episode returns, lengths and wall-clock times restarted by
  masks). :func:`check_same_maths` asserts that it gives the stack's observations and rewards.
* ``Gymnasium semantics``: float32 statistics, no masks, no episode times, in-place updates:
  the least any implementation of these three wrappers can do.

Alongside, array_env's and Gymnasium's real stacks. All five run in alternating windows of one
run. Run: ``python -m benchmarks.stack_floor [--num-envs 4096] [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._bases import native_cartpole
from benchmarks._record import Measurement, alternate_best
from benchmarks.wrappers import gym_vector_stack, ours_vector_stack

__all__ = ["ArrayEnvMaths", "GymnasiumMaths", "check_same_maths", "collect", "main"]

_VECDOT: Any = np.vecdot  # NumPy's stubs do not take its `axis` keyword
_GAMMA = 0.99
_EPSILON = 1e-8


class ArrayEnvMaths:
    """The three wrappers' per-step maths with array_env's semantics, in plain NumPy."""

    def __init__(self, num_envs: int, features: int) -> None:
        self.n = num_envs
        self.mean, self.var, self.count = np.zeros(features), np.ones(features), 1e-4
        self.r_mean, self.r_var, self.r_count = 0.0, 1.0, 1e-4
        self.returns = np.zeros(num_envs)
        self.prev_done = np.zeros(num_envs, bool)
        self.ep_return = np.zeros(num_envs)
        self.ep_length = np.zeros(num_envs, np.int64)
        self.ep_start = np.zeros(num_envs)
        self.origin = time.perf_counter()

    def observe(self, obs: Any) -> Any:
        """NormalizeObservation: every row counts (after a reset, as each reset row does)."""
        n = self.n
        work = obs.astype(np.float64)
        first = work[0].copy()
        work -= first
        offset = work.sum(axis=0) / n
        spread = _VECDOT(work, work, axis=0) / n
        shift = offset + (first - self.mean)
        total = self.count + n
        weight, keep = n / total, self.count / total
        batch_var = np.maximum(spread - offset * offset, 0.0)
        self.var = keep * (self.var + weight * shift * shift) + weight * batch_var
        self.mean = self.mean + weight * shift
        self.count = total
        work -= self.mean - first
        work /= np.sqrt(self.var + _EPSILON)
        return work.astype(np.float32)

    def step(self, obs: Any, reward: Any, terminated: Any, truncated: Any) -> tuple[Any, Any]:
        """One step: returns the normalised observations and the scaled rewards."""
        observations = self.observe(obs)
        # NormalizeReward: the reset rows keep their return and are not counted
        stepped = np.where(terminated, 0.0, self.returns * _GAMMA) + reward
        stepped = np.where(self.prev_done, self.returns, stepped)
        active = ~self.prev_done
        counted = float(np.count_nonzero(active))
        centred = np.where(active, stepped - self.r_mean, 0.0)
        r_shift = centred.sum() / (counted + 1e-30)
        deviation = np.where(active, centred - r_shift, 0.0)
        r_var = np.vecdot(deviation, deviation) / (counted + 1e-30)
        r_total = self.r_count + counted
        weight, keep = counted / r_total, self.r_count / r_total
        self.r_var = keep * (self.r_var + weight * r_shift * r_shift) + weight * r_var
        self.r_mean = self.r_mean + weight * r_shift
        self.r_count = r_total
        self.returns = stepped
        rewards = reward / np.float32(np.sqrt(self.r_var + _EPSILON))
        # RecordEpisodeStatistics: reset rows start a new episode
        now = (time.perf_counter() - self.origin) * 1e6
        restart = self.prev_done
        self.ep_return = np.where(restart, 0.0, self.ep_return + rewards)
        self.ep_length = np.where(restart, 0, self.ep_length + 1)
        self.ep_start = np.where(restart, now, self.ep_start)
        done = terminated | truncated
        if np.count_nonzero(done):
            elapsed = np.round(now - self.ep_start) * 1e-6
            _info = (
                np.where(done, self.ep_return, 0.0),
                np.where(done, self.ep_length, 0),
                np.where(done, elapsed, 0.0),
            )
        self.prev_done = done
        return observations, rewards


class GymnasiumMaths:
    """Gymnasium's semantics (float32 statistics, no masks, no times), as lean as NumPy allows."""

    def __init__(self, num_envs: int, features: int) -> None:
        self.n = num_envs
        self.mean = np.zeros(features, np.float32)
        self.var = np.ones(features, np.float32)
        self.count = 1e-4
        self.r_var, self.r_count, self.r_mean = 1.0, 1e-4, 0.0
        self.returns = np.zeros(num_envs, np.float32)
        self.ep_return = np.zeros(num_envs, np.float32)
        self.ep_length = np.zeros(num_envs, np.int64)
        self.ones = np.ones(num_envs, np.float32)

    def step(self, obs: Any, reward: Any, terminated: Any, truncated: Any) -> tuple[Any, Any]:
        """One step: returns the normalised observations and the scaled rewards."""
        n = self.n
        batch_mean = self.ones @ obs / n
        batch_var = _VECDOT(obs, obs, axis=0) / n - batch_mean * batch_mean
        delta = batch_mean - self.mean
        total = self.count + n
        self.mean = self.mean + delta * (n / total)
        self.var = (self.var * self.count + batch_var * n) / total + delta * delta * (
            self.count * n / total / total
        )
        self.count = total
        observations = obs - self.mean
        observations *= 1 / np.sqrt(self.var + _EPSILON)
        self.returns *= np.where(terminated, 0.0, _GAMMA).astype(np.float32)
        self.returns += reward
        r_mean = float(self.returns.sum()) / n
        r_var = float(np.vecdot(self.returns, self.returns)) / n - r_mean * r_mean
        r_delta = r_mean - self.r_mean
        r_total = self.r_count + n
        self.r_mean += r_delta * n / r_total
        self.r_var = (self.r_var * self.r_count + r_var * n) / r_total + r_delta * r_delta * (
            self.r_count * n / r_total / r_total
        )
        self.r_count = r_total
        rewards = reward / np.float32(np.sqrt(self.r_var + _EPSILON))
        self.ep_return += rewards
        self.ep_length += 1
        done = terminated | truncated
        if np.count_nonzero(done):
            _info = (np.where(done, self.ep_return, 0.0), np.where(done, self.ep_length, 0))
            self.ep_return[done] = 0.0
            self.ep_length[done] = 0
        return observations, rewards


def check_same_maths(num_envs: int = 64, steps: int = 300) -> None:
    """Assert :class:`ArrayEnvMaths` gives array_env's stack's observations and rewards."""
    rng = np.random.default_rng(1)
    stack, bare = ours_vector_stack(native_cartpole(num_envs)), native_cartpole(num_envs)
    stack.reset(seed=3)
    maths = ArrayEnvMaths(num_envs, 4)
    maths.observe(bare.reset(seed=3)[0])
    for step in range(steps):
        actions = rng.integers(2, size=num_envs)
        expected_obs, expected_rewards, *_ = stack.step(actions)
        obs, reward, terminated, truncated, _ = bare.step(actions)
        got_obs, got_rewards = maths.step(obs, reward, terminated, truncated)
        np.testing.assert_allclose(got_obs, expected_obs, rtol=1e-5, atol=1e-6, err_msg=str(step))
        np.testing.assert_allclose(got_rewards, expected_rewards, rtol=1e-5, err_msg=str(step))


def _loop(envs: Any, maths: Any, actions: list[Any]) -> Callable[[int], None]:
    position = [0]

    def run(steps: int) -> None:
        for _ in range(steps):
            action = actions[position[0] % len(actions)]
            position[0] += 1
            if maths is None:
                envs.step(action)
            else:
                maths.step(*envs.step(action)[:4])

    return run


def _measure(n: int, seconds: float) -> dict[str, float]:
    """Seconds per step of the five runs, measured in alternating windows."""
    rng = np.random.default_rng(0)
    actions: list[Any] = [rng.integers(2, size=n) for _ in range(16)]
    runs: dict[str, Callable[[int], None]] = {}
    for label, wrap, maths in (
        ("bare env", None, None),
        ("array_env semantics, plain NumPy (the floor)", None, ArrayEnvMaths(n, 4)),
        ("Gymnasium semantics, plain NumPy", None, GymnasiumMaths(n, 4)),
        ("array_env's stack", ours_vector_stack, None),
        ("Gymnasium's stack", gym_vector_stack, None),
    ):
        envs = native_cartpole(n)
        envs = envs if wrap is None else wrap(envs)
        envs.reset(seed=0)
        runs[label] = _loop(envs, maths, actions)
    best = alternate_best(list(runs.values()), seconds * len(runs), 16)
    return dict(zip(runs, best, strict=True))


def collect(seconds: float, num_envs: int = 4096) -> list[Measurement]:
    """One wrappers-suite row: the floor's time beside the Gymnasium-semantics floor's."""
    check_same_maths()
    times = _measure(num_envs, seconds)
    bare, ours, theirs, stack = (times[k] for k in list(times)[:4])
    note = (
        f"bare env throughput kept: array_env semantics {bare / ours:.2f}, Gymnasium semantics "
        f"{bare / theirs:.2f}, array_env's stack {bare / stack:.2f}; "
        "goal 0.8 (benchmarks/stack_floor.py)"
    )
    return [
        Measurement(
            "wrappers", "stack maths in plain NumPy, no wrappers (the floor)",
            f"vector CartPole x{num_envs} (array_env's native NumPy CartPoleVectorEnv)", "numpy",
            "us/step", ours * 1e6, theirs * 1e6, bare * 1e6, note,
        )
    ]  # fmt: skip


def main() -> None:
    """Measure the five runs side by side and print the throughput each keeps."""
    parser = argparse.ArgumentParser(description="The floor under the x4096 stack goal.")
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    n = args.num_envs
    check_same_maths()
    times = _measure(n, args.seconds)
    bare = times["bare env"]
    print(f"CartPole x{n} (array_env's native NumPy CartPoleVectorEnv), us per step:")
    for label, seconds in times.items():
        print(f"  {label:48s} {seconds * 1e6:8.1f}   keeps {bare / seconds:.2f}")


if __name__ == "__main__":
    main()
