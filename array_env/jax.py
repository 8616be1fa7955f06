"""Typed aliases for array_env on JAX: every array is a ``jax.Array``.

A few names and no runtime logic: :data:`Array`, and :data:`Env`, :data:`VectorEnv` and
:data:`Wrapper` bound to it, plus :func:`make` and :func:`make_vec`, which build the reference
environments on JAX with those types.
Importing this module imports jax, and neither torch nor cupy.

Example:
    >>> from array_env.jax import Env, make
    >>> env: Env = make("array_env/CartPole-v1")
    >>> obs, info = env.reset(seed=0)
    >>> type(obs).__name__
    'ArrayImpl'
"""

from __future__ import annotations

from typing import Any, TypeAlias, overload

import gymnasium as gym
import jax
from gymnasium.vector import VectorEnv as _VectorEnv

# Imported for its side effect: it registers the reference ids with gymnasium.
import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env.core import Wrapper as _Wrapper
from array_env.typing import ArrayEnvId, DeviceLike, NestedEnvId

__all__ = ["Array", "Env", "VectorEnv", "Wrapper", "make", "make_vec"]

Array: TypeAlias = jax.Array
"""The JAX array type."""
Env: TypeAlias = gym.Env[Array, Array]
"""An environment whose observations and actions are JAX arrays."""
VectorEnv: TypeAlias = _VectorEnv[Array, Array, Array]
"""A vector environment whose observations, actions, rewards and flags are JAX arrays."""
Wrapper: TypeAlias = _Wrapper[Array, Array, Array, Array]
"""The base of a wrapper from and to JAX arrays (subclass it)."""


@overload
def make(env_id: ArrayEnvId, *, device: DeviceLike | None = None, **kwargs: Any) -> Env: ...
@overload
def make(
    env_id: NestedEnvId, *, device: DeviceLike | None = None, **kwargs: Any
) -> gym.Env[dict[str, Any], Array]: ...
def make(env_id: str, *, device: DeviceLike | None = None, **kwargs: Any) -> gym.Env[Any, Array]:
    """``gymnasium.make(env_id, xp="jax", device=device, **kwargs)``, typed."""
    return gym.make(env_id, xp="jax", device=device, **kwargs)


@overload
def make_vec(
    env_id: ArrayEnvId, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> VectorEnv: ...
@overload
def make_vec(
    env_id: NestedEnvId, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> _VectorEnv[dict[str, Any], Array, Array]: ...
def make_vec(
    env_id: str, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> _VectorEnv[Any, Array, Array]:
    """The native (batched) vector environment of ``env_id`` on JAX, typed."""
    return gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        xp="jax",
        device=device,
        **kwargs,
    )
