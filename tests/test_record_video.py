"""RecordVideo, single and vector: real H.264 files read back with PyAV, against Gymnasium's."""
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownLambdaType=false

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers Catch
from array_env._ops.video import VideoWriter, grid_shape, tile_frames
from array_env.testing import Backend, to_host
from array_env.vector import RecordVideo as VectorRecordVideo
from array_env.wrappers import RecordVideo

NP: Any = np  # NumPy as an array namespace (its stubs are not the protocol)

av = pytest.importorskip("av", reason="PyAV (the video extra) is not installed")


def read_video(path: Path) -> tuple[np.ndarray, Any]:
    """Decode a video: its frames ``(T, H, W, 3)`` and its stream."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        return np.stack(frames), (stream.codec_context.name, stream.average_rate)


def catch(backend: Backend, **kwargs: Any) -> gym.Env[Any, Any]:
    device = backend.device_spec
    extra: dict[str, Any] = {} if device is None else {"device": device}
    return gym.make(
        "array_env/Catch-v0", xp=backend.namespace_name, render_mode="rgb_array", **extra, **kwargs
    )


def run_episodes(env: gym.Env[Any, Any], backend: Backend, episodes: int) -> list[list[np.ndarray]]:
    """Play ``episodes`` episodes; return each one's rendered frames on the host."""
    rng = np.random.default_rng(0)
    base = env.unwrapped
    recorded = []
    for episode in range(episodes):
        env.reset(seed=episode)
        frames = [to_host(base.render())]
        while True:
            _, _, terminated, truncated, _ = env.step(backend.asarray(int(rng.integers(3))))
            frames.append(to_host(base.render()))
            if bool(terminated) or bool(truncated):
                break
        recorded.append(frames)
    return recorded


def test_single_writes_readable_h264(backend: Backend, tmp_path: Path) -> None:
    env = RecordVideo(catch(backend), str(tmp_path), episode_trigger=lambda e: e in (0, 2))
    episodes = run_episodes(env, backend, 3)
    env.close()
    assert sorted(os.listdir(tmp_path)) == ["rl-video-episode-0.mp4", "rl-video-episode-2.mp4"]
    for name, frames in (
        ("rl-video-episode-0.mp4", episodes[0]),
        ("rl-video-episode-2.mp4", episodes[2]),
    ):
        decoded, (codec, rate) = read_video(tmp_path / name)
        assert codec == "h264"
        assert rate == 10
        assert decoded.shape == (len(frames), 84, 84, 3)
        # H.264 is lossy: the decoded clip stays close to what the env rendered
        error = np.abs(decoded.astype(np.int16) - np.stack(frames).astype(np.int16)).mean()
        assert error < 4.0, error


def test_video_length_and_step_trigger(tmp_path: Path) -> None:
    env = RecordVideo(
        catch(Backend.NUMPY), str(tmp_path), step_trigger=lambda s: s % 15 == 0, video_length=5,
        fps=24, name_prefix="clip",
    )  # fmt: skip
    run_episodes(env, Backend.NUMPY, 4)
    env.close()
    names = sorted(os.listdir(tmp_path))
    assert names[0] == "clip-step-0.mp4"
    for name in names:
        decoded, (_, rate) = read_video(tmp_path / name)
        assert rate == 24
        assert decoded.shape[0] == 6  # Gymnasium stops once more than video_length frames


class _FakeClip:
    """Stands in for moviepy's ImageSequenceClip: Gymnasium's wrapper, our bookkeeping."""

    written: list[tuple[str, int, float]] = []  # noqa: RUF012

    def __init__(self, frames: list[np.ndarray], fps: float) -> None:
        self.frames, self.fps = frames, fps

    def write_videofile(self, path: str, logger: Any = None) -> None:
        _FakeClip.written.append((os.path.basename(path), len(self.frames), self.fps))


@pytest.fixture
def fake_moviepy(monkeypatch: pytest.MonkeyPatch) -> type[_FakeClip]:
    """Let Gymnasium's RecordVideo run without moviepy, recording what it would write."""
    clip_module = types.ModuleType("moviepy.video.io.ImageSequenceClip")
    setattr(clip_module, "ImageSequenceClip", _FakeClip)  # noqa: B010
    for name in ("moviepy", "moviepy.video", "moviepy.video.io"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "moviepy.video.io.ImageSequenceClip", clip_module)
    _FakeClip.written = []
    return _FakeClip


@pytest.mark.parametrize(
    "triggers",
    [
        {"episode_trigger": lambda e: e % 2 == 0},
        {"step_trigger": lambda s: s % 7 == 0, "video_length": 4},
        {"episode_trigger": lambda e: e == 1, "video_length": 30},
        {},  # capped cubic schedule
    ],
    ids=["episodes", "steps", "long-snippets", "default"],
)
def test_single_equals_gymnasium(
    triggers: dict[str, Any], tmp_path: Path, fake_moviepy: type[_FakeClip]
) -> None:
    theirs = gym.wrappers.RecordVideo(
        gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array"),
        str(tmp_path / "gym"), **triggers,
    )  # fmt: skip
    ours = RecordVideo(catch(Backend.NUMPY), str(tmp_path / "ours"), **triggers)
    run_episodes(theirs, Backend.NUMPY, 6)
    run_episodes(ours, Backend.NUMPY, 6)
    theirs.close()  # type: ignore[no-untyped-call]
    ours.close()
    assert (ours.episode_id, ours.step_id) == (theirs.episode_id, theirs.step_id)
    expected = sorted((name, count) for name, count, _ in fake_moviepy.written)
    got = sorted(
        (name, read_video(tmp_path / "ours" / name)[0].shape[0])
        for name in os.listdir(tmp_path / "ours")
    )
    assert got == expected
    assert got


def test_vector_tiles_sub_env_frames(backend: Backend, tmp_path: Path) -> None:
    device = backend.device_spec
    extra: dict[str, Any] = {} if device is None else {"device": device}
    envs = gym.make_vec(
        "array_env/Catch-v0", 4, vectorization_mode="vector_entry_point",
        xp=backend.namespace_name, render_mode="rgb_array", **extra,
    )  # fmt: skip
    envs = VectorRecordVideo(envs, str(tmp_path), step_trigger=lambda s: s == 2, video_length=6)
    envs.reset(seed=0)
    rendered = []
    for step in range(10):
        envs.step(backend.asarray(np.full(4, step % 3)))
        if 2 <= step <= 8:
            rendered.append(to_host(envs.env.render()))
    envs.close()
    decoded, (codec, rate) = read_video(tmp_path / "rl-video-step-2.mp4")
    assert (codec, rate, decoded.shape) == ("h264", 10, (7, 168, 168, 3))
    # sub-envs row by row: 0 1 / 2 3
    expected = np.stack(
        [np.concatenate([np.hstack([f[0], f[1]]), np.hstack([f[2], f[3]])]) for f in rendered]
    )
    # lossy, but close: 0.28 grey levels on average here, against 1.06 with two tiles swapped
    assert np.abs(decoded.astype(np.int16) - expected.astype(np.int16)).mean() < 0.6


@pytest.mark.parametrize("mode", ["next-step", "same-step"])
def test_vector_episode_ids_equal_gymnasium(
    mode: str, tmp_path: Path, fake_moviepy: type[_FakeClip]
) -> None:
    autoreset = {"next-step": gym.vector.AutoresetMode.NEXT_STEP,
                 "same-step": gym.vector.AutoresetMode.SAME_STEP}[mode]  # fmt: skip

    def make() -> gym.vector.VectorEnv[Any, Any, Any]:
        return gym.vector.SyncVectorEnv(
            [lambda: gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array")] * 3,
            autoreset_mode=autoreset,
        )

    kwargs: dict[str, Any] = {"episode_trigger": lambda e: e % 2 == 1}
    theirs = gym.wrappers.vector.RecordVideo(make(), str(tmp_path / "gym"), **kwargs)
    ours = VectorRecordVideo(make(), str(tmp_path / "ours"), **kwargs)
    for envs in (theirs, ours):
        envs.reset(seed=0)
        rng = np.random.default_rng(1)
        for _ in range(60):
            envs.step(rng.integers(3, size=3))
        envs.close()
    assert ours.episode_id == theirs.episode_id
    expected = sorted((name, count) for name, count, _ in fake_moviepy.written)
    got = sorted(
        (name, read_video(tmp_path / "ours" / name)[0].shape[:3])
        for name in os.listdir(tmp_path / "ours")
    )
    assert [name for name, _ in got] == [name for name, _ in expected]
    assert [shape for _, shape in got] == [(count, 84, 252) for _, count in expected]


def test_vector_record_first_only(tmp_path: Path) -> None:
    envs = gym.make_vec(
        "array_env/Catch-v0", 3, vectorization_mode="vector_entry_point", xp="numpy",
        render_mode="rgb_array",
    )  # fmt: skip
    envs = VectorRecordVideo(
        envs, str(tmp_path), record_first_only=True, step_trigger=lambda s: s == 0, video_length=2
    )
    envs.reset(seed=0)
    for _ in range(4):
        envs.step(np.ones(3, dtype=np.int64))
    envs.close()
    assert read_video(tmp_path / "rl-video-step-0.mp4")[0].shape == (3, 84, 84, 3)


def test_unrecorded_steps_never_render(tmp_path: Path) -> None:
    env = catch(Backend.NUMPY)
    calls = []
    base = env.unwrapped
    original = base.render

    def spy() -> Any:
        calls.append(1)
        return original()

    base.render = spy  # type: ignore[method-assign]
    wrapped = RecordVideo(env, str(tmp_path), step_trigger=lambda s: s == 20, video_length=1)
    run_episodes(wrapped, Backend.NUMPY, 2)
    recorded = len(calls)
    wrapped.close()
    # run_episodes renders once per step itself; the wrapper adds exactly two captures
    steps = wrapped.step_id + 1 + wrapped.episode_id + 1
    assert recorded == steps + 2


@pytest.mark.parametrize("mode", [None, "human", "ansi"])
def test_rejects_env_without_frames(mode: str | None, tmp_path: Path) -> None:
    env = gym.make("CartPole-v1", render_mode=mode)
    with pytest.raises(ValueError, match=f"RecordVideo: render mode is {mode}, which is"):
        RecordVideo(env, str(tmp_path))
    envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync", render_mode=mode)
    with pytest.raises(ValueError, match="RecordVideo: render mode is"):
        VectorRecordVideo(envs, str(tmp_path))


def test_interpreter_exit_finalises_and_crash_keeps_earlier(tmp_path: Path) -> None:
    script = f"""
import gymnasium as gym, numpy as np, array_env.envs
from array_env.wrappers import RecordVideo
env = RecordVideo(gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array"),
                  {str(tmp_path)!r}, episode_trigger=lambda e: True)
for episode in range(2):
    env.reset(seed=episode)
    for _ in range(4):
        env.step(np.asarray(1))
raise SystemExit(3)  # no close(): the second video is still open
"""
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=os.getcwd())
    assert done.returncode == 3
    assert read_video(tmp_path / "rl-video-episode-0.mp4")[0].shape[0] == 5
    assert read_video(tmp_path / "rl-video-episode-1.mp4")[0].shape[0] == 5


def test_odd_sizes_and_grids(tmp_path: Path) -> None:
    writer = VideoWriter(str(tmp_path / "odd.mp4"), fps=29.97)
    for value in (0, 128, 255):
        writer.write(np.full((5, 7, 3), value, np.uint8))
    writer.close()
    decoded, (_, rate) = read_video(tmp_path / "odd.mp4")
    assert decoded.shape == (3, 6, 8, 3)
    assert float(rate) == pytest.approx(29.97, abs=1e-3)
    assert grid_shape(6, 10, 10, (16, 9)) == (2, 3)
    assert grid_shape(5, 10, 10, (1, 1)) == (1, 5)


def test_tile_frames_runs_under_jit() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    frames = np.random.default_rng(0).integers(0, 255, (3, 4, 5, 3), dtype=np.uint8)
    eager = tile_frames(frames, 2, 2, xp=NP)
    jitted = jax.jit(lambda f: tile_frames(f, 2, 2, xp=jnp))(jnp.asarray(frames))
    np.testing.assert_array_equal(np.asarray(jitted), eager)
    assert eager[4:, 5:].max() == 0  # the cell past the last frame is black
