"""The area-resize core against OpenCV's ``cv2.resize(..., INTER_AREA)``, on every backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from array_env._ops.resize import axis_taps, image_resizer, resize_images, resize_plan
from array_env.testing import Backend, assert_on_backend, to_host

cv2 = pytest.importorskip(
    "cv2", reason="opencv-python-headless (the `test` extra) is the reference"
)

# (source, target, largest grey-level difference from OpenCV allowed): shrinking is exact
SIZES = [
    ((210, 160), (84, 84), 0),
    ((250, 160), (84, 84), 0),
    ((96, 96), (84, 84), 0),
    ((168, 168), (84, 84), 0),  # exact halving: OpenCV's SIMD rounds half up
    ((96, 96), (32, 32), 0),  # integer factor 3
    ((96, 96), (96, 48), 0),  # one axis kept
    ((7, 5), (3, 2), 0),
    ((50, 50), (50, 50), 0),
    ((64, 64), (96, 96), 1),  # enlarging: OpenCV's fixed-point SIMD truncates
    ((84, 84), (210, 160), 1),
    ((210, 160), (84, 200), 1),  # one axis grows: OpenCV's linear rule on both
]


def _frames(shape: tuple[int, ...], count: int, seed: int) -> np.ndarray:
    """Noise and smooth gradients: every rounding case of the weights."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (count, *shape), dtype=np.uint8)
    ramp = np.linspace(0, 255, shape[0] * shape[1]).reshape(shape[0], shape[1])
    smooth = np.broadcast_to(ramp.reshape(shape[:2] + (1,) * (len(shape) - 2)), shape)
    return np.concatenate([noise, smooth.astype(np.uint8)[None]])


def _cv2(frames: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    out = [
        cv2.resize(f, (target[1], target[0]), interpolation=cv2.INTER_AREA).reshape(
            target + f.shape[2:]
        )
        for f in frames
    ]
    return np.stack(out)


def _ours(
    frames: Any, source: tuple[int, int], target: tuple[int, int], backend: Backend, *,
    channels: bool = True,
) -> Any:  # fmt: skip
    plan = resize_plan(source, target, xp=backend.xp, device=backend.device)
    xp = backend.xp
    if not channels:  # greyscale frames without a channel axis, as the Atari wrappers resize
        return image_resizer(plan, tuple(frames.shape), channel_axis=False, xp=xp)(frames)
    return resize_images(frames, plan, xp=xp)


@pytest.mark.parametrize("channels", [3, 1, 0, 4])
@pytest.mark.parametrize(("source", "target", "tolerance"), SIZES)
def test_matches_cv2_inter_area(
    source: tuple[int, int], target: tuple[int, int], tolerance: int, channels: int
) -> None:
    shape = source + ((channels,) if channels else ())
    frames = _frames(shape, 6, seed=sum(source) + channels)
    expected = _cv2(frames, target)
    actual = _ours(frames, source, target, Backend.NUMPY, channels=channels > 0)
    assert actual.dtype == np.uint8
    assert actual.shape == expected.shape
    difference = np.abs(actual.astype(int) - expected.astype(int))
    assert difference.max() <= tolerance, f"max grey-level difference {difference.max()}"


@pytest.mark.parametrize(("source", "target"), [((210, 160), (84, 84)), ((84, 84), (210, 160))])
def test_same_result_on_every_backend(
    backend: Backend, source: tuple[int, int], target: tuple[int, int]
) -> None:
    frames = _frames((*source, 3), 2, seed=3)
    expected = _ours(frames, source, target, Backend.NUMPY)
    actual = _ours(backend.asarray(frames), source, target, backend)
    assert_on_backend(actual, backend.xp, backend.device)
    # float32 sums in another order may cross a rounding tie: never by more than one level
    difference = np.abs(to_host(actual).astype(int) - expected.astype(int))
    assert difference.max() <= 1
    assert (difference > 0).mean() < 1e-3


def test_batch_axes_and_single_frame_agree() -> None:
    frames = _frames((210, 160, 3), 3, seed=5)
    batch = _ours(frames.reshape(2, 2, 210, 160, 3), (210, 160), (84, 84), Backend.NUMPY)
    assert batch.shape == (2, 2, 84, 84, 3)
    for index, frame in enumerate(frames):
        single = _ours(frame, (210, 160), (84, 84), Backend.NUMPY)
        np.testing.assert_array_equal(batch.reshape(4, 84, 84, 3)[index], single)


def test_weight_grid_or_column_same_result() -> None:
    # the plan repeats the weights into grids for its channel count; any other count, or a grid
    # too large to keep, broadcasts the column of weights instead: the same products
    frames = _frames((210, 160, 3), 2, seed=7)
    xp, device = Backend.NUMPY.xp, Backend.NUMPY.device
    planned = resize_plan((210, 160), (84, 84), channels=3, xp=xp, device=device)
    assert planned.column_grid.shape == (252, 3 * 210)
    other = resize_plan((210, 160), (84, 84), channels=1, xp=xp, device=device)
    expected = resize_images(frames, planned, xp=xp)
    np.testing.assert_array_equal(resize_images(frames, other, xp=xp), expected)
    large = resize_plan((1200, 1600), (84, 84), channels=3, xp=xp, device=device)
    assert large.column_grid.shape[-1] == 1
    big = np.repeat(np.repeat(frames, 8, axis=1), 10, axis=2)[:, :1200, :1600]
    difference = np.abs(resize_images(big, large, xp=xp).astype(int) - _cv2(big, (84, 84)))
    assert difference.max() == 0


def test_input_not_mutated_read_only() -> None:
    frames = Backend.NUMPY_READONLY.asarray(_frames((96, 96, 3), 1, seed=1))
    before = frames.copy()
    _ours(frames, (96, 96), (84, 84), Backend.NUMPY)
    np.testing.assert_array_equal(frames, before)


@pytest.mark.parametrize("batch", [(), (3,)])
def test_channel_less_resizer_equals_a_channel_of_one(
    backend: Backend, batch: tuple[int, ...]
) -> None:
    # the specialised greyscale path (no channel axis, no reshapes) against the general one
    xp = backend.xp
    plan = resize_plan((210, 160), (84, 84), xp=xp, device=backend.device)
    frames = _frames((210, 160), 3, seed=4)[: batch[0] if batch else 1]
    images = backend.asarray(frames if batch else frames[0])
    got = image_resizer(plan, tuple(images.shape), channel_axis=False, xp=xp)(images)
    general = resize_images(xp.expand_dims(images, axis=-1), plan, xp=xp)[..., 0]
    assert tuple(got.shape) == (*batch, 84, 84)
    np.testing.assert_array_equal(to_host(got), to_host(general))
    np.testing.assert_array_equal(to_host(got), _cv2(frames, (84, 84)).reshape(*batch, 84, 84))


def test_area_taps_sum_to_one() -> None:
    for src, dst in [(210, 84), (160, 84), (96, 84), (7, 3), (5, 5)]:
        _, weights = axis_taps(src, dst, linear=False)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-12)
    for src, dst in [(84, 210), (3, 7)]:
        _, weights = axis_taps(src, dst, linear=True)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-12)


def test_core_under_jax_jit_equals_eager() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    for source, target in [((210, 160), (84, 84)), ((84, 84), (210, 160))]:
        plan = resize_plan(source, target, xp=jnp, device=jax.devices()[0])
        frames = jnp.asarray(_frames((*source, 3), 2, seed=9))  # pyright: ignore[reportUnknownMemberType]
        eager = resize_images(frames, plan, xp=jnp)
        # the plan is a constant of the compiled function (its rounding rule is structure)
        jitted = jax.jit(lambda f, plan=plan: resize_images(f, plan, xp=jnp))(frames)  # pyright: ignore[reportUnknownLambdaType]
        # XLA contracts multiply-adds into FMAs: a float32 sum next to a rounding tie may land
        # on the other side (measured: 43 of 63504 values, by one level)
        difference = np.abs(np.asarray(jitted).astype(int) - np.asarray(eager).astype(int))
        assert difference.max() <= 1
        assert (difference > 0).mean() < 2e-3
        expected = _cv2(np.asarray(frames), target)
        assert np.abs(np.asarray(jitted).astype(int) - expected.astype(int)).max() <= 1
