"""Reference environments written in the Array API standard, registered with Gymnasium.

Importing this module registers, in the ``array_env`` namespace:

=============================  =====================  ==========================================
id                             single / vector class  observation
=============================  =====================  ==========================================
``array_env/CartPole-v1``      CartPoleEnv / ...      float32 ``(4,)``; 500-step time limit
``array_env/Pendulum-v1``      PendulumEnv / ...      float32 ``(3,)``; 200-step time limit
``array_env/Catch-v0``         CatchEnv / ...         uint8 ``(84, 84, 3)`` image
``array_env/NestedCatch-v0``   NestedCatchEnv / ...   ``Dict`` nesting a ``Tuple``, mixed dtypes
=============================  =====================  ==========================================

``gymnasium.make(id, xp="torch", device="cuda")`` builds the single environment and
``gymnasium.make_vec(id, num_envs=4096, vectorization_mode="vector_entry_point", xp=...,
device=...)`` the native vector one. Pass ``xp`` and ``device`` by name to keep ``env.spec``
serialisable. The env checker is disabled for these ids: it expects NumPy arrays and Python
numbers, and would read device values back to the host.

Examples:
    >>> import gymnasium as gym
    >>> import array_env.envs
    >>> env = gym.make("array_env/CartPole-v1", xp="array_api_strict")
    >>> obs, info = env.reset(seed=0)
    >>> type(obs).__module__
    'array_api_strict._array_object'
    >>> gym.make(env.spec).spec == env.spec
    True
"""

from __future__ import annotations

# register's EnvCreator parameter type is partly unknown to pyright.
from gymnasium.envs.registration import (
    register,  # pyright: ignore[reportUnknownVariableType]
    registry,
)

from array_env.envs._base import ActionOutsideSpaceError, ArrayEnv, ArrayModel, ArrayVectorEnv
from array_env.envs.cartpole import CartPoleEnv, CartPoleVectorEnv
from array_env.envs.catch import CatchEnv, CatchVectorEnv, NestedCatchEnv, NestedCatchVectorEnv
from array_env.envs.pendulum import PendulumEnv, PendulumVectorEnv

__all__ = [
    "ActionOutsideSpaceError",
    "ArrayEnv",
    "ArrayModel",
    "ArrayVectorEnv",
    "CartPoleEnv",
    "CartPoleVectorEnv",
    "CatchEnv",
    "CatchVectorEnv",
    "NestedCatchEnv",
    "NestedCatchVectorEnv",
    "PendulumEnv",
    "PendulumVectorEnv",
    "register_envs",
]

_ENVS: dict[str, tuple[str, str, int | None, float | None]] = {
    "CartPole-v1": ("cartpole:CartPoleEnv", "cartpole:CartPoleVectorEnv", 500, 475.0),
    "Pendulum-v1": ("pendulum:PendulumEnv", "pendulum:PendulumVectorEnv", 200, None),
    "Catch-v0": ("catch:CatchEnv", "catch:CatchVectorEnv", None, None),
    "NestedCatch-v0": ("catch:NestedCatchEnv", "catch:NestedCatchVectorEnv", None, None),
}


def register_envs() -> None:
    """Register every environment under ``array_env/`` (idempotent; done at import).

    Examples:
        >>> register_envs()
        >>> import gymnasium as gym
        >>> "array_env/Catch-v0" in gym.registry
        True
    """
    for name, (single, vector, max_steps, threshold) in _ENVS.items():
        env_id = f"array_env/{name}"
        if env_id in registry:
            continue
        register(
            id=env_id,
            entry_point=f"array_env.envs.{single}",
            vector_entry_point=f"array_env.envs.{vector}",
            max_episode_steps=max_steps,
            reward_threshold=threshold,
            disable_env_checker=True,
        )


register_envs()
