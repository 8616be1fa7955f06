"""Area resize of image batches written with ``xp``: OpenCV's ``INTER_AREA`` without OpenCV.

Gymnasium's ``ResizeObservation`` calls ``cv2.resize(obs, (w, h), interpolation=INTER_AREA)``.
That resize is separable: each output row is a weighted sum of a few input rows, and each output
column of a few input columns. The weights depend only on the two sizes, so they are computed
once on the host with NumPy (:func:`resize_plan`, following OpenCV's own coefficient rules) and
the data path is one ``take``, one product and a sum over the taps per axis
(:func:`resize_images`): no data-dependent shapes, no host round trip, any leading batch axes,
jit-safe.

OpenCV picks one of three rules from the two scale factors ``src / dst`` per axis:

* both axes shrink or keep their size (``scale >= 1``): every output pixel averages the input
  cell it covers, partial pixels weighted by their overlap ("area"; float32 sums rounded half
  to even, as OpenCV's ``saturate_cast``);
* some axis grows: two-tap linear interpolation with OpenCV's area-style coefficients, each
  quantised to 1/2048 as OpenCV's fixed-point path does, rounded half up;
* both scales integers: OpenCV's "fast area" averages whole cells; the same area weights apply,
  rounded half up for an exact halving (OpenCV's SIMD ``(a + b + c + d + 2) >> 2``).

Against ``cv2.resize`` on uint8 frames the result is equal on almost every pixel and never more
than one grey level away (float32 sums near a rounding tie, and OpenCV's SIMD fixed-point
shortcuts when enlarging): ``tests/test_resize.py`` measures it per size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from array_env.typing import Device, Namespace

__all__ = ["ResizePlan", "Resizer", "axis_taps", "image_resizer", "resize_images", "resize_plan"]

Resizer = Callable[[Any], Any]
"""A resize specialised to one input shape (:func:`image_resizer`): images in, images out."""

_COEF_SCALE = 2048  # OpenCV's INTER_RESIZE_COEF_SCALE: linear weights are multiples of 1/2048
_MAX_GRID = 2**20  # the most weights repeated into one grid (4 MiB of float32)


def _area_taps(src: int, dst: int) -> list[list[tuple[int, float]]]:
    """OpenCV's ``computeResizeAreaTab``: the input pixels and overlap weights per output pixel."""
    scale = src / dst
    taps: list[list[tuple[int, float]]] = []
    for d in range(dst):
        start = d * scale
        stop = start + scale
        cell = min(scale, src - start)
        first = math.ceil(start)
        last = min(math.floor(stop), src - 1)
        first = min(first, last)
        row: list[tuple[int, float]] = []
        if first - start > 1e-3:
            row.append((first - 1, (first - start) / cell))
        row.extend((s, 1.0 / cell) for s in range(first, last))
        if stop - last > 1e-3:
            row.append((last, min(min(stop - last, 1.0), cell) / cell))
        taps.append(row)
    return taps


def _linear_taps(src: int, dst: int) -> list[list[tuple[int, float]]]:
    """OpenCV's ``INTER_AREA`` rule when enlarging: two taps, weights in multiples of 1/2048."""
    scale, inverse = src / dst, dst / src
    taps: list[list[tuple[int, float]]] = []
    for d in range(dst):
        s = math.floor(d * scale)
        fraction = float(np.float32((d + 1) - (s + 1) * inverse))
        fraction = 0.0 if fraction <= 0 else fraction - math.floor(fraction)
        if s < 0:
            s, fraction = 0, 0.0
        if s >= src - 1:
            s, fraction = src - 1, 0.0
        low = round(float(np.float32(1.0 - fraction)) * _COEF_SCALE) / _COEF_SCALE
        high = round(float(np.float32(fraction)) * _COEF_SCALE) / _COEF_SCALE
        taps.append([(s, low), (min(s + 1, src - 1), high)])
    return taps


def axis_taps(src: int, dst: int, *, linear: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(indices, weights)``, both ``(taps, dst)``: output ``d`` is ``sum_k w * x[i]``.

    Output pixels with fewer taps than the widest one are padded with weight 0 on pixel 0; the
    taps of each output pixel are in increasing input order, as OpenCV accumulates them.

    Args:
        src: The input length along the axis.
        dst: The output length.
        linear: OpenCV's enlarging rule (two taps) instead of the area rule.

    Examples:
        >>> indices, weights = axis_taps(5, 2, linear=False)
        >>> indices.tolist(), weights.round(2).tolist()
        ([[0, 2], [1, 3], [2, 4]], [[0.4, 0.2], [0.4, 0.4], [0.2, 0.4]])
    """
    rows = _linear_taps(src, dst) if linear else _area_taps(src, dst)
    width = max(len(row) for row in rows)
    indices = np.zeros((width, dst), dtype=np.int64)
    weights = np.zeros((width, dst), dtype=np.float64)
    for d, row in enumerate(rows):
        for k, (index, weight) in enumerate(row):
            indices[k, d] = index
            weights[k, d] = weight
    return indices, weights


class ResizePlan(NamedTuple):
    """The device-side constants of one resize: per axis, the taps of every output pixel.

    Attributes:
        row_indices: ``(taps * h,)`` integers: the input row of tap ``k`` of output row ``i``
            at ``k * h + i``.
        row_weights: ``(taps * h, 1)`` float32 weights, laid out as the indices.
        column_indices: ``(taps * w,)`` integers, as the rows.
        column_weights: ``(taps * w, 1)`` float32 weights.
        row_grid: ``row_weights`` repeated along the rows of the row pass, ``(taps * h, w *
            channels)``: NumPy multiplies two arrays of one shape about twice as fast as it
            broadcasts a column. Used when the images have the planned channel count.
        column_grid: ``column_weights`` repeated to ``(taps * w, channels * H)``, likewise.
            A grid over 2**20 weights (large images) is kept as the column of weights.
        target: The output ``(h, w)``.
        half_up: Round ties up (OpenCV's fixed-point linear path) rather than to even.
    """

    row_indices: Any
    row_weights: Any
    column_indices: Any
    column_weights: Any
    row_grid: Any
    column_grid: Any
    target: tuple[int, int]
    half_up: bool


def resize_plan(
    source: tuple[int, int],
    target: tuple[int, int],
    *,
    channels: int = 1,
    xp: Namespace[Any],
    device: Device,
) -> ResizePlan:
    """Build the constants that resize ``(H, W)`` images to ``(h, w)`` on ``device``.

    Args:
        source: The input ``(height, width)``.
        target: The output ``(height, width)``.
        channels: The images' channel count (other counts work too, a little slower).
        xp: The namespace of the images.
        device: Their device.

    Examples:
        >>> import array_api_strict as xps
        >>> plan = resize_plan((210, 160), (84, 84), xp=xps, device=None)
        >>> plan.row_indices.shape, plan.row_weights.shape, plan.column_grid.shape, plan.half_up
        ((252,), (252, 1), (252, 210), False)
    """
    (src_h, src_w), (dst_h, dst_w) = source, target
    linear = src_h < dst_h or src_w < dst_w  # OpenCV: the area rule only when neither grows
    # OpenCV's SIMD "fast area" path for exact halving sums four pixels and adds 2 before >> 2.
    halving = src_h == 2 * dst_h and src_w == 2 * dst_w
    row_i, row_w = axis_taps(src_h, dst_h, linear=linear)
    col_i, col_w = axis_taps(src_w, dst_w, linear=linear)
    index_dtype = xp.int32 if max(src_h, src_w) < 2**31 else xp.int64

    def indices(host: np.ndarray) -> Any:
        return xp.astype(xp.asarray(host.reshape(-1).astype(np.int32), device=device), index_dtype)

    def weights(host: np.ndarray, repeat: int = 1) -> Any:
        column = host.reshape(-1, 1).astype(np.float32)
        if column.size * repeat > _MAX_GRID:  # large images: broadcast the column instead
            repeat = 1
        return xp.asarray(np.repeat(column, repeat, axis=1), device=device)

    return ResizePlan(
        indices(row_i), weights(row_w), indices(col_i), weights(col_w),
        weights(row_w, dst_w * channels), weights(col_w, channels * src_h), (dst_h, dst_w),
        half_up=linear or halving,
    )  # fmt: skip


def _tap_pass(
    indices: Any, weights: Any, grid: Any, size: int, shape: tuple[int, ...], *, widen: bool,
    last: bool, xp: Namespace[Any],
) -> Callable[[Any], Any]:  # fmt: skip
    """One axis of the resize for inputs of ``shape``: ``sum_k w[k] * x[..., indices[k], :]``.

    One gather of every tap along the second-to-last axis, whose elements are whole rows of
    the last axis (contiguous chunks, which every backend copies quickly), one product (by the
    repeated grid where it fits the rows: NumPy multiplies two arrays of one shape about twice
    as fast as it broadcasts a column), then the taps summed in order, as OpenCV accumulates
    them, in float32. Everything that depends only on the shape is worked out here, once: on a
    single frame the Python around a dozen array calls costs as much as the arithmetic.

    ``widen`` converts the gathered uint8 pixels to float32 first (the column pass). The
    ``last`` pass sums into the first tap's rows of its products (under JAX, new arrays): no
    fresh memory, which right after an emulator step is cache-cold and costs more than the
    additions (3 us of a 50 us frame). The first pass sums into a new array instead: summed
    in place as well, its products (the largest array of the resize) changed how glibc's
    allocator reuses memory, which then handed it back to the system and faulted it in again
    on every call (measured: 278 page faults and 5x the time per 210x160 RGB frame, 391 per
    step of the vector Atari wrapper over 8 frames; none this way).
    """
    multiplier = grid if grid.shape[-1] == shape[-1] else weights
    lead = (slice(None),) * (len(shape) - 2)
    first, *others = [(*lead, slice(k, k + size), ...) for k in range(0, indices.shape[0], size)]
    in_place = last or not others
    second, rest = (None, others) if in_place else (others[0], others[1:])
    take, astype, float32 = xp.take, xp.astype, xp.float32

    def weighted_sum(x: Any) -> Any:
        products = take(x, indices, axis=-2)
        if widen:
            products = astype(products, float32)
        products *= multiplier
        total = products[first] if in_place else products[first] + products[second]
        for taps in rest:  # in place on an array made here (under JAX a new one)
            total += products[taps]
        return total

    return weighted_sum


def image_resizer(
    plan: ResizePlan, shape: tuple[int, ...], *, channel_axis: bool = True, xp: Namespace[Any]
) -> Resizer:
    """Return :func:`resize_images` specialised to uint8 images of one ``shape``.

    Every axis order, intermediate shape, slice and weight array is chosen here, so the
    returned function is only the array calls; wrappers build it once per input shape.

    Args:
        plan: From :func:`resize_plan` for these images' height and width.
        shape: ``(*batch, H, W, C)``, or ``(*batch, H, W)`` with ``channel_axis=False``
            (greyscale images without a channel axis, resized to ``(*batch, h, w)``).
        channel_axis: Whether the images have a trailing channel axis.
        xp: The images' namespace.

    Examples:
        >>> import numpy as np
        >>> plan = resize_plan((4, 4), (2, 2), xp=np, device="cpu")
        >>> resize = image_resizer(plan, (4, 4), channel_axis=False, xp=np)
        >>> resize(np.arange(16, dtype=np.uint8).reshape(4, 4)).tolist()
        [[3, 5], [11, 13]]
    """
    if channel_axis:
        *batch, height, width, channels = shape
    else:
        (*batch, height, width), channels = shape, 1
    rank = len(batch)
    dst_h, dst_w = plan.target
    swap = (*range(rank), rank + 1, rank)  # the last two axes
    columns_shape = (*batch, width, channels * height)
    to_columns = (*range(rank), rank + 1, rank + 2, rank) if channel_axis else swap
    column_pass = _tap_pass(
        plan.column_indices, plan.column_weights, plan.column_grid, dst_w, columns_shape,
        widen=True, last=False, xp=xp,
    )  # fmt: skip
    row_pass = _tap_pass(
        plan.row_indices, plan.row_weights, plan.row_grid, dst_h,
        (*batch, height, dst_w * channels), widen=False, last=True, xp=xp,
    )  # fmt: skip
    packed_shape = (*batch, dst_w * channels, height)
    out_shape = (*batch, dst_h, dst_w, channels)
    permute_dims, reshape, astype, uint8 = xp.permute_dims, xp.reshape, xp.astype, xp.uint8
    half_up, floor, round_even = plan.half_up, xp.floor, xp.round

    def resize(images: Any) -> Any:
        if channel_axis:
            # (..., W, C, H) -> (..., W, C * H): a column of every channel per leading index
            x = column_pass(reshape(permute_dims(images, to_columns), columns_shape))
            # (..., w, C * H) -> (..., w * C, H) -> (..., H, w * C)
            x = row_pass(permute_dims(reshape(x, packed_shape), swap))
        else:
            x = row_pass(permute_dims(column_pass(permute_dims(images, swap)), swap))
        if half_up:
            x += 0.5
            x = floor(x)
        else:
            x = round_even(x)
        x = astype(x, uint8)
        return reshape(x, out_shape) if channel_axis else x

    return resize


def resize_images(images: Any, plan: ResizePlan, *, xp: Namespace[Any]) -> Any:
    """Resize uint8 images ``(*batch, H, W, C)`` to ``(*batch, h, w, C)`` as ``cv2.INTER_AREA``.

    Columns first, then rows, each a sum over the plan's taps in float32, as OpenCV
    accumulates; the result is rounded to uint8 (the weights are non-negative and sum to one,
    so it stays within 0..255). Each pass gathers along the leading image axis of a
    transposed copy, ``(W, C * H)`` then ``(H, w * C)``: whole rows per index, where a gather
    of single pixels along a middle axis is several times slower on NumPy. Wrappers that
    resize images of one shape every step build :func:`image_resizer` once instead.

    Args:
        images: uint8 images with a trailing channel axis (add one for greyscale images).
        plan: From :func:`resize_plan` for these images' height and width.
        xp: The images' namespace.

    Examples:
        >>> import numpy as np
        >>> images = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4, 1)
        >>> plan = resize_plan((4, 4), (2, 2), xp=np, device="cpu")
        >>> resize_images(images, plan, xp=np)[..., 0].tolist()  # halving rounds half up
        [[[3, 5], [11, 13]], [[19, 21], [27, 29]]]
    """
    return image_resizer(plan, tuple(images.shape), xp=xp)(images)
