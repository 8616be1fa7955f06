"""AddWhiteNoise and ObstructView, single and vector, against Gymnasium's and across backends."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidProbability
from gymnasium.vector import SyncVectorEnv

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import AddWhiteNoise as VectorAddWhiteNoise
from array_env.vector import ObstructView as VectorObstructView
from array_env.wrappers import AddRenderObservation, AddWhiteNoise, ObstructView
from array_env.wrappers.noisy_observation import KEEP, apply_patch
from tests._image_envs import RandomFrames

_NOISE = {"probability_of_noise_per_pixel": 0.3}
_OBSTRUCTION = {"obstructed_pixels_ratio": 0.4, "obstruction_width": 3}
WRAPPERS: list[tuple[Any, Any, Any, dict[str, Any]]] = [
    (AddWhiteNoise, gym.wrappers.AddWhiteNoise, VectorAddWhiteNoise, _NOISE),
    (ObstructView, gym.wrappers.ObstructView, VectorObstructView, _OBSTRUCTION),
]
IDS = ["AddWhiteNoise", "ObstructView"]


def _frames(env: gym.Env[Any, Any], steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    out = [to_host(env.render())]
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        out.append(to_host(env.render()))
        if terminated or truncated:
            env.reset()
            out.append(to_host(env.render()))
    return out


@pytest.mark.parametrize("grey", [False, True], ids=["colour", "grey"])
@pytest.mark.parametrize(("ours", "theirs", "_vector", "kwargs"), WRAPPERS, ids=IDS)
def test_equals_gymnasium_on_numpy(
    ours: Any, theirs: Any, _vector: Any, kwargs: dict[str, Any], grey: bool
) -> None:
    """Same frames and the same env random stream (the env draws its frames after the noise)."""
    mine = ours(
        RandomFrames((20, 17, 3), render_mode="rgb_array"), **kwargs, is_noise_grayscale=grey
    )
    gyms = theirs(
        RandomFrames((20, 17, 3), render_mode="rgb_array"), **kwargs, is_noise_grayscale=grey
    )
    expected, actual = _frames(gyms, 2000, seed=3), _frames(mine, 2000, seed=3)
    assert len(actual) == len(expected) > 2000
    for got, want in zip(actual, expected, strict=True):
        assert got.dtype == np.uint8  # Gymnasium's grey noise promotes to uint64: same values
        np.testing.assert_array_equal(got, want)
    for name in (
        kwargs if ours is AddWhiteNoise else ("obstruction_centers_ratio", "obstruction_width")
    ):
        assert getattr(mine, name) == getattr(gyms, name)


@pytest.mark.parametrize(("ours", "_theirs", "_vector", "kwargs"), WRAPPERS, ids=IDS)
def test_same_frames_on_every_backend(
    backend: Backend, ours: Any, _theirs: Any, _vector: Any, kwargs: dict[str, Any]
) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the reference env builds its own arrays: same as numpy")

    def run(member: Backend) -> list[Any]:
        env = gym.make(
            "array_env/Catch-v0", xp=member.namespace_name, device=member.device_spec,
            render_mode="rgb_array",
        )  # fmt: skip
        env = AddRenderObservation(ours(env, **kwargs))
        obs, _ = env.reset(seed=5)
        assert_on_backend(obs, member.xp, member.device)
        out = [to_host(obs)]
        for _ in range(12):
            obs, *_ = env.step(member.asarray(1, "int64" if member.has_float64 else "int32"))
            out.append(to_host(obs))
        return out

    for got, want in zip(run(backend), run(Backend.NUMPY), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("ours", "theirs", "vector", "kwargs"), WRAPPERS, ids=IDS)
def test_vector_equals_gymnasium_single_per_sub_env(
    ours: Any, theirs: Any, vector: Any, kwargs: dict[str, Any]
) -> None:
    del ours

    def make() -> gym.Env[Any, Any]:
        return RandomFrames((12, 10, 3), mean_length=8, render_mode="rgb_array")

    envs = vector(SyncVectorEnv([make] * 3), **kwargs)
    singles = [theirs(make(), **kwargs) for _ in range(3)]
    envs.reset(seed=7)
    for i, single in enumerate(singles):
        single.reset(seed=7 + i)
    rng = np.random.default_rng(7)
    pending = np.zeros(3, bool)
    for _ in range(300):
        frames = to_host(envs.render())
        for i, single in enumerate(singles):
            np.testing.assert_array_equal(frames[i], single.render(), err_msg=f"sub-env {i}")
        actions = rng.integers(0, 3, 3)
        _, _, terminated, truncated, _ = envs.step(actions)
        for i, single in enumerate(singles):
            if pending[i]:
                single.reset()
            else:
                single.step(int(actions[i]))
        pending = np.logical_or(terminated, truncated)


@pytest.mark.parametrize(("_ours", "_theirs", "vector", "kwargs"), WRAPPERS, ids=IDS)
def test_native_vector_frames_on_device(
    backend: Backend, _ours: Any, _theirs: Any, vector: Any, kwargs: dict[str, Any]
) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the reference env builds its own arrays: same as numpy")

    def run(member: Backend) -> np.ndarray:
        envs = gym.make_vec(
            "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point",
            xp=member.namespace_name, device=member.device_spec, render_mode="rgb_array",
        )  # fmt: skip
        envs = vector(envs, **kwargs)
        envs.reset(seed=1)
        frames = envs.render()
        assert_on_backend(frames, member.xp, member.device)
        host: np.ndarray = to_host(frames)
        return host

    np.testing.assert_array_equal(run(backend), run(Backend.NUMPY))


def test_core_under_jax_jit_equals_eager() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    frame = jnp.asarray(rng.integers(0, 256, (2, 6, 5, 3), dtype=np.uint8))  # pyright: ignore[reportUnknownMemberType]
    patch = jnp.asarray(np.where(rng.random((2, 6, 5, 1)) < 0.5, 7, KEEP).astype(np.uint8))  # pyright: ignore[reportUnknownMemberType]
    eager = apply_patch(frame, patch, xp=jnp)
    jitted = jax.jit(lambda f, p: apply_patch(f, p, xp=jnp))(frame, patch)  # pyright: ignore[reportUnknownLambdaType]
    np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))


def test_constructor_errors_match_gymnasium() -> None:
    for p in (-0.1, 1.0):
        with pytest.raises(InvalidProbability) as theirs:
            gym.wrappers.AddWhiteNoise(RandomFrames(), p)
        with pytest.raises(InvalidProbability, match=r"^AddWhiteNoise: ") as ours:
            AddWhiteNoise(RandomFrames(), p)
        assert str(ours.value).endswith(str(theirs.value))
    for ratio, width in ((1.0, 3), (0.5, 0)):
        with pytest.raises(ValueError) as theirs_error:
            gym.wrappers.ObstructView(RandomFrames(), ratio, width)
        with pytest.raises(ValueError, match=r"^ObstructView: ") as ours_error:
            ObstructView(RandomFrames(), ratio, width)
        assert str(ours_error.value).endswith(str(theirs_error.value))
        with pytest.raises(ValueError, match=r"^ObstructView: "):
            VectorObstructView(SyncVectorEnv([RandomFrames]), ratio, width)


def test_bad_frame_is_rejected() -> None:
    env = AddWhiteNoise(RandomFrames((6, 5, 3), render_mode="rgb_array"), 0.5)
    env.reset(seed=0)
    env.render()
    contract = env._frame_contract  # pyright: ignore[reportPrivateUsage]
    env.env._frame = np.zeros((6, 5, 4), np.uint8)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
    with pytest.raises(ArrayMismatchError, match=r"AddWhiteNoise: render\(\) frame has shape"):
        env.render()
    assert env._frame_contract is contract  # pyright: ignore[reportPrivateUsage]
