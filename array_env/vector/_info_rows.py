"""Row-wise merging of vector ``info`` dicts (Gymnasium's ``key`` / ``_key`` layout).

A vector wrapper that resets some sub-envs itself (the vector TimeLimit) gets two infos for one
step: the step's and the partial reset's. For the reset rows the result must hold what the reset
returned, elsewhere what the step returned, exactly as if the sub-env had reset by itself.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat

__all__ = ["merge_rows"]


def _rows(mask: Any, value: Any, xp: Any) -> Any:
    """``mask`` shaped to broadcast over ``value``'s trailing axes."""
    if value.ndim <= 1:
        return mask
    return xp.reshape(mask, (mask.shape[0],) + (1,) * (value.ndim - 1))


def _namespace(*values: Any) -> Any:
    for value in values:
        if compat.is_array_api_obj(value):
            return compat.array_namespace(value)
    raise TypeError(f"no array among the info values {values!r}")


def merge_rows(
    base: dict[str, Any], new: dict[str, Any], mask: Any, *, drop_empty: bool = False
) -> dict[str, Any]:
    """Return ``base`` with the rows in ``mask`` taken from ``new`` (values and ``_key`` masks).

    A key missing on one side counts as absent in all of that side's rows; a key without a
    ``_key`` mask counts as present in all rows. ``mask`` is a boolean ``(num_envs,)`` array of
    the infos' namespace; nothing is read back to the host unless ``drop_empty`` (for NumPy
    masks, which are on the host): then a key present in no row is left out, as Gymnasium's
    vector envs leave it out.

    Examples:
        >>> import numpy as np
        >>> base = {"a": np.array([1, 2]), "_a": np.array([True, True])}
        >>> merged = merge_rows(base, {}, np.array([False, True]))
        >>> merged["a"].tolist(), merged["_a"].tolist()
        ([1, 2], [True, False])
    """
    if not base and not new:
        return {}
    xp = compat.array_namespace(mask)
    merged: dict[str, Any] = {}
    none = xp.zeros_like(mask)
    every = xp.logical_not(none)
    for key in [*base, *(k for k in new if k not in base)]:
        if key.startswith("_") and key[1:] in {**base, **new}:
            continue  # a mask, merged with its key
        in_base, in_new = key in base, key in new
        base_mask = base.get(f"_{key}", every) if in_base else none
        new_mask = new.get(f"_{key}", every) if in_new else none
        if isinstance(base.get(key), dict) or isinstance(new.get(key), dict):
            merged[key] = merge_rows(
                base.get(key, {}), new.get(key, {}), mask, drop_empty=drop_empty
            )
        elif in_base and in_new:
            b, n = base[key], new[key]
            vxp = _namespace(b, n)
            merged[key] = vxp.where(_rows(mask, b, vxp), n, b)
        else:
            merged[key] = base[key] if in_base else new[key]
        present = merged[f"_{key}"] = xp.where(mask, new_mask, base_mask)
        if drop_empty and not bool(xp.any(present)):
            del merged[key], merged[f"_{key}"]
    return merged
