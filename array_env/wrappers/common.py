"""Common wrappers: episode bookkeeping, its functional core and its single-environment shell.

The vector twin in :mod:`array_env.vector.common` calls the same core with a leading batch axis
and masks.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, NamedTuple, TypeVar

import gymnasium as gym
import numpy as np

from array_env._ops.stop_gradient import stop_gradient
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._host_reward import is_host_number

__all__ = [
    "EpisodeTally",
    "RecordEpisodeStatistics",
    "advance_episodes",
    "check_statistics_arguments",
    "clear_episodes",
    "finished_episodes",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")


class EpisodeTally(NamedTuple):
    """The running episode of each sub-env.

    Attributes:
        returns: Sum of rewards so far: a Python number or 0-d array (single), ``(n,)`` (vector).
        lengths: Steps so far: a Python int (single), an ``(n,)`` integer array (vector).
        starts: When each episode started on the wrapper's host clock: a Python float in
            seconds (single), an ``(n,)`` float array in microseconds (vector).
    """

    returns: Any
    lengths: Any
    starts: Any


def advance_episodes(
    tally: EpisodeTally,
    rewards: Any,
    *,
    restart: Any = None,
    now: float = 0.0,
    xp: Namespace[Any] | None = None,
) -> EpisodeTally:
    """Add one step's rewards; ``restart`` marks sub-envs whose step was a reset step.

    Args:
        tally: The running episodes.
        rewards: The step's reward(s).
        restart: ``None``, or (vector, next-step autoreset) a boolean mask of sub-envs that
            were reset by this step: their episode starts now with return 0 and length 0.
        now: The host clock, for the restarted episodes' start.
        xp: The namespace (needed only with ``restart``).
    """
    returns, lengths = tally.returns + rewards, tally.lengths + 1
    if restart is None:
        return EpisodeTally(returns, lengths, tally.starts)
    assert xp is not None
    return EpisodeTally(
        xp.where(restart, 0.0, returns),
        xp.where(restart, 0, lengths),
        xp.where(restart, now, tally.starts),
    )


def clear_episodes(
    tally: EpisodeTally, mask: Any, *, now: float, xp: Namespace[Any]
) -> EpisodeTally:
    """Start new episodes (return 0, length 0, started ``now``) for the sub-envs in ``mask``."""
    return EpisodeTally(
        xp.where(mask, 0.0, tally.returns),
        xp.where(mask, 0, tally.lengths),
        xp.where(mask, now, tally.starts),
    )


def finished_episodes(
    tally: EpisodeTally, done: Any, *, now: float, xp: Namespace[Any]
) -> tuple[Any, Any, Any]:
    """Return ``(r, l, t)`` where ``done``, zeros elsewhere (Gymnasium's ``info`` layout).

    ``now`` and ``tally.starts`` are in microseconds; ``t`` is the episode's wall-clock duration
    in seconds, rounded to microseconds.
    """
    elapsed = xp.round(now - tally.starts) * 1e-6
    return (
        xp.where(done, tally.returns, 0.0),
        xp.where(done, tally.lengths, 0),
        xp.where(done, elapsed, 0.0),
    )


def check_statistics_arguments(owner: str, buffer_length: object, stats_key: object) -> None:
    """Raise for a ``buffer_length`` that is not a positive int or a ``stats_key`` not a str.

    The arguments are typed ``object``: they come from users, and are checked here at run time.
    """
    if isinstance(buffer_length, bool) or not isinstance(buffer_length, int | np.integer):
        raise TypeError(
            f"{owner}: buffer_length must be an int, got {type(buffer_length).__name__}"
        )
    if buffer_length < 1:
        raise ValueError(f"{owner}: buffer_length must be at least 1, got {buffer_length}")
    if not isinstance(stats_key, str):
        raise TypeError(f"{owner}: stats_key must be a str, got {type(stats_key).__name__}")


class RecordEpisodeStatistics(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Record each episode's return, length and duration in ``info`` and in rolling queues.

    At the end of an episode ``info[stats_key]`` is ``{"r": return, "l": length, "t": seconds}``
    and the three values are appended to :attr:`return_queue`, :attr:`length_queue` and
    :attr:`time_queue` (the last ``buffer_length`` episodes), as in Gymnasium. With host rewards
    (Python numbers and NumPy scalars of any int or float type, mixed in any order, as
    Gymnasium's envs return them) everything is identical to Gymnasium's wrapper. With array
    rewards the return is accumulated (detached) on their device and ``"r"`` is a 0-d array of
    their namespace, a copy of its own (Gymnasium would read it back as a float: a device
    synchronisation every episode); the queues hold those arrays and give floats when read.
    Whether an episode ended is read on the host (``bool(terminated or truncated)``), which a
    single env's caller does anyway to call ``reset``; the vector twin,
    :class:`array_env.vector.RecordEpisodeStatistics`, never reads the device.

    Args:
        env: The environment.
        buffer_length: How many episodes the queues keep, at least 1.
        stats_key: The ``info`` key of the statistics.

    Raises:
        TypeError: If ``buffer_length`` is not an int or ``stats_key`` not a str.
        ValueError: If ``buffer_length < 1``.

    Examples:
        >>> import gymnasium as gym
        >>> env = RecordEpisodeStatistics(gym.make("CartPole-v1"))
        >>> _ = env.reset(seed=0)
        >>> done = False
        >>> while not done:
        ...     _, _, terminated, truncated, info = env.step(1)
        ...     done = terminated or truncated
        >>> info["episode"]["r"], info["episode"]["l"]
        (8.0, 8)
        >>> list(env.return_queue), list(env.length_queue), env.episode_count
        ([8.0], [8], 1)
    """

    def __init__(
        self, env: gym.Env[Obs, Act], buffer_length: int = 100, stats_key: str = "episode"
    ) -> None:
        check_statistics_arguments(type(self).__name__, buffer_length, stats_key)
        gym.utils.RecordConstructorArgs.__init__(
            self, buffer_length=buffer_length, stats_key=stats_key
        )
        super().__init__(env)  # core.Wrapper.__init__: RecordConstructorArgs was set up above
        self._stats_key = stats_key
        self.episode_count = 0
        self.episode_returns: Any = 0.0
        """The return of the running episode (a Python number or a 0-d array)."""
        self.episode_lengths = 0
        """The length of the running episode."""
        self.episode_start_time = -1.0
        """When the running episode started (``time.perf_counter()`` seconds)."""
        self._contract: ArrayContract | None = None
        self._returns: deque[Any] = deque(maxlen=int(buffer_length))
        self.length_queue: deque[int] = deque(maxlen=int(buffer_length))
        self.time_queue: deque[float] = deque(maxlen=int(buffer_length))

    @property
    def return_queue(self) -> deque[Any]:
        """The last episodes' returns as Python numbers, oldest first (a snapshot).

        Returns recorded as device arrays are read back here, not during the episodes.
        """
        if self._contract is None:
            return self._returns
        return deque((float(r) for r in self._returns), maxlen=self._returns.maxlen)

    @return_queue.setter
    def return_queue(self, value: deque[Any]) -> None:
        self._returns = deque(value, maxlen=self._returns.maxlen)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env and start a new episode at return 0 and length 0."""
        observation, info = self.env.reset(seed=seed, options=options)
        self.episode_returns, self.episode_lengths = 0.0, 0
        self.episode_start_time = time.perf_counter()
        return observation, info

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env; at an episode's end add its statistics to ``info`` and the queues.

        Raises:
            ArrayMismatchError: If the reward is neither a number (Python or NumPy scalar) nor
                a 0-d array of the first array reward's namespace and device; nothing changes.
        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        value = reward
        # host numbers mix freely, as in Gymnasium (a float, np.float64 included, asks nothing)
        if not isinstance(reward, float) and not is_host_number(reward):
            contract = self._contract
            if contract is None:
                self._contract = contract_for(
                    reward, owner=type(self).__name__, name="reward", shape=()
                )
            elif not contract.matches(reward):
                contract.check(reward, owner=type(self).__name__, name="reward")
            value = stop_gradient(reward)
        # advance_episodes(tally, reward), inlined on plain attributes: the whole per-step cost
        returns = self.episode_returns = self.episode_returns + value
        length = self.episode_lengths = self.episode_lengths + 1
        if terminated or truncated:
            if self._stats_key in info:
                raise ValueError(
                    f"{type(self).__name__}: info already has the key {self._stats_key!r}"
                )
            now = time.perf_counter()
            elapsed = round(now - self.episode_start_time, 6)
            recorded = returns
            if self._contract is not None and not is_host_number(returns):
                recorded = self._contract.xp.asarray(returns, copy=True)  # info's own copy
            info = {**info, self._stats_key: {"r": recorded, "l": length, "t": elapsed}}
            self._returns.append(returns)
            self.length_queue.append(length)
            self.time_queue.append(elapsed)
            self.episode_count += 1
            self.episode_start_time = now
        return observation, reward, terminated, truncated, info
