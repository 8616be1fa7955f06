"""RenderCollection, single and vector, against Gymnasium's and across backends."""
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownLambdaType=false

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers Catch
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import RenderCollection as VectorRenderCollection
from array_env.wrappers import RenderCollection


def _catch(backend: Backend) -> gym.Env[Any, Any]:
    device = backend.device_spec
    extra: dict[str, Any] = {} if device is None else {"device": device}
    return gym.make(
        "array_env/Catch-v0", xp=backend.namespace_name, render_mode="rgb_array", **extra
    )


def _frames(env: gym.Env[Any, Any]) -> list[Any]:
    rendered: Any = env.render()
    return list(rendered)


def _play(env: gym.Env[Any, Any], backend: Backend, steps: int) -> list[list[Any]]:
    """Play with resets, calling ``render`` every 7 steps; return what each call gave."""
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    renders = []
    episode = 0
    for step in range(steps):
        _, _, terminated, truncated, _ = env.step(backend.asarray(int(rng.integers(3))))
        if step % 7 == 6:
            renders.append(_frames(env))
        if bool(terminated) or bool(truncated):
            episode += 1
            env.reset(seed=episode)
    renders.append(_frames(env))
    return renders


@pytest.mark.parametrize("pop_frames", [True, False])
@pytest.mark.parametrize("reset_clean", [True, False])
def test_equals_gymnasium(pop_frames: bool, reset_clean: bool) -> None:
    kwargs = {"pop_frames": pop_frames, "reset_clean": reset_clean}
    theirs = gym.wrappers.RenderCollection(_catch(Backend.NUMPY), **kwargs)
    ours = RenderCollection(_catch(Backend.NUMPY), **kwargs)
    assert ours.render_mode == theirs.render_mode == "rgb_array_list"
    assert ours.metadata["render_modes"] == theirs.metadata["render_modes"]
    expected, got = _play(theirs, Backend.NUMPY, 60), _play(ours, Backend.NUMPY, 60)
    assert [len(r) for r in got] == [len(r) for r in expected]
    for ours_frames, their_frames in zip(got, expected, strict=True):
        for a, b in zip(ours_frames, their_frames, strict=True):
            np.testing.assert_array_equal(a, b)


def test_frames_stay_on_the_device(backend: Backend) -> None:
    env = RenderCollection(_catch(backend), pop_frames=False)
    renders = _play(env, backend, 15)
    assert_on_backend(renders, backend.xp, backend.device)
    reference = _play(RenderCollection(_catch(Backend.NUMPY), pop_frames=False), Backend.NUMPY, 15)
    for ours, expected in zip(renders[-1], reference[-1], strict=True):
        np.testing.assert_array_equal(to_host(ours), expected)


def test_vector_collects_batched_frames(backend: Backend) -> None:
    device = backend.device_spec
    extra: dict[str, Any] = {} if device is None else {"device": device}
    envs = gym.make_vec(
        "array_env/Catch-v0", 3, vectorization_mode="vector_entry_point",
        xp=backend.namespace_name, render_mode="rgb_array", **extra,
    )  # fmt: skip
    envs = VectorRenderCollection(envs)
    envs.reset(seed=0)
    for _ in range(4):
        envs.step(backend.asarray(np.ones(3, dtype=np.int64)))
    frames = envs.render()
    assert len(frames) == 5
    assert envs.render() == []
    assert_on_backend(frames, backend.xp, backend.device)
    assert tuple(frames[-1].shape) == (3, 84, 84, 3)


def test_vector_equals_gymnasium_single_per_sub_env() -> None:
    """Over SyncVectorEnv, entry k's frame i is Gymnasium's single RenderCollection's frame k."""
    pytest.importorskip("pygame", reason="Gymnasium's CartPole renders with pygame")

    def make() -> gym.Env[Any, Any]:
        return gym.make("CartPole-v1", render_mode="rgb_array")

    envs = VectorRenderCollection(gym.vector.SyncVectorEnv([make, make]), pop_frames=False)
    singles = [gym.wrappers.RenderCollection(make(), pop_frames=False) for _ in range(2)]
    envs.reset(seed=3)  # sub-envs seeded 3 and 4
    for single, seed in zip(singles, (3, 4), strict=True):
        single.reset(seed=seed)
    for _ in range(6):  # CartPole does not end this early whatever the actions
        envs.step(np.zeros(2, dtype=np.int64))
        for single in singles:
            single.step(0)
    collected = envs.render()
    for i, single in enumerate(singles):
        for batch, frame in zip(collected, single.render(), strict=True):
            np.testing.assert_array_equal(batch[i], frame)


@pytest.mark.parametrize("vector", [False, True], ids=["single", "vector"])
def test_rejects_missing_or_list_render_mode(vector: bool) -> None:
    cls: Any = VectorRenderCollection if vector else RenderCollection

    def make(mode: str | None) -> Any:
        if vector:
            return gym.make_vec("CartPole-v1", 2, vectorization_mode="sync", render_mode=mode)
        return gym.make("CartPole-v1", render_mode=mode)

    with pytest.raises(
        ValueError, match=r"RenderCollection: expected env\.render_mode to be not None, got None"
    ):
        cls(make(None))
    with pytest.raises(
        ValueError,
        match=r"RenderCollection: expected env\.render_mode to not end with '_list', "
        r"got 'rgb_array_list'",
    ):
        cls(make("rgb_array_list"))
