from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gymnasium.wrappers.utils import RunningMeanStd

from array_env import resolve_namespace
from array_env._ops.fast_namespace import fast_namespace
from array_env._ops.running_moments import (
    Moments,
    init_moments,
    moments_from_state_dict,
    moments_state_dict,
    require_finite,
    statistics_dtype,
    update_moments,
    update_moments_masked,
    update_moments_one,
)
from array_env.testing import Backend, to_host

NP = resolve_namespace("numpy")


def _value(moments_field: object, low_field: object | None) -> np.ndarray:
    high = np.asarray(to_host(moments_field), dtype=np.float64)
    if low_field is None:
        return high
    return high + np.asarray(to_host(low_field), dtype=np.float64)


def test_statistics_dtype_follows_the_device(backend: Backend) -> None:
    dtype = statistics_dtype(backend.xp, backend.device)
    assert (dtype == backend.xp.float64) == backend.has_float64
    moments = init_moments((2,), xp=backend.xp, device=backend.device)
    assert (moments.low is None) == backend.has_float64


def test_equals_gymnasium_running_mean_std(backend: Backend) -> None:
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(n, 3)) for n in (1, 5, 1, 17, 2, 1, 64)]
    reference: Any = RunningMeanStd(shape=(3,))  # type: ignore[no-untyped-call]  # gymnasium untyped
    xp = fast_namespace(backend.xp)
    ours = init_moments((3,), xp=xp, device=backend.device)
    for batch in batches:
        reference.update(batch)
        dtype = "float64" if backend.has_float64 else "float32"
        data = backend.asarray(batch.astype(dtype), dtype)
        if batch.shape[0] == 1:
            ours = update_moments_one(ours, data[0, ...], xp=xp)
        else:
            ours = update_moments(ours, data, xp=xp)
    rtol = 1e-12 if backend.has_float64 else 1e-5
    low = ours.low
    np.testing.assert_allclose(_value(ours.mean, low and low.mean), reference.mean, rtol=rtol)
    np.testing.assert_allclose(_value(ours.var, low and low.var), reference.var, rtol=rtol)
    np.testing.assert_allclose(_value(ours.count, low and low.count), reference.count, rtol=rtol)


def test_masked_update_counts_only_selected_rows(backend: Backend) -> None:
    rng = np.random.default_rng(1)
    batch = rng.normal(size=(6, 2))
    mask = np.asarray([True, False, True, True, False, False])
    xp = backend.xp
    dtype = "float64" if backend.has_float64 else "float32"
    start = init_moments((2,), xp=xp, device=backend.device)
    masked = update_moments_masked(
        start, backend.asarray(batch.astype(dtype), dtype), backend.asarray(mask), xp=xp
    )
    selected = update_moments(start, backend.asarray(batch[mask].astype(dtype), dtype), xp=xp)
    expected = moments_state_dict(selected)
    for key, value in moments_state_dict(masked).items():
        np.testing.assert_allclose(to_host(value), to_host(expected[key]), rtol=1e-6, atol=1e-7)
    unchanged = update_moments_masked(
        start,
        backend.asarray(batch.astype(dtype), dtype),
        backend.asarray(np.zeros(6, bool)),
        xp=xp,
    )
    for key, value in moments_state_dict(unchanged).items():
        np.testing.assert_array_equal(to_host(value), to_host(moments_state_dict(start)[key]))


@pytest.mark.parametrize(
    "member", [Backend.NUMPY, Backend.ARRAY_API_STRICT_NO_FLOAT64], ids=lambda b: b.label
)
def test_stable_over_1e8_samples_with_a_large_offset(member: Backend) -> None:
    """100 batches of 1e6 samples, mean 1e6 and std 1: the exact moments of the stream come back.

    One noise block is reused with 100 distinct small offsets, so the stream's exact moments are
    known in closed form from the (float64 copy of the) very values fed in.
    """
    rng = np.random.default_rng(2)
    dtype = "float64" if member.has_float64 else "float32"
    base = (1e6 + rng.standard_normal(1_000_000)).astype(dtype)
    offsets = np.linspace(-0.5, 0.5, 100).astype(dtype)
    values = base.astype(np.float64)
    shifted = [
        values + float(o) if dtype == "float64" else (base + o).astype(np.float64) for o in offsets
    ]
    exact_mean = np.mean([s.mean() for s in shifted])
    exact_var = np.mean([s.var() for s in shifted]) + np.var([s.mean() for s in shifted])
    xp = fast_namespace(member.xp)
    device = member.device
    moments = init_moments((), xp=xp, device=device, prior_count=0.0)
    block = member.asarray(base, dtype)
    for offset in offsets:
        moments = update_moments(moments, block + float(offset), xp=xp)
    low = moments.low
    mean = _value(moments.mean, low and low.mean)
    var = _value(moments.var, low and low.var)
    assert _value(moments.count, low and low.count) == 1e8
    assert abs(mean - exact_mean) < 1e-5  # relative 1e-11
    assert var == pytest.approx(exact_var, rel=1e-5)


def test_float32_single_samples_keep_counting_past_2_to_the_24() -> None:
    member = Backend.ARRAY_API_STRICT_NO_FLOAT64
    xp = member.xp
    moments = init_moments((), xp=xp, device=member.device, prior_count=2.0**24)
    moments = moments._replace(mean=member.asarray(1e6, "float32"))
    sample = member.asarray(1e6 + 1.0, "float32")
    for _ in range(500):
        moments = update_moments_one(moments, sample, xp=xp)
    assert moments.low is not None
    assert _value(moments.count, moments.low.count) == 2.0**24 + 500
    # the exact mean of 2**24 samples at 1e6 and 500 at 1e6 + 1
    expected_shift = 500 / (2.0**24 + 500)
    assert _value(moments.mean, moments.low.mean) - 1e6 == pytest.approx(expected_shift, rel=1e-4)


def test_state_dict_round_trip_between_float64_and_float32() -> None:
    rng = np.random.default_rng(3)
    batch = 5.0 + rng.normal(size=(100, 2))
    wide = update_moments(init_moments((2,), xp=NP, device="cpu"), batch, xp=NP)
    narrow_member = Backend.ARRAY_API_STRICT_NO_FLOAT64
    narrow = moments_from_state_dict(
        moments_state_dict(wide),
        xp=narrow_member.xp,
        device=narrow_member.device,
        dtype=narrow_member.xp.float32,
        shape=(2,),
        owner="test",
    )
    assert narrow.low is not None
    back: Moments[Any] = moments_from_state_dict(
        {k: to_host(v) for k, v in moments_state_dict(narrow).items()},
        xp=NP,
        device="cpu",
        dtype=np.float64,
        shape=(2,),
        owner="test",
    )
    assert back.low is None
    np.testing.assert_allclose(back.mean, wide.mean, rtol=1e-7)
    np.testing.assert_allclose(back.var, wide.var, rtol=1e-6)


def test_float32_variance_stays_exact_over_a_long_stream_of_single_samples() -> None:
    """2e6 single float32 samples: the variance keeps ~9 digits (the compensation's job).

    Without the variance's low-order part the error grows to ~1e-5 over this stream.
    """
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    data = (3.0 + rng.standard_normal(2_000_000)).astype(np.float32)
    xp: Any = jnp
    moments = init_moments(
        (), xp=xp, device=jax.devices("cpu")[0], dtype=jnp.float32, prior_count=0.0
    )

    def merge_one(state: Any, sample: Any) -> tuple[Any, None]:
        return update_moments_one(state, sample, xp=xp), None

    moments, _ = jax.lax.scan(merge_one, moments, jnp.asarray(data))
    assert moments.low is not None
    exact = data.astype(np.float64)
    assert _value(moments.mean, moments.low.mean) == pytest.approx(exact.mean(), rel=1e-9)
    assert _value(moments.var, moments.low.var) == pytest.approx(exact.var(), rel=1e-7)


@pytest.mark.parametrize("member", [Backend.ARRAY_API_STRICT_NO_FLOAT64, Backend.NUMPY])
def test_float32_statistics_stay_finite_for_finite_samples(member: Backend) -> None:
    """Samples up to ~1e19 and beyond square past float32's range; the variance does not."""
    xp = fast_namespace(member.xp)
    device = member.device
    f32 = xp.float32
    samples = [2e19, 2.5e19, -1e19, 3e19, 2e19]
    exact = np.var(np.asarray(samples, dtype=np.float64))
    one = init_moments((), xp=xp, device=device, dtype=f32, prior_count=0.0)
    for value in samples:
        one = update_moments_one(one, member.asarray(value, "float32"), xp=xp)
    batch = member.asarray(samples, "float32")
    batched = update_moments(
        init_moments((), xp=xp, device=device, dtype=f32, prior_count=0.0), batch, xp=xp
    )
    masked = update_moments_masked(
        init_moments((), xp=xp, device=device, dtype=f32, prior_count=0.0),
        batch,
        member.asarray([True] * 5),
        xp=xp,
    )
    # the prior (count 1e-4 at mean 0) against a first sample of 2e19: delta**2 = 4e38
    prior = init_moments((), xp=xp, device=device, dtype=f32)
    prior = update_moments_one(prior, member.asarray(2e19, "float32"), xp=xp)
    assert np.isfinite(to_host(prior.var))
    for moments in (one, batched, masked):
        assert moments.low is not None
        var = _value(moments.var, moments.low.var)
        assert np.isfinite(var)
        assert var == pytest.approx(exact, rel=1e-5)


def test_require_finite_reads_numbers_and_arrays() -> None:
    require_finite(1.0, owner="Demo", name="reward", xp=NP)
    require_finite(np.ones(3), owner="Demo", name="reward", xp=NP)
    for bad in (float("nan"), float("-inf"), np.asarray([1.0, np.inf])):
        with pytest.raises(ValueError, match="Demo: reward is not finite"):
            require_finite(bad, owner="Demo", name="reward", xp=NP)


def test_float32_batches_are_summed_at_the_statistics_precision() -> None:
    # float32 observations into float64 statistics: the batch is widened before any sum, so the
    # result equals the float64 computation on the same values (not float32 rounding)
    rng = np.random.default_rng(4)
    batches = [rng.normal(0.05, 0.1, size=(n, 3)).astype(np.float32) for n in (3, 64, 5)]
    xp = fast_namespace(resolve_namespace("numpy"))
    narrow = wide = init_moments((3,), xp=xp, device="cpu")
    for batch in batches:
        narrow = update_moments(narrow, batch, xp=xp)
        wide = update_moments(wide, batch.astype(np.float64), xp=xp)
    for got, expected in zip(narrow[:3], wide[:3], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-14)
