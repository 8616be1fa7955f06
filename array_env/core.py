"""The base classes every array_env wrapper derives from.

Gymnasium 1.4 types ``Wrapper.__init__(env)`` and ``Wrapper.env`` with the wrapper's *outer*
observation and action types, so ``super().__init__(env)`` is a type error in any wrapper that
changes them, and ``self.env`` is wrongly typed in all of them. :class:`Wrapper` fixes both in
this one place; array_env's single-env wrappers subclass it, never ``gymnasium.Wrapper``
directly. ``gymnasium.vector.VectorWrapper`` has no such bug and is used as it is.
"""

from __future__ import annotations

from typing import TypeVar

import gymnasium as gym

__all__ = ["Wrapper"]

WObs = TypeVar("WObs")
WAct = TypeVar("WAct")
Obs = TypeVar("Obs")
Act = TypeVar("Act")


class Wrapper(gym.Wrapper[WObs, WAct, Obs, Act]):
    """A ``gymnasium.Wrapper`` whose ``env`` is typed with the inner types.

    Type parameters are in Gymnasium's order: ``[WrapperObs, WrapperAct, Obs, Act]``.

    Examples:
        >>> import gymnasium as gym
        >>> env = Wrapper(gym.make("CartPole-v1"))
        >>> env.reset(seed=0)[0].shape
        (4,)
    """

    # Gymnasium declares ``env: Env[WObs, WAct]`` (the outer types); the wrapped env has the
    # inner ones.
    env: gym.Env[Obs, Act]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]

    def __init__(self, env: gym.Env[Obs, Act]) -> None:
        super().__init__(env)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
