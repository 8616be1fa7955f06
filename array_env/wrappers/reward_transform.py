"""Stateless reward transforms: ``TransformReward`` and ``ClipReward``.

Rewards keep their kind: host rewards (Python numbers, NumPy scalars of any int/float type) come
out as Gymnasium's do, and array rewards stay arrays of their namespace on their device. The
vector twins live in :mod:`array_env.vector.reward_transform` and
:mod:`array_env.vector.vectorize_reward`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound

from array_env._checks import ArrayMismatchError
from array_env._namespace import resolve_namespace
from array_env._ops.fast_namespace import fast_namespace
from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for

_HOST_XP = fast_namespace(resolve_namespace("numpy"))  # NumPy's own functions, as np.clip uses

__all__ = ["ClipReward", "RewardBounds", "RewardClipper", "TransformReward", "clip_reward"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")


class TransformReward(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Apply ``func`` to every reward the env returns.

    Gymnasium's ``TransformReward``: the function is the user's and sees the reward as the env
    returned it (a Python number, a NumPy scalar, or an array on its device). The vector twin is
    :class:`array_env.vector.TransformReward`.

    Args:
        env: The environment.
        func: Maps the env's reward to the wrapper's.

    Examples:
        >>> import gymnasium as gym
        >>> env = TransformReward(gym.make("CartPole-v1"), lambda r: 2 * r + 1)
        >>> _ = env.reset(seed=0)
        >>> env.step(0)[1]
        3.0
    """

    def __init__(self, env: gym.Env[Obs, Act], func: Callable[[Any], Any]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, func=func)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.func = func

    def reward(self, reward: Any) -> Any:
        """Return ``func(reward)``."""
        return self.func(reward)

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env and transform its reward."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, self.func(reward), terminated, truncated, info


class RewardBounds(NamedTuple):
    """Clipping bounds in the rewards' namespace (``None``: no bound on that side)."""

    low: Any
    high: Any


def clip_reward(reward: Any, bounds: RewardBounds, *, xp: Namespace[Any]) -> Any:
    """Clip rewards (any shape) into ``bounds``; ``maximum``/``minimum`` keep NaN as ``clip`` does.

    Examples:
        >>> import array_api_strict as xp
        >>> clip_reward(xp.asarray([-2.0, 0.5, 3.0]), RewardBounds(xp.asarray(0.0), None), xp=xp)
        Array([0. , 0.5, 3. ], dtype=array_api_strict.float64)
    """
    if bounds.low is not None:
        reward = xp.maximum(reward, bounds.low)
    if bounds.high is not None:
        reward = xp.minimum(reward, bounds.high)
    return reward


def check_reward_bounds(owner: str, min_reward: Any, max_reward: Any) -> None:
    """Raise Gymnasium's ``InvalidBound`` for missing or crossed bounds."""
    if min_reward is None and max_reward is None:
        raise InvalidBound(f"{owner}: both `min_reward` and `max_reward` cannot be None")
    if (
        min_reward is not None
        and max_reward is not None
        and np.any(np.asarray(max_reward) - np.asarray(min_reward) < 0)
    ):
        raise InvalidBound(
            f"{owner}: min reward ({min_reward}) must be smaller than max reward ({max_reward})"
        )


class RewardClipper:
    """Clips one stream of rewards; the kind (host or array) is fixed by the first reward.

    Host rewards are clipped by NumPy with the bounds as given, so values *and* result types are
    Gymnasium's (``np.clip`` on a Python float gives ``np.float64``). Array rewards fix their
    namespace, device and dtype at first contact; the bounds are moved there once, in the
    rewards' floating dtype (integer rewards are clipped as the default float, like NumPy).
    """

    def __init__(self, owner: str, name: str, min_reward: Any, max_reward: Any) -> None:
        self.owner, self.name = owner, name
        self.min_reward, self.max_reward = min_reward, max_reward
        self._host_bounds = RewardBounds(min_reward, max_reward)
        self._contract: ArrayContract | None = None
        self._host: bool | None = None
        self._bounds: RewardBounds | None = None
        self._cast: Any = None

    def __call__(self, reward: Any) -> Any:
        """Return the clipped reward(s); raise :class:`ArrayMismatchError` on a kind change."""
        if self._host is True and isinstance(reward, (int, float, np.generic)):
            return clip_reward(reward, self._host_bounds, xp=_HOST_XP)
        contract, bounds = self._contract, self._bounds
        if contract is not None and bounds is not None and contract.matches(reward):
            if self._cast is not None:
                reward = contract.fast_xp.astype(reward, self._cast)
            return clip_reward(reward, bounds, xp=contract.fast_xp)
        return self._first_or_mismatch(reward)

    def _first_or_mismatch(self, reward: Any) -> Any:
        value: Any = reward  # for messages: isinstance narrows ``reward`` to partly unknown types
        host = isinstance(reward, (int, float, np.generic))
        if self._host is None and host:
            self._host = True
            return self(reward)
        if self._host is True or (self._host is False and host):
            expected = "host rewards" if self._host else "array rewards"
            raise ArrayMismatchError(
                f"{self.owner}: {self.name} must be {expected} (like the first one), got "
                f"{type(value).__name__} ({value!r})"
            )
        if self._contract is not None:
            self._contract.check(reward, owner=self.owner, name=self.name)
        if not compat.is_array_api_obj(reward):
            raise ArrayMismatchError(
                f"{self.owner}: {self.name} must be a number or an array, got "
                f"{type(reward).__name__} ({reward!r})"
            )
        shape: Any = tuple(reward.shape)
        contract = contract_for(reward, owner=self.owner, name=self.name, shape=shape)
        contract = contract._replace(dtype=reward.dtype)
        xp = contract.xp
        cast = None
        dtype = reward.dtype
        if not xp.isdtype(dtype, "real floating"):
            cast = xp.asarray(0.0, device=contract.device).dtype  # the default float
            dtype = cast

        def bound(value: Any) -> Any:
            if value is None:
                return None
            host = np.asarray(value, dtype=np.float32 if xp.finfo(dtype).bits <= 32 else np.float64)
            return xp.astype(convert_array(host, xp=xp, device=contract.device), dtype)

        self._bounds = RewardBounds(bound(self.min_reward), bound(self.max_reward))
        self._contract, self._host, self._cast = contract, False, cast
        return self(reward)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = state["_bounds"] = state["_cast"] = None
        state["_host"] = None if not state["_host"] else True
        return state


class ClipReward(TransformReward[Obs, Act], gym.utils.RecordConstructorArgs):
    """Clip every reward into ``[min_reward, max_reward]``.

    Gymnasium's ``ClipReward``: host rewards come out as NumPy's ``clip`` gives them (for example
    ``np.float64`` for a Python float); array rewards stay arrays of their namespace, device and
    floating dtype, the bounds moved once at the first reward. A reward of another kind, namespace,
    device, dtype or shape than the first raises :class:`array_env.ArrayMismatchError`. The vector
    twin is :class:`array_env.vector.ClipReward`.

    Args:
        env: The environment.
        min_reward: Lower bound, or ``None`` for none.
        max_reward: Upper bound, or ``None`` for none.

    Raises:
        gymnasium.error.InvalidBound: If both bounds are ``None`` or ``min_reward > max_reward``.

    Examples:
        >>> import gymnasium as gym
        >>> env = ClipReward(gym.make("CartPole-v1"), 0, 0.5)
        >>> _ = env.reset(seed=0)
        >>> env.step(1)[1]
        np.float64(0.5)
    """

    def __init__(
        self, env: gym.Env[Obs, Act], min_reward: Any = None, max_reward: Any = None
    ) -> None:
        check_reward_bounds(type(self).__name__, min_reward, max_reward)
        gym.utils.RecordConstructorArgs.__init__(self, min_reward=min_reward, max_reward=max_reward)
        TransformReward.__init__(  # pyright: ignore[reportUnknownMemberType]
            self, env, RewardClipper(type(self).__name__, "reward", min_reward, max_reward)
        )
