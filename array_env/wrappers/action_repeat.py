"""Stateful action wrappers that repeat actions: ``StickyAction`` and ``RepeatAction``.

Whether a sticky action repeats is drawn on the host from the env's seeded generator
(``np_random``), exactly when and as Gymnasium draws it, so a seed gives the same trajectory on
every backend and device. The decision is host data; the only array operation is choosing
between the new and the previous action (:func:`stick_actions`, a ``where`` for batches). The
vector twins live in :mod:`array_env.vector.action_repeat`.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound, InvalidProbability

from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for

__all__ = [
    "RepeatAction",
    "StickyAction",
    "StickyStep",
    "accumulate_reward",
    "advance_sticky",
    "check_num_repeats",
    "check_sticky_arguments",
    "stick_actions",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")


def check_sticky_arguments(
    owner: str, repeat_action_probability: float, repeat_action_duration: Any
) -> tuple[int, int]:
    """Validate StickyAction's arguments as Gymnasium does; return the duration range."""
    if not 0 <= repeat_action_probability < 1:
        raise InvalidProbability(
            f"{owner}: `repeat_action_probability` should be in the interval [0,1). "
            f"Received {repeat_action_probability}"
        )
    if isinstance(repeat_action_duration, int):
        duration: Any = (repeat_action_duration, repeat_action_duration)
    else:
        duration = repeat_action_duration
    if not isinstance(duration, tuple):
        raise ValueError(
            f"{owner}: `repeat_action_duration` should be either an integer or a tuple. "
            f"Received {duration}"
        )
    pair: tuple[Any, ...] = duration  # pyright: ignore[reportUnknownVariableType]
    if len(pair) != 2:
        raise ValueError(
            f"{owner}: `repeat_action_duration` should be a tuple or a list of two integers. "
            f"Received {pair}"
        )
    if pair[0] > pair[1]:
        raise InvalidBound(
            f"{owner}: `repeat_action_duration` is not a valid bound. Received {pair}"
        )
    if pair[0] < 1:
        raise ValueError(
            f"{owner}: `repeat_action_duration` should be larger or equal than 1. Received {pair}"
        )
    return pair[0], pair[1]


class StickyStep(NamedTuple):
    """One sub-env's sticky state after a step, and whether that step repeated the last action."""

    use_last: bool
    sticky: bool
    num_repeats: int
    repeats_taken: int


def advance_sticky(
    sticky: bool,
    num_repeats: int,
    repeats_taken: int,
    has_last: bool,
    *,
    rng: np.random.Generator,
    probability: float,
    duration: tuple[int, int],
) -> StickyStep:
    """Advance one sub-env's sticky state by a step, drawing from ``rng`` as Gymnasium does.

    A uniform draw starts a series of repeats (only when not already repeating and there is a
    previous action); a new series draws its length in ``duration``; the series ends once that
    many steps repeated the last action.

    Examples:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> advance_sticky(False, 0, 0, True, rng=rng, probability=0.99, duration=(2, 2))
        StickyStep(use_last=True, sticky=True, num_repeats=2, repeats_taken=1)
    """
    if not (sticky or (has_last and rng.uniform() < probability)):
        return StickyStep(False, False, num_repeats, repeats_taken)
    if num_repeats == 0:
        num_repeats = int(rng.integers(duration[0], duration[1] + 1))
    repeats_taken += 1
    if num_repeats == repeats_taken:
        return StickyStep(True, False, 0, 0)
    return StickyStep(True, True, num_repeats, repeats_taken)


def stick_actions(last: Any, actions: Any, use_last: Any, *, xp: Namespace[Any]) -> Any:
    """Return ``last`` where ``use_last`` (a ``(num_envs,)`` mask) is set, else ``actions``.

    Examples:
        >>> import array_api_strict as xp
        >>> stick_actions(xp.asarray([[1.0], [2.0]]), xp.asarray([[5.0], [6.0]]),
        ...               xp.asarray([True, False]), xp=xp)
        Array([[1.],
               [6.]], dtype=array_api_strict.float64)
    """
    if actions.ndim > 1:
        use_last = xp.reshape(use_last, (use_last.shape[0],) + (1,) * (actions.ndim - 1))
    return xp.where(use_last, last, actions)


def is_array_action(action: Any) -> bool:
    """Whether ``action`` is an array (Python numbers and NumPy scalars are host kinds)."""
    return compat.is_array_api_obj(action) and not isinstance(action, np.generic)


class StickyAction(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Repeat the previous action with probability ``repeat_action_probability``.

    Gymnasium's ``StickyAction`` (Machado et al., 2018, section 5.2), for actions of any kind:
    a series of repeats starts with probability ``repeat_action_probability`` and lasts a number
    of steps drawn in ``repeat_action_duration``. Every draw comes from the env's seeded
    ``np_random`` at the same moment as in Gymnasium, so a seed gives the same trajectory on every
    backend. Array actions fix their namespace, device, dtype and shape at the first step; a
    later mismatch raises :class:`array_env.ArrayMismatchError` before anything is drawn. The
    vector twin is :class:`array_env.vector.StickyAction`.

    Args:
        env: The environment.
        repeat_action_probability: Probability of starting a series of repeats, in ``[0, 1)``.
        repeat_action_duration: Length of a series: a number, or a ``(low, high)`` range.

    Raises:
        gymnasium.error.InvalidProbability: If the probability is outside ``[0, 1)``.
        gymnasium.error.InvalidBound: If the duration range has ``low > high``.
        ValueError: If the duration is not an int or a pair, or is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> env = StickyAction(gym.make("CartPole-v1"), repeat_action_probability=0.9)
        >>> _ = env.reset(seed=123)
        >>> for action in (1, 0, 1, 0):
        ...     _ = env.step(action)
        ...     print(env.last_action, end=" ")  # what the env received
        1 1 1 0
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        repeat_action_probability: float,
        repeat_action_duration: int | tuple[int, int] = 1,
    ) -> None:
        duration = check_sticky_arguments(
            type(self).__name__, repeat_action_probability, repeat_action_duration
        )
        gym.utils.RecordConstructorArgs.__init__(
            self,
            repeat_action_probability=repeat_action_probability,
            repeat_action_duration=repeat_action_duration,
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.repeat_action_probability = repeat_action_probability
        self.repeat_action_duration_range = duration
        self.last_action: Act | None = None
        self.is_sticky_actions: bool = False
        self.num_repeats: int = 0
        self.repeats_taken: int = 0
        self._contract: ArrayContract | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Forget the previous action and any series of repeats, then reset the env."""
        self.last_action = None
        self.is_sticky_actions = False
        self.num_repeats = 0
        self.repeats_taken = 0
        return self.env.reset(seed=seed, options=options)

    def action(self, action: Act) -> Act:
        """Return the action the env receives (the new one, or the previous one repeated)."""
        contract = self._contract
        if contract is not None:
            if not contract.matches(action):
                contract.check(action, owner=type(self).__name__, name="action")
        elif type(action) is not int and is_array_action(action):  # a Discrete int: no contract
            array: Any = action
            self._contract = contract_for(  # checked: nothing below can fail
                array, owner=type(self).__name__, name="action", shape=tuple(array.shape)
            )._replace(dtype=array.dtype)
        # advance_sticky, inlined on the attributes (the vector twin calls it per sub-env):
        # the same draws, from the same generator, at the same moments as Gymnasium's. The
        # env's np_random is this wrapper's (gymnasium.Wrapper.np_random returns it), one
        # property call nearer.
        if self.is_sticky_actions or (
            self.last_action is not None
            and self.env.np_random.uniform() < self.repeat_action_probability
        ):
            if self.num_repeats == 0:
                low, high = self.repeat_action_duration_range
                self.num_repeats = int(self.env.np_random.integers(low, high + 1))
            repeated: Any = self.last_action  # not None: a series needs a previous action
            action = repeated
            self.repeats_taken += 1
            self.is_sticky_actions = self.num_repeats != self.repeats_taken
            if not self.is_sticky_actions:
                self.num_repeats = self.repeats_taken = 0
        self.last_action = action
        return action

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env with the new action or, while stuck, the previous one."""
        return self.env.step(self.action(action))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = None  # travels by value: resolved again at the copy's next action
        return state


def check_num_repeats(owner: str, num_repeats: Any) -> int:
    """Validate RepeatAction's ``num_repeats`` as Gymnasium does (type, then value)."""
    kind: Any = type(num_repeats)  # pyright: ignore[reportUnknownVariableType]
    if not np.issubdtype(kind, np.integer):
        raise TypeError(
            f"{owner}: the num_repeats is expected to be an integer, actual type: "
            f"{type(num_repeats)} ({num_repeats!r})"
        )
    if num_repeats < 1:
        raise ValueError(
            f"{owner}: the num_repeats value needs to be equal or greater than one, "
            f"actual value: {num_repeats}"
        )
    return int(num_repeats)


def is_host_reward(reward: Any) -> bool:
    """Python numbers and NumPy scalars of any int/float type are one kind: host rewards."""
    return isinstance(reward, (int, float, np.generic))


def accumulate_reward(total: Any, reward: Any) -> Any:
    """Add one inner step's reward: host rewards as a Python float (Gymnasium), arrays as arrays.

    ``total`` is ``None`` before the first inner step. Array rewards stay in their namespace
    and on their device (``0.0 + r`` is ``r`` exactly, so the sums equal Gymnasium's on the host).
    """
    if is_host_reward(reward):
        return (0.0 if total is None else total) + float(reward)
    return reward if total is None else total + reward


class RepeatAction(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Repeat each action ``num_repeats`` times, summing the rewards.

    Gymnasium's ``RepeatAction``: the env steps up to ``num_repeats`` times with the same action,
    stopping early when the episode ends; the last step's observation, flags and info are
    returned with the summed reward. Host rewards (Python numbers, NumPy scalars) sum to a
    Python float, as in Gymnasium; array rewards sum in their namespace on their device. Stopping
    early reads ``terminated``/``truncated`` on the host, as the single-env loop must. The vector
    twin is :class:`array_env.vector.RepeatAction`.

    Args:
        env: The environment.
        num_repeats: How many times each action is applied, at least 1.

    Raises:
        TypeError: If ``num_repeats`` is not an integer.
        ValueError: If ``num_repeats`` is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> env = RepeatAction(gym.make("CartPole-v1"), num_repeats=4)
        >>> _ = env.reset(seed=123)
        >>> env.step(1)[1]
        4.0
    """

    def __init__(self, env: gym.Env[Obs, Act], num_repeats: int) -> None:
        repeats = check_num_repeats(type(self).__name__, num_repeats)
        gym.utils.RecordConstructorArgs.__init__(self, num_repeats=num_repeats)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.num_repeats = repeats

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env up to ``num_repeats`` times with ``action``; sum the rewards."""
        step = self.env.step
        observation, reward, terminated, truncated, info = step(action)
        # accumulate_reward, inlined for Python float rewards (the usual kind): `0.0 + r` and
        # `total + r` are its sums exactly; other kinds take it
        total = 0.0 + reward if type(reward) is float else accumulate_reward(None, reward)
        left = self.num_repeats - 1
        while left and not (terminated or truncated):
            observation, reward, terminated, truncated, info = step(action)
            total = total + reward if type(reward) is float else accumulate_reward(total, reward)
            left -= 1
        return observation, total, terminated, truncated, info
