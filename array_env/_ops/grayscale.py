"""RGB to greyscale written with ``xp``, equal to Gymnasium's on every colour, without float64.

Gymnasium's ``GrayscaleObservation`` computes ``sum(obs * [0.2125, 0.7154, 0.0721])`` in
float64 and truncates to uint8. The exact value is ``(2125 r + 7154 g + 721 b) / 10000``; float64
only differs from it where that fraction is a whole number ``k`` and the rounded products sum to
just below ``k``, which truncation turns into ``k - 1``. That happens for 63 of the 16.7 million
colours. So the core has two exact paths, chosen once per namespace and device:

* with float64 (NumPy, PyTorch, CuPy, JAX with x64): Gymnasium's products and sums in
  Gymnasium's order, ``(r w_r + g w_g) + b w_b``, on the three channels (faster than Gymnasium's
  ``np.sum`` over a length-3 axis);
* without (JAX by default, array-api-strict's ``no_float64`` device): int32 arithmetic, an
  integer division, minus one on those 63 colours, found with ``searchsorted`` in a small sorted
  table computed once on the host.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np

from array_env.typing import Device, Namespace

__all__ = ["LUMINANCE", "GreyTable", "grey_table", "rgb_to_grey"]

LUMINANCE = (0.2125, 0.7154, 0.0721)
"""Gymnasium's weights for red, green and blue."""

_NUMERATORS = (2125, 7154, 721)
_DENOMINATOR = 10000


@cache
def _float64_low_colours() -> np.ndarray:
    """Keys ``r * 65536 + g * 256 + b`` of the colours Gymnasium's float64 sum puts one lower."""
    grid = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    red, green = grid[0].ravel(), grid[1].ravel()
    # the one blue (mod 10000) that makes the numerator a multiple of 10000, per (red, green)
    inverse = pow(_NUMERATORS[2], -1, _DENOMINATOR)
    blue = (-(_NUMERATORS[0] * red + _NUMERATORS[1] * green) * inverse) % _DENOMINATOR
    whole = blue < 256
    colours = np.stack([red[whole], green[whole], blue[whole]], axis=-1)
    as_float = np.sum(colours * np.asarray(LUMINANCE), axis=-1).astype(np.uint8)
    exact = colours @ np.asarray(_NUMERATORS) // _DENOMINATOR
    low = colours[as_float != exact]
    return np.sort(low[:, 0] * 65536 + low[:, 1] * 256 + low[:, 2]).astype(np.int32)


class GreyTable(NamedTuple):
    """How one namespace and device convert: in float64, or in int32 with the colour table.

    Attributes:
        keys: ``None`` for the float64 path; else the sorted int32 keys of the colours whose
            greyscale is one below the exact quotient, on the device.
    """

    keys: Any


def grey_table(*, xp: Namespace[Any], device: Device, float64: bool) -> GreyTable:
    """Choose the path and upload what it needs, once per namespace and device.

    Args:
        xp: The images' namespace.
        device: Their device.
        float64: Whether ``device`` has float64.

    Examples:
        >>> import array_api_strict as xps
        >>> grey_table(xp=xps, device=None, float64=False).keys.shape
        (63,)
    """
    if float64:
        return GreyTable(None)
    return GreyTable(xp.asarray(_float64_low_colours(), device=device))


def rgb_to_grey(images: Any, table: GreyTable, *, keep_dim: bool, xp: Namespace[Any]) -> Any:
    """Return the uint8 greyscale of uint8 RGB images ``(..., 3)``, as Gymnasium computes it.

    Args:
        images: uint8 images with a trailing axis of 3 colours, any leading axes.
        table: From :func:`grey_table`, on the images' device.
        keep_dim: Keep a trailing axis of length 1 (``(..., 1)``) instead of dropping it.
        xp: The images' namespace.

    Examples:
        >>> import numpy as np
        >>> rgb = np.asarray([[255, 255, 255], [10, 200, 30], [100, 100, 100]], np.uint8)
        >>> table = grey_table(xp=np, device="cpu", float64=True)
        >>> rgb_to_grey(rgb, table, keep_dim=False, xp=np).tolist()
        [255, 147, 100]
    """
    if table.keys is None:
        rgb = xp.astype(images, xp.float64)
        weighted = rgb[..., 0] * LUMINANCE[0] + rgb[..., 1] * LUMINANCE[1]
        grey = xp.astype(weighted + rgb[..., 2] * LUMINANCE[2], xp.uint8)
    else:
        grey = _exact_integer_grey(images, table.keys, xp=xp)
    return xp.expand_dims(grey, axis=-1) if keep_dim else grey


def _exact_integer_grey(images: Any, keys: Any, *, xp: Namespace[Any]) -> Any:
    rgb = xp.astype(images, xp.int32)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    numerator = red * _NUMERATORS[0] + green * _NUMERATORS[1] + blue * _NUMERATORS[2]
    key = red * 65536 + green * 256 + blue
    # 1 where the key is in the table: the count of equal entries (no gather, any shape)
    standard: Any = xp  # searchsorted is in the standard, not yet in the Namespace protocol
    listed = standard.searchsorted(keys, key, side="right") - standard.searchsorted(keys, key)
    return xp.astype(numerator // _DENOMINATOR - xp.astype(listed, xp.int32), xp.uint8)
