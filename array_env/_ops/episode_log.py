"""A device-side ring of the last ``capacity`` finished episodes: RecordEpisodeStatistics' queues.

A vector env's done mask lives on the device, so the wrapper cannot ask on the host which
sub-envs finished without a synchronisation. Instead, every step ranks the finished sub-envs
with a cumulative sum, keeps the last ``capacity`` of them (in sub-env order, as Gymnasium
appends them) and scatters their return, length and time into three rings at
``(count + rank - 1) % capacity``; sub-envs that did not finish write a discard slot at index
``capacity``. The episode count is a device scalar. Nothing here reads the device:
:func:`read_log` does, once, when ``return_queue``/``length_queue``/``time_queue`` are read.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

from array_env._ops.scatter import scatter_set
from array_env.typing import Device, Namespace

__all__ = ["EpisodeLog", "HostEpisodeLog", "read_log", "record_episodes", "start_log"]


class EpisodeLog(NamedTuple):
    """Rings of ``capacity + 1`` slots (the last one discards) and the episodes recorded.

    Attributes:
        returns: Episode returns.
        lengths: Episode lengths.
        times: Episode wall-clock durations in seconds.
        count: A 0-d integer array: episodes recorded since the start.
    """

    returns: Any
    lengths: Any
    times: Any
    count: Any


def start_log(
    capacity: int, *, float_dtype: Any, int_dtype: Any, xp: Namespace[Any], device: Device
) -> EpisodeLog:
    """An empty log of ``capacity`` episodes on ``device``."""
    return EpisodeLog(
        xp.zeros((capacity + 1,), dtype=float_dtype, device=device),
        xp.zeros((capacity + 1,), dtype=int_dtype, device=device),
        xp.zeros((capacity + 1,), dtype=float_dtype, device=device),
        xp.zeros((), dtype=int_dtype, device=device),
    )


def record_episodes(
    log: EpisodeLog,
    done: Any,
    returns: Any,
    lengths: Any,
    times: Any,
    *,
    capacity: int,
    xp: Namespace[Any],
) -> EpisodeLog:
    """Append the episodes of the sub-envs in ``done`` (in sub-env order) to the log.

    Args:
        log: The current log (its rings may be written in place).
        done: Boolean ``(num_envs,)`` mask of the sub-envs whose episode just finished.
        returns: ``(num_envs,)`` episode returns, of the log's float dtype.
        lengths: ``(num_envs,)`` episode lengths, of the log's integer dtype.
        times: ``(num_envs,)`` episode durations, of the log's float dtype.
        capacity: The number of episodes the log keeps.
        xp: The namespace.
    """
    rank = xp.cumulative_sum(xp.astype(done, log.count.dtype))
    total = rank[-1]
    keep = xp.logical_and(done, rank > total - capacity)
    slot = xp.where(keep, (log.count + rank - 1) % capacity, capacity)
    return EpisodeLog(
        scatter_set(log.returns, slot, returns, xp=xp),
        scatter_set(log.lengths, slot, lengths, xp=xp),
        scatter_set(log.times, slot, times, xp=xp),
        log.count + total,
    )


def read_log(log: EpisodeLog, capacity: int) -> tuple[Any, Any, Any]:
    """Copy the recorded episodes to the host, oldest first: NumPy returns, lengths and times.

    This reads the device (one synchronisation); call it only when the values are wanted.
    """
    import numpy as np

    from array_env.convert import to_namespace

    count = int(to_namespace(log.count, "numpy"))
    kept = min(count, capacity)
    order = (count - kept + np.arange(kept)) % capacity
    host = [np.asarray(to_namespace(ring, "numpy"))[order] for ring in log[:3]]
    return host[0], host[1], host[2]


class HostEpisodeLog:
    """The same log for host-resident (NumPy) arrays, where asking the mask costs nothing.

    Each step with finished episodes keeps references to that step's ``(done, r, l, t)``
    arrays (new arrays every step, never written again) and how many finished; steps are
    dropped from the front once the later ones hold ``capacity`` episodes. Reading selects
    and concatenates. This replaces the ring's dozen array calls per step with one count.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.count = 0
        self._steps: deque[tuple[int, Any, Any, Any, Any]] = deque()
        self._kept = 0

    def record(self, finished: int, done: Any, returns: Any, lengths: Any, times: Any) -> None:
        """Keep one step's episodes; ``finished`` is how many are in ``done`` (at least 1)."""
        self._steps.append((finished, done, returns, lengths, times))
        self._kept += finished
        self.count += finished
        while self._kept - self._steps[0][0] >= self.capacity:
            self._kept -= self._steps.popleft()[0]

    def read(self) -> tuple[Any, Any, Any]:
        """The last ``capacity`` episodes' returns, lengths and times, oldest first."""
        import numpy as np

        if not self._steps:
            return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = [
            np.concatenate([np.asarray(step[k])[np.asarray(step[1])] for step in self._steps])
            for k in (2, 3, 4)
        ]
        return (
            columns[0][-self.capacity :],
            columns[1][-self.capacity :],
            columns[2][-self.capacity :],
        )
