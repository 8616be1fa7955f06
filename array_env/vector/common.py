"""Vector common wrappers: the twins of :mod:`array_env.wrappers.common`."""

from __future__ import annotations

import time
from collections import deque
from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from array_env._ops.episode_log import (
    EpisodeLog,
    HostEpisodeLog,
    read_log,
    record_episodes,
    start_log,
)
from array_env._ops.running_moments import statistics_dtype
from array_env._ops.stop_gradient import stop_gradient
from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, checked_reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.common import (
    EpisodeTally,
    advance_episodes,
    check_statistics_arguments,
    clear_episodes,
    finished_episodes,
)

__all__ = ["RecordEpisodeStatistics"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")


class RecordEpisodeStatistics(
    VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs
):
    """Record every sub-env's episode returns, lengths and durations, on the rewards' device.

    The vector twin of :class:`array_env.wrappers.RecordEpisodeStatistics`, laid out as
    Gymnasium's: when sub-envs finish, ``info[stats_key]`` holds ``"r"``, ``"l"`` and ``"t"``
    arrays (zeros for sub-envs that did not finish) and ``info["_" + stats_key]`` the boolean
    mask of those that did. Returns and lengths are accumulated on the device, with masks; the
    finished episodes go into a device-side ring (:mod:`array_env._ops.episode_log`; with
    NumPy, a list of the steps that had any), and :attr:`return_queue`, :attr:`length_queue`,
    :attr:`time_queue` and :attr:`episode_count` read it back only when they are read. No step
    reads the device, which has one visible consequence: on a device backend the ``info`` keys
    are present on *every* step (the mask says which sub-envs finished, possibly none), where
    Gymnasium adds them only on steps where some sub-env finished. With NumPy rewards the done
    mask is on the host already and the layout is exactly Gymnasium's. Episode boundaries follow
    the autoreset mode:

    * next-step: the reset step after an episode's end starts the new episode and does not
      count (its reward is 0);
    * same-step: the finishing step counts, and the next episode starts right after it;
    * disabled: ``reset(options={"reset_mask": mask})`` starts new episodes for ``mask``.

    What ``info`` gets never aliases the wrapper's history: editing it in place changes no
    queue, count or mask. ``reset_mask`` is checked (a boolean array of shape ``(num_envs,)``,
    of the rewards' namespace and device) before the env is reset; a first step that fails
    half-way (the log cannot be allocated) leaves the wrapper as it was.

    Durations ``"t"`` use the host clock (seconds since the episode's start, rounded to
    microseconds), sent to the device as a scalar: no synchronisation.

    Args:
        env: The vector environment.
        buffer_length: How many episodes the queues keep, at least 1.
        stats_key: The ``info`` key of the statistics.

    Raises:
        TypeError: If ``buffer_length`` is not an int or ``stats_key`` not a str.
        ValueError: If ``buffer_length < 1``.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync")
        >>> envs = RecordEpisodeStatistics(envs)
        >>> _ = envs.reset(seed=123)
        >>> while True:
        ...     _, _, terminated, truncated, infos = envs.step(np.ones(3, dtype=np.int64))
        ...     if "episode" in infos:
        ...         break
        >>> infos["_episode"].tolist(), infos["episode"]["l"].tolist()
        ([True, False, True], [9, 0, 9])
        >>> [int(n) for n in envs.length_queue], envs.episode_count
        ([9, 9], 2)
    """

    def __init__(
        self, env: VectorEnv[Obs, Act, A], buffer_length: int = 100, stats_key: str = "episode"
    ) -> None:
        check_statistics_arguments(type(self).__name__, buffer_length, stats_key)
        gym.utils.RecordConstructorArgs.__init__(
            self, buffer_length=buffer_length, stats_key=stats_key
        )
        VectorWrapper.__init__(self, env)
        self._stats_key = stats_key
        self._buffer_length = int(buffer_length)
        self._mode = autoreset_mode(env)
        self._origin = time.perf_counter()  # device times are relative: float32 keeps them exact
        self._reset_time = 0.0
        self._contract: ArrayContract | None = None
        self._flags: ArrayContract | None = None
        self._tally: EpisodeTally | None = None
        self._log: EpisodeLog | None = None
        self._host_log = HostEpisodeLog(int(buffer_length))
        self._host_resident = False
        self._prev_done: Any = None

    def _queues(self) -> tuple[Any, Any, Any]:
        if self._log is None:
            return self._host_log.read()
        return read_log(self._log, self._buffer_length)

    @property
    def return_queue(self) -> deque[Any]:
        """The last ``buffer_length`` episodes' returns, oldest first (read from the device)."""
        return deque(self._queues()[0], maxlen=self._buffer_length)

    @property
    def length_queue(self) -> deque[Any]:
        """The last ``buffer_length`` episodes' lengths, oldest first (read from the device)."""
        return deque(self._queues()[1], maxlen=self._buffer_length)

    @property
    def time_queue(self) -> deque[Any]:
        """The last ``buffer_length`` episodes' durations, oldest first (read from the device)."""
        return deque(self._queues()[2], maxlen=self._buffer_length)

    @property
    def episode_count(self) -> int:
        """Episodes finished since the wrapper was made (read from the device)."""
        if self._log is None:
            return self._host_log.count
        return int(convert_array(self._log.count, xp=_numpy()))

    @property
    def episode_returns(self) -> Any:
        """The running episodes' returns, ``(num_envs,)`` on the device (NumPy zeros before)."""
        if self._tally is None:
            return _numpy().zeros(self.num_envs)
        return self._tally.returns

    @property
    def episode_lengths(self) -> Any:
        """The running episodes' lengths, ``(num_envs,)`` on the device (NumPy zeros before)."""
        if self._tally is None:
            return _numpy().zeros(self.num_envs, dtype=_numpy().int64)
        return self._tally.lengths

    @property
    def episode_start_times(self) -> Any:
        """When each running episode started, ``time.perf_counter()`` seconds (a NumPy copy)."""
        if self._tally is None:
            return _numpy().full(self.num_envs, self._origin + self._reset_time * 1e-6)
        starts = convert_array(self._tally.starts, xp=_numpy())
        return _numpy().astype(starts, _numpy().float64) * 1e-6 + self._origin

    @property
    def prev_dones(self) -> Any:
        """Which sub-envs finished at the last step, ``(num_envs,)`` booleans."""
        if self._prev_done is None:
            return _numpy().zeros(self.num_envs, dtype=_numpy().bool)
        return self._prev_done

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the sub-envs; start new episodes for those that were reset."""
        contract = self._contract
        # checked and read first: Gymnasium's vector envs pop it from options
        mask = checked_reset_mask(
            type(self).__name__, options, self.num_envs,
            xp=None if contract is None else contract.xp,
            device=None if contract is None else contract.device,
        )  # fmt: skip
        result = self.env.reset(seed=seed, options=options)
        now = (time.perf_counter() - self._origin) * 1e6
        tally = self._tally
        if mask is None or contract is None or tally is None:
            self._reset_time = now
            self._tally = None if contract is None else self._fresh_tally(contract)
            self._prev_done = None
        else:
            xp = contract.fast_xp
            self._tally = clear_episodes(tally, mask, now=now, xp=xp)
            if self._prev_done is not None:
                self._prev_done = xp.logical_and(self._prev_done, xp.logical_not(mask))
        return result

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs; record the episodes that finished."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        contract = self._check(rewards, terminated, truncated)
        xp = contract.fast_xp
        tally = self._tally
        if tally is None:
            tally = self._fresh_tally(contract)
        now = (time.perf_counter() - self._origin) * 1e6
        rewards_in = stop_gradient(rewards)
        if self._cast_rewards:
            rewards_in = xp.astype(rewards_in, self._float_dtype)
        restart = None if self._mode is AutoresetMode.SAME_STEP else self._prev_done
        tally = advance_episodes(tally, rewards_in, restart=restart, now=now, xp=xp)
        done = xp.logical_or(terminated, truncated)
        finished = int(xp.count_nonzero(done)) if self._host_resident else -1
        key = self._stats_key
        if finished != 0 and (key in infos or f"_{key}" in infos):
            raise ValueError(
                f"{type(self).__name__}: info already has the key {key!r} or {'_' + key!r}: "
                f"{list(infos)}"
            )
        if self._mode is not AutoresetMode.SAME_STEP:
            self._prev_done = done
        if finished == 0:  # only asked where the mask is on the host
            self._tally = tally
            return observations, rewards, terminated, truncated, infos
        r, length, t = finished_episodes(tally, done, now=now, xp=xp)
        if self._log is None:
            self._host_log.record(finished, done, r, length, t)
            # the host log keeps these very arrays: info gets its own copies
            r, length, t = (xp.asarray(a, copy=True) for a in (r, length, t))
        else:
            self._log = record_episodes(
                self._log, done, r, length, t, capacity=self._buffer_length, xp=xp
            )
        if self._mode is AutoresetMode.SAME_STEP:
            tally = clear_episodes(tally, done, now=now, xp=xp)
        self._tally = tally
        # done is kept (_prev_done, the host log): info gets a copy
        infos = {
            **infos,
            key: {"r": r, "l": length, "t": t},
            f"_{key}": xp.asarray(done, copy=True),
        }
        return observations, rewards, terminated, truncated, infos

    def _check(self, rewards: Any, terminated: Any, truncated: Any) -> ArrayContract:
        owner = type(self).__name__
        contract = self._contract
        flags: ArrayContract | None
        if contract is None:  # checked in full before anything is adopted
            candidate = contract_for(rewards, owner=owner, name="rewards", shape=(self.num_envs,))
            candidate = candidate._replace(dtype=rewards.dtype)
            flags = candidate._replace(dtype=candidate.xp.bool)
        else:
            candidate, flags = contract, self._flags
            if not contract.matches(rewards):
                contract.check(rewards, owner=owner, name="rewards")
        assert flags is not None
        if not flags.matches(terminated):
            flags.check(terminated, owner=owner, name="terminated")
        if not flags.matches(truncated):
            flags.check(truncated, owner=owner, name="truncated")
        if contract is None:
            self._first_contact(candidate)
        return candidate

    def _first_contact(self, contract: ArrayContract) -> None:
        # everything is built first and assigned last: a failure (the log cannot be allocated,
        # a device out of memory) leaves the wrapper as it was, without a contract
        xp, device = contract.xp, contract.device
        float_dtype = statistics_dtype(xp, device)
        int_dtype = xp.__array_namespace_info__().default_dtypes(device=device)["integral"]
        host_resident = compat.is_numpy_namespace(xp)
        log = None
        if not host_resident:
            log = start_log(
                self._buffer_length, float_dtype=float_dtype, int_dtype=int_dtype,
                xp=contract.fast_xp, device=device,
            )  # fmt: skip
        self._float_dtype, self._int_dtype = float_dtype, int_dtype
        # float32 + float64 promotes by the standard; only integer or bool rewards need a cast
        self._cast_rewards = not xp.isdtype(contract.dtype, "real floating")
        self._host_resident = host_resident
        self._flags = contract._replace(dtype=xp.bool)
        self._log = log
        self._contract = contract

    def _fresh_tally(self, contract: ArrayContract) -> EpisodeTally:
        xp, device, n = contract.fast_xp, contract.device, self.num_envs
        return EpisodeTally(
            xp.zeros((n,), dtype=self._float_dtype, device=device),
            xp.zeros((n,), dtype=self._int_dtype, device=device),
            xp.full((n,), self._reset_time, dtype=self._float_dtype, device=device),
        )


def _numpy() -> Any:
    from array_env._namespace import resolve_namespace

    return resolve_namespace("numpy")
