"""A ring buffer of each sub-environment's last ``stack_size`` frames: FrameStackObservation's core.

The state is one preallocated ``(*batch, stack_size, *frame)`` buffer and the slot of the newest
frame. A step writes the new frame into the next slot, ``O(frame)`` per sub-env, and never
shifts, concatenates or reallocates the stack. Reading the stack in temporal order (oldest
first, as Gymnasium returns it) is one gather with an index vector: a slice of one precomputed
``(2 * stack_size - 1)``-long cycle of slot numbers, so the tables stay linear in ``stack_size``
(3000 frames: 5999 indices, not 9M). The gather builds the returned array, which must be a new
array anyway so that later writes into the buffer cannot change an observation the caller holds.
The trade-off: a step costs one frame write plus one ``O(stack)`` gather, against Gymnasium's
``O(stack)`` copy into its buffer plus an ``O(stack)`` deep copy.

Padding is not written into the buffer: each sub-env carries its ``age`` (frames pushed since
its reset, capped at ``stack_size - 1``), and slots older than that read as the padding value
(the reset frame, zeros or a custom frame). Resetting some sub-envs is therefore an ``O(batch)``
update of ages and padding, never a pass over the buffer.

All sub-envs of a vector env step in lockstep, so one host integer ``newest`` serves them all;
the ages of a vector env are a device array updated with masks, so no step reads the device.
The buffer is owned by the state and written in place where the backend allows it (NumPy,
PyTorch, CuPy, array-api-strict); JAX builds a new buffer per write (``.at[].set``), which is
free under ``jax.jit``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import array_api_compat as compat

from array_env.typing import Device, Namespace

__all__ = [
    "FrameRing",
    "RingLayout",
    "make_layout",
    "oldest_in_window",
    "push_frame",
    "push_window",
    "restart_rows",
    "stack_order",
    "stacked_frames",
    "start_ring",
    "start_window",
]


class RingLayout(NamedTuple):
    """Constants of one ring buffer, computed once per namespace and device.

    Attributes:
        stack_size: Frames per stack.
        batch_ndim: 0 for a single env, 1 for a vector env (the leading sub-env axis).
        frame_ndim: Number of axes of one frame.
        pad_with_first: Whether the padding is each sub-env's first frame after its reset.
        cycle: ``[1, ..., stack_size - 1, 0, 1, ..., stack_size - 1]`` as device integers:
            ``cycle[k : k + stack_size]`` gathers the stack oldest first when slot ``k`` is the
            newest (:func:`stack_order`).
        slots: ``arange(stack_size)`` as device integers.
        in_place: Whether buffer writes may mutate it (every backend but JAX).
    """

    stack_size: int
    batch_ndim: int
    frame_ndim: int
    pad_with_first: bool
    cycle: Any
    slots: Any
    in_place: bool


class FrameRing(NamedTuple):
    """The state of a frame stack.

    Attributes:
        frames: ``(*batch, stack_size, *frame)``; slots not yet written since a reset hold stale
            frames and read as padding.
        newest: The slot of the newest frame (a host integer shared by every sub-env).
        age: Frames pushed since the reset, capped at ``stack_size - 1``: a Python int for a
            single env, an integer array of shape ``batch`` for a vector env.
        padding: The padding frame: ``(*batch, *frame)`` when padding with the first frame,
            else one ``frame``-shaped array for every sub-env.
    """

    frames: Any
    newest: int
    age: Any
    padding: Any


def make_layout(
    stack_size: int,
    *,
    batch_ndim: int,
    frame_ndim: int,
    pad_with_first: bool,
    xp: Namespace[Any],
    device: Device,
) -> RingLayout:
    """Precompute the gather indices of a ring of ``stack_size`` slots (``O(stack_size)``).

    Examples:
        >>> import array_api_strict as xp
        >>> layout = make_layout(3, batch_ndim=0, frame_ndim=1, pad_with_first=True, xp=xp,
        ...                      device=xp.Device("CPU_DEVICE"))
        >>> [[int(i) for i in stack_order(layout, newest)] for newest in range(3)]
        [[1, 2, 0], [2, 0, 1], [0, 1, 2]]
    """
    index = xp.__array_namespace_info__().default_dtypes(device=device)["indexing"]
    slots = xp.arange(stack_size, dtype=index, device=device)
    cycle = xp.arange(1, 2 * stack_size, dtype=index, device=device) % stack_size
    return RingLayout(
        stack_size, batch_ndim, frame_ndim, pad_with_first, cycle, slots,
        in_place=not compat.is_jax_namespace(xp),
    )  # fmt: skip


def stack_order(layout: RingLayout, newest: int) -> Any:
    """The slots of a stack, oldest first, when slot ``newest`` holds the newest frame."""
    return layout.cycle[newest : newest + layout.stack_size]


def start_ring(
    first: Any, *, layout: RingLayout, padding: Any = None, xp: Namespace[Any]
) -> FrameRing:
    """Start every sub-env's stack from ``first`` (the reset frames), padded as the layout says.

    Args:
        first: The reset frame(s), ``(*batch, *frame)``.
        layout: The ring's constants.
        padding: The constant padding frame when ``layout.pad_with_first`` is false.
        xp: The namespace of ``first``.
    """
    frames = xp.stack([first] * layout.stack_size, axis=layout.batch_ndim)
    if layout.batch_ndim == 0:
        age: Any = 0
    else:
        age = xp.zeros(first.shape[:1], dtype=layout.slots.dtype, device=layout.slots.device)
    return FrameRing(
        frames, layout.stack_size - 1, age, xp.asarray(first, copy=True)
        if layout.pad_with_first else padding,
    )  # fmt: skip


def _write(frames: Any, slot: int, frame: Any, *, layout: RingLayout) -> Any:
    key = (slot, ...) if layout.batch_ndim == 0 else (slice(None), slot, ...)
    if layout.in_place:
        frames[key] = frame
        return frames
    return frames.at[key].set(frame)


def _row_mask(mask: Any, ndim: int, xp: Namespace[Any]) -> Any:
    """Reshape a ``(batch,)`` mask to broadcast against ``(batch, *ndim axes)``."""
    return xp.reshape(mask, (mask.shape[0],) + (1,) * ndim)


def push_frame(
    ring: FrameRing, frame: Any, *, layout: RingLayout, restart: Any = None, xp: Namespace[Any]
) -> FrameRing:
    """Write ``frame`` as the newest frame; ``restart`` marks sub-envs whose episode it starts.

    Args:
        ring: The current state.
        frame: The new frame(s), ``(*batch, *frame)``, of the buffer's dtype.
        layout: The ring's constants.
        restart: ``None``, or (vector only) a boolean ``(batch,)`` mask of sub-envs for which
            ``frame`` is a reset frame (next-step autoreset): their stacks restart from it.
        xp: The namespace.
    """
    size = layout.stack_size
    newest = ring.newest + 1 if ring.newest + 1 < size else 0
    frames = _write(ring.frames, newest, frame, layout=layout)
    if layout.batch_ndim == 0:
        age: Any = ring.age + 1 if ring.age + 1 < size else size - 1
        return FrameRing(frames, newest, age, ring.padding)
    age = xp.minimum(ring.age + 1, size - 1)
    padding = ring.padding
    if restart is not None:
        age = xp.where(restart, 0, age)
        if layout.pad_with_first:
            padding = xp.where(_row_mask(restart, layout.frame_ndim, xp), frame, padding)
    return FrameRing(frames, newest, age, padding)


def restart_rows(
    ring: FrameRing, frame: Any, mask: Any, *, layout: RingLayout, xp: Namespace[Any]
) -> FrameRing:
    """Restart the sub-envs in ``mask`` from their reset frames in ``frame``; keep the others.

    Their reset frame replaces the newest slot (nothing is pushed for the other sub-envs), as
    for a partial ``reset(options={"reset_mask": mask})`` or a same-step autoreset.
    """
    rows = _row_mask(mask, layout.frame_ndim, xp)
    key = (slice(None), ring.newest, ...)
    frames = _write(ring.frames, ring.newest, xp.where(rows, frame, ring.frames[key]),
                    layout=layout)  # fmt: skip
    padding = xp.where(rows, frame, ring.padding) if layout.pad_with_first else ring.padding
    return FrameRing(frames, ring.newest, xp.where(mask, 0, ring.age), padding)


def stacked_frames(ring: FrameRing, *, layout: RingLayout, xp: Namespace[Any]) -> Any:
    """Return a new ``(*batch, stack_size, *frame)`` array: each stack oldest first, padded."""
    size, axis = layout.stack_size, layout.batch_ndim
    gathered = xp.take(ring.frames, stack_order(layout, ring.newest), axis=axis)
    if axis == 0:
        if ring.age == size - 1:
            return gathered
        valid = xp.reshape(layout.slots >= size - 1 - ring.age, (size,) + (1,) * layout.frame_ndim)
        return xp.where(valid, gathered, ring.padding)
    valid = layout.slots >= xp.reshape((size - 1) - ring.age, (-1, 1))
    valid = xp.reshape(valid, valid.shape + (1,) * layout.frame_ndim)
    padding = xp.expand_dims(ring.padding, axis=1) if layout.pad_with_first else ring.padding
    return xp.where(valid, gathered, padding)


def start_window(first: Any, delay: int) -> tuple[Any, ...]:
    """DelayObservation's single-env state after a reset: ``delay`` empty slots, then ``first``.

    The window holds one env's last ``delay + 1`` frames as they arrived, oldest first; an
    empty slot (``None``, a static leaf under ``jax.jit``) reads as the padding. A frame is read
    once, when it is the oldest, and then leaves the window: it is never written to, so it
    needs no copy, and a step is one tuple slice where a buffer costs a write and a copy.
    """
    return (None,) * delay + (first,)


def push_window(
    window: tuple[Any, ...], frame: Any, padding: Any, *, xp: Namespace[Any]
) -> tuple[tuple[Any, ...], Any]:
    """Append ``frame``, drop the oldest slot; return the window and its new oldest frame.

    The oldest frame is :func:`oldest_in_window`'s: the frame itself, or a copy of
    ``padding`` for an empty slot. (The single DelayObservation runs this step on a ``deque``.)
    """
    window = window[1:] + (frame,)  # noqa: RUF005  # a slice and a concat: the cheapest
    return window, oldest_in_window(window, padding, xp=xp)


def oldest_in_window(window: tuple[Any, ...], padding: Any, *, xp: Namespace[Any]) -> Any:
    """The window's oldest frame (the frame itself), or a copy of ``padding`` for an empty slot."""
    oldest = window[0]
    return xp.asarray(padding, copy=True) if oldest is None else oldest
