"""Vector ``TransformAction`` and ``VectorizeTransformAction``.

Gymnasium's ``VectorizeTransformAction`` calls a single-env wrapper's function once per sub-env
and concatenates into a NumPy buffer. Here a batch is transformed in one call: array_env's own
transforms delegate to their vector twins (same cores), and any other ``TransformAction``'s
``func`` is applied to the whole batch, so it must work elementwise along the leading axis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gymnasium as gym
from gymnasium.logger import warn
from gymnasium.vector import VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from array_env._checks import ArrayMismatchError
from array_env.vector.action import ClipAction
from array_env.vector.action_transform import DiscretizeAction, RescaleAction

__all__ = ["TransformAction", "VectorizeTransformAction"]

Obs = TypeVar("Obs")
A = TypeVar("A")


class TransformAction(VectorWrapper[Obs, Any, Obs, Any, A], gym.utils.RecordConstructorArgs):
    """Apply ``func`` to every batch of actions before it reaches the sub-envs.

    Gymnasium's vector ``TransformAction``: ``func`` receives the whole ``(num_envs, ...)`` batch
    as the agent sent it (any namespace, any device). The single twin is
    :class:`array_env.wrappers.TransformAction`.

    Args:
        env: The vector environment.
        func: Maps the wrapper's batch of actions to the env's.
        action_space: The wrapper's batched action space; ``None`` batches
            ``single_action_space``, or keeps the env's when that is ``None`` too.
        single_action_space: The wrapper's action space per sub-env, or ``None`` to keep it.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync")
        >>> envs = TransformAction(envs, lambda a: 2 * a)
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.array([[0.5], [-0.25]], dtype=np.float32))
        >>> tuple(float(env.unwrapped.last_u) for env in envs.env.envs)
        (1.0, -0.5)
    """

    def __init__(
        self,
        env: VectorEnv[Obs, Any, A],
        func: Callable[[Any], Any],
        action_space: gym.Space[Any] | None = None,
        single_action_space: gym.Space[Any] | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, func=func, action_space=action_space, single_action_space=single_action_space
        )
        VectorWrapper.__init__(self, env)
        if single_action_space is not None:
            self.single_action_space = single_action_space
        if action_space is not None:
            self.action_space = action_space
        elif single_action_space is not None:
            self.action_space = batch_space(single_action_space, self.num_envs)
        # gymnasium types these as bare (partly unknown) spaces
        space: Any = self.action_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        batched = batch_space(self.single_action_space, self.num_envs)  # pyright: ignore[reportUnknownMemberType]
        if space != batched:
            warn(
                f"TransformAction: for {env}, the action space and the batched single action "
                f"space don't match as expected, action_space={space}, batched "
                f"single_action_space={batched}"
            )
        self.func = func

    def actions(self, actions: Any) -> Any:
        """Return ``func(actions)``."""
        return self.func(actions)

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs with ``func(actions)``."""
        return self.env.step(self.func(actions))


class _SingleEnv(gym.Env[Any, Any]):
    """A stand-in env holding only the sub-envs' action space, to build the single wrapper."""

    def __init__(self, action_space: gym.Space[Any]) -> None:
        self.action_space = action_space


def _twin(wrapper: type[Any]) -> type[Any] | None:
    """array_env's vector twin of a single action transform (same core), if it has one.

    Looked up by qualified name, not identity, so a module imported twice still finds it.
    """
    twins: dict[tuple[str, str], type[Any]] = {
        ("array_env.wrappers.action_transform", "RescaleAction"): RescaleAction,
        ("array_env.wrappers.action_transform", "DiscretizeAction"): DiscretizeAction,
        ("array_env.wrappers.action", "ClipAction"): ClipAction,
    }
    return twins.get((wrapper.__module__, wrapper.__qualname__))


class VectorizeTransformAction(VectorWrapper[Obs, Any, Obs, Any, A]):
    """Use a single-env action transform on a vector env, a whole batch at a time.

    Gymnasium's ``VectorizeTransformAction``: ``wrapper(single_env, **kwargs)`` is built on the
    sub-envs' action space and exposed as :attr:`wrapper`; its action space, batched, becomes
    this wrapper's. array_env's ``RescaleAction``, ``DiscretizeAction`` and ``ClipAction`` run
    their vector twin's core on the batch (checked, on the actions' device); any other
    wrapper's ``func`` is called once with the batch.

    Args:
        env: The vector environment.
        wrapper: The single-env wrapper class.
        **kwargs: Its constructor arguments after ``env``.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> from array_env.wrappers import RescaleAction as SingleRescale
        >>> envs = gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync")
        >>> envs = VectorizeTransformAction(envs, SingleRescale, min_action=0.0, max_action=1.0)
        >>> envs.action_space
        Box(0.0, 1.0, (2, 1), float32)
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.array([[0.0], [1.0]], dtype=np.float32))
        >>> tuple(float(env.unwrapped.last_u) for env in envs.env.envs)
        (-2.0, 2.0)
    """

    def __init__(self, env: VectorEnv[Obs, Any, A], wrapper: type[Any], **kwargs: Any) -> None:
        VectorWrapper.__init__(self, env)
        single: Any = env.single_action_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        self.wrapper = wrapper(_SingleEnv(single), **kwargs)
        self.single_action_space = self.wrapper.action_space
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        twin = _twin(wrapper)
        self._twin: Any = None if twin is None else twin(env, **kwargs)

    def actions(self, actions: Any) -> Any:
        """Transform a batch of actions."""
        try:
            if self._twin is not None and hasattr(self._twin, "actions"):
                return self._twin.actions(actions)
            return self.wrapper.func(actions)
        except ArrayMismatchError as error:
            raise ArrayMismatchError(f"{type(self).__name__}: {error}") from error

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs with the transformed batch."""
        if self._twin is None or hasattr(self._twin, "actions"):
            return self.env.step(self.actions(actions))
        try:  # a twin without ``actions`` checks the batch in its own ``step``, before stepping
            result: tuple[Obs, A, A, A, dict[str, Any]] = self._twin.step(actions)
        except ArrayMismatchError as error:
            raise ArrayMismatchError(f"{type(self).__name__}: {error}") from error
        return result
