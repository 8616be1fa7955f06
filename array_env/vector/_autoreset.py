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

import array_api_compat as compat
from gymnasium.vector import AutoresetMode, VectorEnv

from array_env._checks import ArrayMismatchError, check_array
from array_env._namespace import namespace_of
from array_env.typing import Device, Namespace

__all__ = ["ResetMaskTypeError", "autoreset_mode", "checked_reset_mask", "reset_mask"]


def autoreset_mode(env: VectorEnv[Any, Any, Any]) -> AutoresetMode:
    """Return the env's declared autoreset mode (``NEXT_STEP`` when it declares none).

    Examples:
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


class ResetMaskTypeError(ArrayMismatchError, TypeError):
    """A ``reset_mask`` that is not a boolean array: Gymnasium raises ``TypeError`` for it."""


def checked_reset_mask(
    owner: str,
    options: dict[str, Any] | None,
    num_envs: int,
    *,
    xp: Namespace[Any] | None,
    device: Device | None,
) -> Any:
    """Return the checked ``options["reset_mask"]``, or ``None`` for a full reset.

    Call it *before* ``env.reset``: a rejected mask leaves the env and the wrapper untouched.
    The mask must be a boolean array of shape ``(num_envs,)``, of the wrapper's namespace and
    device once it has one (``xp``/``device`` are ``None`` before the wrapper's first contact:
    any namespace is accepted then). Lists and Python bools are rejected, as Gymnasium's vector
    envs reject them; whether any sub-env is selected is left to the env (a host read here).

    Args:
        owner: The wrapper's name, for the message.
        options: The ``options`` passed to ``reset`` (not modified).
        num_envs: The number of sub-envs.
        xp: The wrapper's namespace, or ``None``.
        device: The wrapper's device, or ``None``.

    Raises:
        ResetMaskTypeError: If the mask is not an array or not boolean (also a ``TypeError``).
        ArrayMismatchError: If its shape, namespace or device is wrong (a ``ValueError``).

    Examples:
        >>> import numpy as np
        >>> from array_env import resolve_namespace
        >>> checked_reset_mask("Demo", {"reset_mask": np.ones(3, dtype=bool)}, 2,
        ...                    xp=resolve_namespace("numpy"), device="cpu")
        Traceback (most recent call last):
        ...
        array_env._checks.ArrayMismatchError: Demo: ... must have shape `(2,)`, got (3,)
    """
    mask = reset_mask(options)
    if mask is None:
        return None
    name = "`options['reset_mask']`"
    if not compat.is_array_api_obj(mask):
        raise ResetMaskTypeError(
            f"{owner}: {name} must be a boolean array of shape ({num_envs},), "
            f"got {type(mask).__name__} {mask!r}"
        )
    mask_xp = namespace_of(mask) if xp is None else xp
    if tuple(mask.shape) != (num_envs,):
        raise ArrayMismatchError(
            f"{owner}: {name} must have shape `({num_envs},)`, got {tuple(mask.shape)}"
        )
    check_array(mask, owner=owner, name=name, xp=mask_xp, device=device)
    if mask.dtype != mask_xp.bool:
        raise ResetMaskTypeError(f"{owner}: {name} must have `dtype=bool`, got {mask.dtype}")
    return mask
