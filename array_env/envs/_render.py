"""Rasterise simple shapes with array operations, batched, on the env's device.

A frame is painted by building one boolean mask per shape over the pixel grid (``(N, H, W)``
for ``N`` sub-environments) and selecting its colour with ``xp.where``; no drawing library and no
host round trip. Coordinates are in pixels, ``y`` growing downwards as in an image.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from array_env.typing import Device, Namespace

__all__ = ["Canvas", "bar_mask", "disc_mask", "paint", "rectangle_mask", "rgb_colour"]


class Canvas(NamedTuple):
    """Pixel-centre coordinates of an ``height x width`` image, shaped to broadcast over a batch.

    Examples:
        >>> import array_api_strict as xps
        >>> canvas = Canvas.create(2, 3, xp=xps, device=None)
        >>> canvas.ys.shape, canvas.xs.shape
        ((1, 2, 1), (1, 1, 3))
    """

    ys: Any
    """``(1, H, 1)`` row centres."""
    xs: Any
    """``(1, 1, W)`` column centres."""

    @classmethod
    def create(
        cls, height: int, width: int, *, xp: Namespace[Any], device: Device | None
    ) -> Canvas:
        """Build the coordinate grids once per environment."""
        dtype = xp.float32
        ys = xp.arange(height, dtype=dtype, device=device) + 0.5
        xs = xp.arange(width, dtype=dtype, device=device) + 0.5
        return cls(xp.reshape(ys, (1, height, 1)), xp.reshape(xs, (1, 1, width)))

    def blank(self, colour: Any, batch: int, *, xp: Namespace[Any]) -> Any:
        """Return ``(batch, H, W, 3)`` frames filled with ``colour`` (a ``(3,)`` uint8 array)."""
        shape = (batch, self.ys.shape[1], self.xs.shape[2], 3)
        return xp.broadcast_to(xp.reshape(colour, (1, 1, 1, 3)), shape)


def _column(values: Any, *, xp: Namespace[Any]) -> Any:
    return xp.reshape(values, (-1, 1, 1))


def rectangle_mask(
    canvas: Canvas, cx: Any, cy: Any, half_width: float, half_height: float, *, xp: Namespace[Any]
) -> Any:
    """Pixels inside the axis-aligned rectangles centred on ``(cx, cy)`` (each ``(N,)``)."""
    dx = xp.abs(canvas.xs - _column(cx, xp=xp))
    dy = xp.abs(canvas.ys - _column(cy, xp=xp))
    return (dx <= half_width) & (dy <= half_height)


def disc_mask(canvas: Canvas, cx: Any, cy: Any, radius: float, *, xp: Namespace[Any]) -> Any:
    """Pixels inside the discs of ``radius`` centred on ``(cx, cy)`` (each ``(N,)``)."""
    dx = canvas.xs - _column(cx, xp=xp)
    dy = canvas.ys - _column(cy, xp=xp)
    return dx * dx + dy * dy <= radius * radius


def bar_mask(
    canvas: Canvas,
    ox: Any,
    oy: Any,
    ux: Any,
    uy: Any,
    length: float,
    half_width: float,
    *,
    xp: Namespace[Any],
) -> Any:
    """Pixels of the bars from ``(ox, oy)`` along the unit vectors ``(ux, uy)``, each ``(N,)``.

    A bar covers ``[-half_width, length + half_width]`` along its direction (rounded-off ends are
    drawn separately where wanted) and ``half_width`` on each side.
    """
    dx = canvas.xs - _column(ox, xp=xp)
    dy = canvas.ys - _column(oy, xp=xp)
    ux, uy = _column(ux, xp=xp), _column(uy, xp=xp)
    along = dx * ux + dy * uy
    across = xp.abs(dy * ux - dx * uy)
    return (along >= -half_width) & (along <= length + half_width) & (across <= half_width)


def paint(frames: Any, mask: Any, colour: Any, *, xp: Namespace[Any]) -> Any:
    """Return ``frames`` with the ``(N, H, W)`` ``mask`` filled in ``colour`` (``(3,)`` uint8)."""
    return xp.where(mask[..., None], colour, frames)


def rgb_colour(*rgb: int, xp: Namespace[Any], device: Device | None) -> Any:
    """Return the colour ``rgb`` as a ``(3,)`` uint8 array on ``device``."""
    return xp.asarray(rgb, dtype=xp.uint8, device=device)
