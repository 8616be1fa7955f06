"""Input checks shared by wrappers and environments: one clear error for every bad array.

A wrapper resolves its namespace, device, dtype and shape once; on the step path it calls
:func:`check_array`, which costs a few attribute reads and raises :class:`ArrayMismatchError`
naming the wrapper, the argument, what was expected and what arrived. Checks run before any
state is touched, so a rejected call leaves the wrapper exactly as it was.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat
import gymnasium as gym

from array_env._namespace import device_name, namespace_name, namespace_of
from array_env.typing import Device, Namespace

__all__ = ["ArrayMismatchError", "check_array"]


class ArrayMismatchError(gym.error.Error, ValueError):
    """An array of the wrong namespace, device, dtype or shape."""


def check_array(
    x: Any,
    *,
    owner: str,
    name: str,
    xp: Namespace[Any],
    device: Device | None = None,
    dtype: Any = None,
    shape: tuple[int, ...] | None = None,
) -> None:
    """Raise :class:`ArrayMismatchError` unless ``x`` is an ``xp`` array as described.

    Args:
        x: The array to check.
        owner: Who checks, for the message (the wrapper's or env's class name).
        name: What ``x`` is, for the message (``"observation"``, ``"action"``).
        xp: The expected namespace.
        device: The expected device, or ``None`` to accept any.
        dtype: The expected dtype of ``xp``, or ``None`` to accept any.
        shape: The expected shape, or ``None`` to accept any.

    Examples:
        >>> import numpy as np
        >>> from array_env import resolve_namespace
        >>> check_array(np.zeros(3), owner="Demo", name="action",
        ...             xp=resolve_namespace("numpy"), shape=(2,))
        Traceback (most recent call last):
        ...
        array_env._checks.ArrayMismatchError: Demo: action has shape (3,), expected (2,)
    """
    if not compat.is_array_api_obj(x):
        raise ArrayMismatchError(
            f"{owner}: {name} must be a {namespace_name(xp)} array, got {type(x).__name__}"
        )
    if namespace_of(x) is not xp:
        raise ArrayMismatchError(
            f"{owner}: {name} must be a {namespace_name(xp)} array, got a "
            f"{namespace_name(namespace_of(x))} array (convert it with array_env.to_namespace "
            "or wrap the env in a conversion wrapper)"
        )
    if device is not None:
        got = compat.device(x)
        if got != device and device_name(got) != device_name(device):
            raise ArrayMismatchError(
                f"{owner}: {name} is on device {device_name(got)}, expected {device_name(device)}"
            )
    if dtype is not None and x.dtype != dtype:
        raise ArrayMismatchError(f"{owner}: {name} has dtype {x.dtype}, expected {dtype}")
    if shape is not None and tuple(x.shape) != tuple(shape):
        raise ArrayMismatchError(
            f"{owner}: {name} has shape {tuple(x.shape)}, expected {tuple(shape)}"
        )
