"""Running mean and variance kept on the device: the core of the normalisation wrappers.

:class:`Moments` is the whole state (mean, variance, sample count); every function here is pure
and takes the namespace as a keyword, so one implementation serves the single-env and the vector
wrappers, every backend and every device.

Batches are merged with the parallel algorithm of Chan, Golub and LeVeque, in the incremental
form ``mean += w * delta`` and ``var = (1 - w) * (var + w * delta**2) + w * batch_var`` with
``w = batch_count / (count + batch_count)``. It is algebraically Gymnasium's
``update_mean_var_count_from_moments``, but it never forms ``var * count`` (which grows without
bound) and an empty batch leaves the state bit for bit unchanged, so masked updates need no
branch.

Statistics are float64 wherever the backend and device have it. Without float64 (JAX without
x64, array-api-strict's ``no_float64`` device, some accelerators) they are float32 with two
safeguards that keep long streams exact enough:

* **shifted batches**: batch moments are taken of ``batch - mean``, so ``delta`` is computed
  without cancelling two large nearly equal numbers;
* **compensation**: mean, variance and count each carry a low-order part (Knuth's two-sum), so
  increments far below one float32 ulp of the running value (one sample in 1e8, or a count past
  2**24 where ``count + 1 == count``) are kept instead of being rounded away.
"""

from __future__ import annotations

import math
from typing import Any, Generic, NamedTuple, TypeVar

import array_api_compat as compat

from array_env.typing import ArrayT, Device, Namespace

__all__ = [
    "Compensation",
    "Moments",
    "checked_statistic",
    "init_moments",
    "load_array",
    "merge_centred_batch",
    "merge_moments",
    "moments_from_state_dict",
    "moments_state_dict",
    "require_finite",
    "statistics_dtype",
    "update_moments",
    "update_moments_masked",
    "update_moments_one",
]

A = TypeVar("A")

DEFAULT_PRIOR_COUNT = 1e-4
"""Gymnasium's ``RunningMeanStd`` starts from a pseudo-count of 1e-4 at mean 0, variance 1."""


class Compensation(NamedTuple, Generic[A]):
    """Low-order parts of a float32 :class:`Moments`: the true value is ``high + low``."""

    mean: A
    var: A
    count: A  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleMethodOverride]  # a field named like tuple.count, on purpose


class Moments(NamedTuple, Generic[A]):
    """Running statistics of a stream of samples of one shape.

    Attributes:
        mean: Per-element mean, shape ``shape``.
        var: Per-element population variance, shape ``shape``.
        count: Number of samples seen (plus the prior's pseudo-count), a 0-d array.
        low: Low-order parts when the statistics are float32, ``None`` when float64.
    """

    mean: A
    var: A
    count: A  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleMethodOverride]  # a field named like tuple.count, on purpose
    low: Compensation[A] | None = None


def statistics_dtype(xp: Namespace[Any], device: Device) -> Any:
    """Return float64 where ``xp`` has it on ``device``, float32 otherwise.

    Examples:
        >>> import array_api_strict as xps
        >>> statistics_dtype(xps, xps.Device("no_float64"))
        array_api_strict.float32
    """
    info = getattr(xp, "__array_namespace_info__", None)
    if info is not None:
        try:
            available = info().dtypes(device=device, kind="real floating")
        except TypeError:  # an older info object that takes no device
            available = info().dtypes(kind="real floating")
        return xp.float64 if "float64" in available else xp.float32
    return xp.float64


def init_moments(
    shape: tuple[int, ...],
    *,
    xp: Namespace[ArrayT],
    device: Device,
    dtype: Any = None,
    prior_count: float = DEFAULT_PRIOR_COUNT,
) -> Moments[ArrayT]:
    """Return the prior state: mean 0, variance 1, count ``prior_count``.

    Args:
        shape: The shape of one sample.
        xp: The namespace of the statistics.
        device: Their device.
        dtype: float64 or float32; ``None`` picks :func:`statistics_dtype`.
        prior_count: The prior's pseudo-count (Gymnasium's ``epsilon=1e-4``).

    Examples:
        >>> import array_api_strict as xps
        >>> m = init_moments((2,), xp=xps, device=xps.Device("CPU_DEVICE"))
        >>> m.mean.dtype, m.low is None
        (array_api_strict.float64, True)
    """
    if dtype is None:
        dtype = statistics_dtype(xp, device)
    mean = xp.zeros(shape, dtype=dtype, device=device)
    var = xp.ones(shape, dtype=dtype, device=device)
    count = xp.asarray(prior_count, dtype=dtype, device=device)
    low = None
    if dtype != getattr(xp, "float64", None):
        zero = xp.zeros(shape, dtype=dtype, device=device)
        low = Compensation(zero, zero, xp.zeros((), dtype=dtype, device=device))
    return Moments(mean, var, count, low)


def merge_moments(
    moments: Moments[ArrayT],
    batch_shift: ArrayT,
    batch_var: ArrayT,
    batch_count: ArrayT | float,
    *,
    xp: Namespace[ArrayT],
) -> Moments[ArrayT]:
    """Merge the moments of a batch into ``moments`` (Chan et al., incremental form).

    Args:
        moments: The running state.
        batch_shift: The mean of ``batch - moments.mean``: the batch mean minus the running mean,
            computed from shifted samples so that no two large numbers are subtracted.
        batch_var: The batch's per-element population variance.
        batch_count: Number of samples in the batch; 0 leaves the state unchanged.
        xp: The namespace of ``moments``.
    """
    mean, var, count, low = moments
    if low is None:
        total = count + batch_count
        weight = batch_count / total
        keep = count / total  # not 1 - weight, which loses digits when the prior is tiny
        new_var = keep * (var + weight * (batch_shift * batch_shift)) + weight * batch_var
        return Moments(mean + weight * batch_shift, new_var, total, None)
    summed, count_low = _two_sum(count, low.count + batch_count)
    weight = batch_count / summed
    keep = (count + low.count) / summed
    delta = batch_shift - low.mean
    # weight * (batch_var + keep * delta**2), with delta scaled before squaring: delta**2
    # overflows float32 from |delta| ~ 1.8e19, long before the variance itself does
    scaled = delta * xp.sqrt(weight * keep)
    weighted_spread = weight * batch_var + scaled * scaled
    new_mean, mean_low = _two_sum(mean, low.mean + weight * delta)
    # A small weight (a long stream) needs the compensated increment; a large one (the first
    # batches, replacing the prior) the direct form, whose rounding is relative to the result.
    stepped, stepped_low = _two_sum(var, low.var + (weighted_spread - weight * var))
    direct = keep * (var + low.var) + weighted_spread
    large = weight > 0.5
    new_var = xp.where(large, direct, stepped)
    var_low = xp.where(large, 0.0, stepped_low)
    return Moments(new_mean, new_var, summed, Compensation(mean_low, var_low, count_low))


def update_moments(
    moments: Moments[ArrayT], batch: ArrayT, *, xp: Namespace[ArrayT]
) -> Moments[ArrayT]:
    """Merge a batch of samples stacked on axis 0 into ``moments``.

    Args:
        moments: The running state.
        batch: Samples of shape ``(n, *shape)``, ``n >= 1``, any real dtype.
        xp: The namespace of ``moments`` and ``batch``.

    Examples:
        >>> import numpy as np
        >>> from array_env import resolve_namespace
        >>> xp = resolve_namespace("numpy")
        >>> m = init_moments((), xp=xp, device="cpu", prior_count=0.0)
        >>> m = update_moments(m, np.asarray([1.0, 2.0, 3.0]), xp=xp)
        >>> float(m.mean), float(m.var), float(m.count)
        (2.0, 0.666..., 3.0)
    """
    n = batch.shape[0]
    if n is None:
        raise ValueError("update_moments needs a batch of known size")
    if moments.low is None:
        if batch.dtype != moments.mean.dtype:  # the sums below need the statistics' precision
            batch = xp.astype(batch, moments.mean.dtype)
        first = batch[0, ...]
        return merge_centred_batch(moments, batch - first, first, xp=xp)
    centred = batch - moments.mean
    shift = xp.sum(centred, axis=0) / n
    deviation = centred - shift
    scaled = deviation * (1 / math.sqrt(n))  # scaled before squaring: float32 overflows early
    batch_var = xp.sum(scaled * scaled, axis=0)
    # float32: the first sum rounds at the scale of |batch - mean| (huge on the first batch of a
    # stream with a large offset); the deviations' own mean measures that error, and the
    # corrected two-pass formula removes it from both moments.
    correction = xp.sum(deviation, axis=0) / n
    shift = shift + correction
    batch_var = batch_var - correction * correction
    return merge_moments(moments, shift, batch_var, n, xp=xp)


def merge_centred_batch(
    moments: Moments[ArrayT], centred: ArrayT, first: ArrayT, *, xp: Namespace[ArrayT]
) -> Moments[ArrayT]:
    """Merge a float64 batch given as ``centred = batch - first`` (``first`` its first sample).

    One pass: ``E[c^2] - E[c]^2`` of samples centred on one of them, which lies within a few
    standard deviations of the batch mean, so the subtraction cancels only to about
    ``eps * (first - mean)^2 / var`` (1e-16 for a typical sample), where centring on the
    running mean would lose every digit on a first batch far from the prior's 0. The squares
    are summed by ``vecdot``, one compiled call that reads a column-major batch in order.
    """
    n = centred.shape[0]
    if n is None:
        raise ValueError("merge_centred_batch needs a batch of known size")
    offset = xp.sum(centred, axis=0) / n
    spread = xp.vecdot(centred, centred, axis=-centred.ndim) / n
    batch_var = xp.maximum(spread - offset * offset, 0.0)  # rounding can dip below 0
    return merge_moments(moments, offset + (first - moments.mean), batch_var, n, xp=xp)


def update_moments_one(
    moments: Moments[ArrayT], sample: ArrayT, *, xp: Namespace[ArrayT]
) -> Moments[ArrayT]:
    """Merge a single sample (no batch axis): the single-env step path, no reductions.

    Examples:
        >>> import array_api_strict as xps
        >>> m = init_moments((), xp=xps, device=xps.Device("CPU_DEVICE"), prior_count=0.0)
        >>> for x in (1.0, 2.0, 3.0):
        ...     m = update_moments_one(m, xps.asarray(x), xp=xps)
        >>> float(m.mean), float(m.var)
        (2.0, 0.666...)
    """
    mean, var, count, low = moments
    if low is None:
        total = count + 1
        delta = sample - mean
        # the mean's increment serves the variance too: one scalar-by-array product less
        # (on NumPy's tiny arrays each product costs about as much as a whole update step)
        increment = (1 / total) * delta
        new_var = (count / total) * (var + increment * delta)
        return Moments(mean + increment, new_var, total, None)
    return merge_moments(moments, sample - mean, xp.zeros_like(var), 1, xp=xp)


def update_moments_masked(
    moments: Moments[ArrayT], batch: ArrayT, mask: ArrayT, *, xp: Namespace[ArrayT]
) -> Moments[ArrayT]:
    """Merge the rows of ``batch`` where ``mask`` is true; no row selected changes nothing.

    The selection is done with ``xp.where`` (no boolean indexing, whose output shape depends on
    the data), so it needs no host synchronisation and runs under ``jax.jit``.

    Args:
        moments: The running state.
        batch: Samples of shape ``(n, *shape)``.
        mask: Booleans of shape ``(n,)``.
        xp: The namespace of all three.
    """
    selected = xp.astype(mask, moments.mean.dtype)  # 1 selected, 0 not
    count = xp.vecdot(selected, selected)
    rows, weights = mask, selected
    if batch.ndim > 1:  # one weight per row, broadcast over the sample's axes
        row_shape = (-1,) + (1,) * (batch.ndim - 1)
        rows, weights = xp.reshape(mask, row_shape), xp.reshape(selected, row_shape)
    # Weighted sums by `vecdot` (one call each, where `sum(where(...))` takes two or three).
    # Unselected rows are zeroed once by `where` (they may hold anything, even NaN); after
    # that they stay finite, so multiplying them by a zero weight removes them exactly.
    # A positive divisor even for an empty selection, equal to `count` otherwise (1e-30 is
    # below half an ulp of 1 in float32 and float64, and a normal float32 number).
    divisor = count + 1e-30
    centred = xp.where(rows, batch - moments.mean, 0)
    shift = xp.vecdot(centred, weights, axis=-batch.ndim) / divisor
    deviation = centred - shift
    if moments.low is None:
        batch_var = xp.vecdot(deviation * weights, deviation, axis=-batch.ndim) / divisor
    else:  # float32: scaled before squaring, as in update_moments
        scaled = deviation / xp.sqrt(divisor)
        batch_var = xp.vecdot(scaled * weights, scaled, axis=-batch.ndim)
        # the corrected two-pass formula, as in update_moments
        deviation = deviation * weights
        correction = xp.sum(deviation, axis=0) / divisor
        shift = shift + correction
        batch_var = batch_var - correction * correction
    return merge_moments(moments, shift, batch_var, count, xp=xp)


def moments_state_dict(moments: Moments[ArrayT], prefix: str = "") -> dict[str, ArrayT]:
    """Return the state as plain arrays: ``mean``, ``var``, ``count`` (and ``*_low`` for float32).

    Every value is an array of the statistics' namespace; convert them with
    :func:`array_env.to_namespace` to save them (``numpy.savez`` takes the NumPy ones).
    """
    out = {
        f"{prefix}mean": moments.mean,
        f"{prefix}var": moments.var,
        f"{prefix}count": moments.count,
    }
    if moments.low is not None:
        out[f"{prefix}mean_low"] = moments.low.mean
        out[f"{prefix}var_low"] = moments.low.var
        out[f"{prefix}count_low"] = moments.low.count
    return out


def moments_from_state_dict(
    state: dict[str, Any],
    *,
    xp: Namespace[ArrayT],
    device: Device,
    dtype: Any,
    shape: tuple[int, ...],
    owner: str,
    prefix: str = "",
) -> Moments[ArrayT]:
    """Rebuild :class:`Moments` from :func:`moments_state_dict`'s arrays, of any backend.

    Float64 state loaded where only float32 exists keeps its high parts (the low parts start at
    zero); float32 state loaded as float64 folds its low parts in.

    Raises:
        KeyError: If a key is missing (the message names ``owner`` and the keys expected).
        ValueError: If a shape is wrong.
    """
    narrow = dtype != getattr(xp, "float64", None)
    # every value is checked (on the host: loading is rare) before any is converted
    checked: dict[str, Any] = {}
    keys = ["mean", "var", "count"]
    if f"{prefix}mean_low" in state:
        keys += ["mean_low", "var_low", "count_low"]
    for key in keys:
        if f"{prefix}{key}" not in state:
            raise KeyError(
                f"{owner}: state dict has no {prefix}{key!r}; expected keys "
                f"{prefix}mean, {prefix}var, {prefix}count, got {sorted(state)}"
            )
        checked[key] = checked_statistic(
            state[f"{prefix}{key}"],
            key=f"{prefix}{key}",
            owner=owner,
            shape=() if key.startswith("count") else shape,
            minimum={"var": 0.0, "count": 0.0}.get(key),
            strict=key == "count",
        )

    def load(key: str) -> ArrayT:
        return load_array(checked[key], xp=xp, device=device, dtype=dtype)

    high = Moments(load("mean"), load("var"), load("count"))
    has_low = f"{prefix}mean_low" in state
    if not narrow:
        if not has_low:
            return high
        return Moments(
            high.mean + load("mean_low"),
            high.var + load("var_low"),
            high.count + load("count_low"),
        )
    if has_low:
        low = Compensation(load("mean_low"), load("var_low"), load("count_low"))
    else:
        zero = xp.zeros(shape, dtype=dtype, device=device)
        low = Compensation(zero, zero, xp.zeros((), dtype=dtype, device=device))
    return Moments(high.mean, high.var, high.count, low)


def require_finite(x: Any, *, owner: str, name: str, xp: Namespace[Any]) -> None:
    """Raise ``ValueError`` naming ``owner`` if ``x`` (an array or a number) has a NaN or inf.

    The wrappers' opt-in ``check_finite``: it reads one boolean back from the device every
    call (a synchronisation on a GPU), which is why it is off by default. Called before the
    statistics are updated, so a rejected value changes nothing.
    """
    finite = math.isfinite(x) if isinstance(x, int | float) else bool(xp.all(xp.isfinite(x)))
    if not finite:
        raise ValueError(
            f"{owner}: {name} is not finite (NaN or inf), got {x!r}; it would poison the "
            "running statistics (check_finite=True rejects it before they are updated)"
        )


def checked_statistic(
    value: Any,
    *,
    key: str,
    owner: str,
    shape: tuple[int, ...],
    minimum: float | None = None,
    strict: bool = False,
) -> Any:
    """Check one saved statistic on the host; return it unchanged.

    A value must be a real (integer or floating, not bool or complex) array of ``shape`` or,
    for shape ``()``, a Python or NumPy number; finite; and at least ``minimum`` (strictly
    above it with ``strict``). This reads the value on the host: call it when loading state,
    never on the step path.

    Raises:
        ValueError: Naming ``owner`` and ``key``, with what was expected and what arrived.
    """
    import numpy as np

    from array_env.convert import to_namespace

    original: Any = value  # returned as given (isinstance would narrow it)
    if compat.is_array_api_obj(value):
        host = np.asarray(to_namespace(value, "numpy"))
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        host = np.asarray(value)
    else:
        raise ValueError(
            f"{owner}: state dict {key!r} must be an array of shape {shape}, "
            f"got {type(value).__name__} {value!r}"
        )
    if host.dtype == np.bool_ or host.dtype.kind not in "iuf":
        raise ValueError(
            f"{owner}: state dict {key!r} must hold real numbers, got dtype {host.dtype}"
        )
    if tuple(host.shape) != shape:
        raise ValueError(
            f"{owner}: state dict {key!r} has shape {tuple(host.shape)}, expected {shape}"
        )
    if not np.all(np.isfinite(host)):
        raise ValueError(f"{owner}: state dict {key!r} must be finite, got {host}")
    if minimum is not None:
        below = host <= minimum if strict else host < minimum
        if np.any(below):
            relation = ">" if strict else ">="
            raise ValueError(
                f"{owner}: state dict {key!r} must be {relation} {minimum}, got {host}"
            )
    return original


def load_array(value: Any, *, xp: Namespace[ArrayT], device: Device, dtype: Any) -> ArrayT:
    """Move a saved array (any backend, or a Python number) to ``xp`` on ``device`` as ``dtype``.

    Narrows float64 to float32 on the source side first: the target device may have no float64.
    """
    import numpy as np

    from array_env._namespace import namespace_of
    from array_env.convert import convert_array

    if not compat.is_array_api_obj(value):  # a Python number (Gymnasium keeps its count so)
        value = np.asarray(value, dtype=np.float64)
    source = namespace_of(value)
    if dtype != getattr(xp, "float64", None) and value.dtype != source.float32:
        value = source.astype(value, source.float32)
    moved: ArrayT = convert_array(value, xp=xp, device=device)
    return moved if moved.dtype == dtype else xp.astype(moved, dtype)


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """Knuth's error-free sum: ``high + low == a + b`` exactly, ``high`` the rounded sum."""
    high = a + b
    b_part = high - a
    low = (a - (high - b_part)) + (b - b_part)
    return high, low
