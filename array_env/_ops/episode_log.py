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

from typing import Any, NamedTuple

from array_env._ops.scatter import scatter_set
from array_env.typing import Device, Namespace

__all__ = ["EpisodeLog", "read_log", "record_episodes", "start_log"]


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
    # The Namespace protocol (array_env.typing) does not list cumulative_sum yet.
    rank = xp.cumulative_sum(xp.astype(done, log.count.dtype))  # type: ignore[attr-defined]
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
