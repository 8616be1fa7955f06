"""A ``jax.jit``-compiled policy acting on an array_env stack over ``xp="jax"``.

The native vector ``array_env/CartPole-v1`` runs on JAX (CPU here, the GPU when JAX has one),
under the vector ``NormalizeObservation`` wrapper. Each sub-environment is one candidate of a
random-search population: a linear policy ``argmax(obs @ weights[i])``, evaluated by one jitted
function for the whole batch. Episode returns are accumulated on the device; the host reads them
once per generation to keep the best candidate.

Run ``python examples/jax_policy.py`` (to an average return of 475) or ``--quick``.
"""

# jax's annotations leave jit, jnp functions and devices partially unknown to pyright strict.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  (registers the ids)
from array_env.vector import NormalizeObservation

HORIZON = 500


@jax.jit
def act(weights: jax.Array, obs: jax.Array) -> jax.Array:
    """One action per sub-env: candidate ``i`` acts with ``weights[i]`` on ``obs[i]``."""
    return jnp.argmax(jnp.einsum("no,noa->na", obs, weights), axis=-1)


@jax.jit
def accumulate(
    total: jax.Array, alive: jax.Array, reward: jax.Array, done: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Add this step's reward to the candidates still in their first episode."""
    return total + jnp.where(alive, reward, 0.0), alive & ~done


def evaluate(envs: Any, weights: jax.Array, seed: int) -> jax.Array:
    """The first-episode return of every candidate (a device array; no host read per step)."""
    obs, _ = envs.reset(seed=seed)
    total = jnp.zeros(weights.shape[0])
    alive = jnp.ones(weights.shape[0], dtype=bool)
    for _ in range(HORIZON):
        obs, reward, terminated, truncated, _ = envs.step(act(weights, obs))
        total, alive = accumulate(total, alive, reward, terminated | truncated)
    return total


def main(argv: list[str] | None = None) -> int:
    """Random search over linear policies; returns 0 when the target is reached."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--population", type=int, default=32)
    parser.add_argument("--generations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="two generations (CI)")
    args = parser.parse_args(argv)
    generations = 2 if args.quick else args.generations
    envs = NormalizeObservation(
        gym.make_vec(
            "array_env/CartPole-v1",
            num_envs=args.population,
            vectorization_mode="vector_entry_point",
            autoreset_mode="Disabled",
            xp="jax",
        )
    )
    rng = np.random.default_rng(args.seed)
    best = np.zeros((4, 2), dtype=np.float32)
    best_return, final, start, steps = -np.inf, -np.inf, time.perf_counter(), 0
    for generation in range(generations):
        noise = 0.5 * rng.normal(size=(args.population, 4, 2)).astype(np.float32)
        noise[0] = 0.0  # keep the incumbent in the population
        candidates = jnp.asarray(best + noise)
        returns = np.asarray(evaluate(envs, candidates, seed=generation))  # one host read
        steps += args.population * HORIZON
        winner = int(np.argmax(returns))
        best, best_return = np.asarray(candidates[winner]), float(returns[winner])
        mean = float(returns.mean())
        print(f"generation {generation:>3}  best {best_return:6.1f}  population mean {mean:6.1f}")
        if best_return >= 475.0:
            # Score the chosen policy afresh on every sub-env with new seeds.
            population = jnp.broadcast_to(jnp.asarray(best), candidates.shape)
            final = float(np.asarray(evaluate(envs, population, seed=10_000 + generation)).mean())
            steps += args.population * HORIZON
            print(f"               validation: average return {final:6.1f}")
            if final >= 475.0:
                break
    if final == -np.inf:  # never validated (short runs): score the incumbent once
        population = jnp.broadcast_to(jnp.asarray(best), (args.population, 4, 2))
        final = float(np.asarray(evaluate(envs, population, seed=10_000)).mean())
    rate = steps / (time.perf_counter() - start)
    print(
        f"final: average return {final:.1f} over {args.population} episodes, {rate:.0f} steps/s "
        f"on {jax.devices()[0].platform}"
    )
    return 0 if args.quick or final >= 475.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
