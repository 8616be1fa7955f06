"""Drive a wrapped vector env and one wrapped single env per sub-env in lockstep.

The vector-equals-single property of every stateful vector wrapper, under each autoreset mode:
sub-env ``i`` of ``SyncVectorEnv([make] * n, autoreset_mode=mode)`` reset with ``seed`` behaves
as ``make()`` reset with ``seed + i``; this driver replays the vector env's episode boundaries
on the single envs (a next-step reset step is the single env's ``reset``, a same-step finish is
its last ``step`` followed by ``reset``, a disabled-mode partial reset is its ``reset``) and
hands every pair of corresponding outputs to ``compare``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv

MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED)

Compare = Callable[[str, int, Any, Any], None]
"""``compare(what, sub_env, vector_value, single_value)``; ``what`` names the output."""


def drive(
    make: Callable[[], gym.Env[Any, Any]],
    wrap_vector: Callable[[Any], Any],
    wrap_single: Callable[[gym.Env[Any, Any]], Any],
    *,
    mode: AutoresetMode,
    num_envs: int,
    steps: int,
    seed: int,
    compare: Compare,
) -> tuple[Any, list[Any]]:
    """Run both sides for ``steps`` vector steps; return the wrapped vector env and singles."""
    vector = wrap_vector(SyncVectorEnv([make] * num_envs, autoreset_mode=mode))
    singles = [wrap_single(make()) for _ in range(num_envs)]
    rng = np.random.default_rng(seed)
    obs, _ = vector.reset(seed=seed)
    for i, single in enumerate(singles):
        compare("reset observation", i, obs[i], single.reset(seed=seed + i)[0])
    pending_reset = np.zeros(num_envs, dtype=bool)
    for _ in range(steps):
        actions = _actions(vector, rng)
        obs, rewards, terminated, truncated, infos = vector.step(actions)
        done = np.logical_or(terminated, truncated)
        for i, single in enumerate(singles):
            if mode is AutoresetMode.NEXT_STEP and pending_reset[i]:
                compare("reset-step observation", i, obs[i], single.reset()[0])
                continue
            s_obs, s_reward, *_ = single.step(actions[i])
            compare("reward", i, rewards[i], s_reward)
            if mode is AutoresetMode.SAME_STEP and done[i]:
                compare("final observation", i, infos["final_obs"][i], s_obs)
                compare("reset observation", i, obs[i], single.reset()[0])
            else:
                compare("observation", i, obs[i], s_obs)
        if mode is AutoresetMode.DISABLED and done.any():
            obs, _ = vector.reset(options={"reset_mask": done})
            for row in np.flatnonzero(done).tolist():
                compare("partial reset observation", row, obs[row], singles[row].reset()[0])
        pending_reset = done
    return vector, singles


def _actions(vector: Any, rng: np.random.Generator) -> Any:
    space = vector.single_action_space
    if isinstance(space, gym.spaces.Discrete):
        discrete: gym.spaces.Discrete[Any] = space  # pyright: ignore[reportUnknownVariableType]
        return rng.integers(int(discrete.n), size=int(vector.num_envs))
    return rng.uniform(space.low, space.high, size=(vector.num_envs, *space.shape)).astype(
        space.dtype
    )
