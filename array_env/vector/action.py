"""Vector action wrappers: the twins of :mod:`array_env.wrappers.action`."""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
from gymnasium.vector import VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from array_env.typing import ArrayT
from array_env.wrappers._contract import ArrayContract
from array_env.wrappers.action import (
    ActionBounds,
    action_bounds,
    clip_action,
    clip_host_action,
    host_action,
    unbounded_box,
)

__all__ = ["ClipAction"]

Obs = TypeVar("Obs")
A = TypeVar("A")  # the vector env's ArrayType (rewards, terminations), passed through untouched


class ClipAction(VectorWrapper[Obs, ArrayT, Obs, ArrayT, A], gym.utils.RecordConstructorArgs):
    """Clip a batch of actions into the sub-envs' Box bounds.

    The vector twin of :class:`array_env.wrappers.ClipAction`: one ``maximum`` and one
    ``minimum`` over the ``(num_envs, *shape)`` batch, with the bounds broadcast (Gymnasium
    clips sub-env by sub-env into a preallocated NumPy buffer). ``single_action_space`` becomes
    ``Box(-inf, inf)``. Actions keep their namespace, device and dtype (Gymnasium's NumPy
    version casts them to the space's dtype; the env does that itself if it needs to): float64
    actions reach the env as float64. Host values (lists, integer arrays, another float dtype
    while the actions are NumPy) are clipped with NumPy's promotion, as the single wrapper does.

    Args:
        env: The vector environment; its single action space must be a Box.

    Raises:
        TypeError: If the action space is not a Box.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = ClipAction(gym.make_vec("Pendulum-v1", 3, vectorization_mode="sync"))
        >>> envs.action_space
        Box(-inf, inf, (3, 1), float32)
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.array([[5.0], [-5.0], [1.0]], dtype=np.float32))
        >>> [float(env.unwrapped.last_u) for env in envs.env.envs]
        [2.0, -2.0, 1.0]
    """

    def __init__(self, env: VectorEnv[Obs, ArrayT, A]) -> None:
        # gymnasium types VectorEnv.single_action_space as a bare Space (Space[Unknown]).
        single = unbounded_box(type(self).__name__, env.single_action_space)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        gym.utils.RecordConstructorArgs.__init__(self)
        VectorWrapper.__init__(self, env)
        self._bounded: gym.spaces.Box = env.single_action_space  # type: ignore[assignment]  # pyright: ignore[reportUnknownMemberType, reportAttributeAccessIssue]
        self.single_action_space = single
        self.action_space = batch_space(single, self.num_envs)
        self._contract: ArrayContract | None = None
        self._bounds: ActionBounds | None = None

    def step(self, actions: ArrayT) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Clip the actions into the bounds and step the sub-envs with them."""
        contract, bounds = self._contract, self._bounds
        if contract is None or bounds is None or not contract.matches(actions):  # one match
            host = host_action(actions, contract)
            if host is not None:  # Gymnasium's leniency for host values
                owner = type(self).__name__
                clipped = clip_host_action(
                    owner, "actions", host, self._bounded, batch=(self.num_envs,)
                )
                return self.env.step(clipped)
            if contract is None or bounds is None:
                contract, bounds = action_bounds(
                    type(self).__name__, self._bounded, actions, batch=(self.num_envs,)
                )
                self._contract, self._bounds = contract, bounds
            else:
                contract.check(actions, owner=type(self).__name__, name="actions")
        return self.env.step(clip_action(actions, bounds, xp=contract.fast_xp))
