"""Autoreset-mode handling shared by the stateful vector wrappers.

Gymnasium 1.x vector envs declare in ``metadata["autoreset_mode"]`` when a finished sub-env is
reset:

* ``NEXT_STEP`` (the default): the step *after* ``terminated | truncated`` is a reset step; it
  returns the new episode's first observation, reward 0 and ignores the action.
* ``SAME_STEP``: the finishing step already returns the new episode's first observation; the
  last observation of the old episode is in ``info["final_obs"]`` (``info["_final_obs"]`` masks
  the sub-envs it holds).
* ``DISABLED``: the caller resets finished sub-envs with ``reset(options={"reset_mask": m})``.
"""

from __future__ import annotations

from typing import Any

from gymnasium.vector import AutoresetMode, VectorEnv

__all__ = ["autoreset_mode", "reset_mask"]


def autoreset_mode(env: VectorEnv[Any, Any, Any]) -> AutoresetMode:
    """Return the env's declared autoreset mode (``NEXT_STEP`` when it declares none).

    Example:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> autoreset_mode(envs)
        <AutoresetMode.NEXT_STEP: 'NextStep'>
    """
    mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    return mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)


def reset_mask(options: dict[str, Any] | None) -> Any:
    """Return ``options["reset_mask"]`` (a partial reset), or ``None`` for a full reset."""
    if options is None:
        return None
    return options.get("reset_mask")
