"""Autoreset on a host-resident backend: fill only the rows that reset, in place where allowed.

A vector env on a GPU selects a fresh state for every sub-environment with ``xp.where``, because
its done mask lives on the device. On NumPy the mask is already a host array, so the env decodes
the same host draw for just the rows that reset and writes them into the new state, which saves
a pass over every field and the float work for the rows that keep running. The values are those
of the ``where`` path: the decode is elementwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fill_rows", "reset_rows", "take_columns"]


def reset_rows(mask: Any) -> Any:
    """Return the indices where the NumPy boolean ``mask`` is true.

    Examples:
        >>> reset_rows(np.array([False, True, True])).tolist()
        [1, 2]
    """
    return np.nonzero(mask)[0]


def take_columns(draw: Any, rows: Any) -> Any:
    """Return the columns ``rows`` of a ``(fields, N)`` NumPy draw, ``(fields, len(rows))``.

    Examples:
        >>> take_columns(np.arange(6).reshape(2, 3), np.array([0, 2])).tolist()
        [[0, 2], [3, 5]]
    """
    return np.take(draw, rows, axis=1)


def fill_rows(array: Any, rows: Any, values: Any, *, in_place: bool) -> Any:
    """Return ``array`` with ``values`` at ``rows``; a copy unless ``in_place``.

    Args:
        array: A NumPy array indexed by sub-environment on its first axis.
        rows: Integer indices from :func:`reset_rows`.
        values: The new rows (an array with a first axis of ``len(rows)``, or a scalar).
        in_place: Write into ``array`` itself; only for arrays nothing else references.

    Examples:
        >>> state = np.zeros(3)
        >>> fill_rows(state, reset_rows(np.array([True, False, True])), 7.0, in_place=False)
        array([7., 0., 7.])
        >>> state
        array([0., 0., 0.])
    """
    if not in_place:
        array = array.copy()
    array[rows] = values
    return array
