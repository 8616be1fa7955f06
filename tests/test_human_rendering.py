"""HumanRendering, single and vector: the window shows the frames (headless, and under Xvfb)."""
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownLambdaType=false

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers Catch
from array_env.testing import Backend, to_host
from array_env.vector import HumanRendering as VectorHumanRendering
from array_env.wrappers import HumanRendering

pygame = pytest.importorskip("pygame", reason="pygame-ce (the video extra) is not installed")


@pytest.fixture(autouse=True)
def _headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")


def _window_pixels(window: Any) -> np.ndarray:
    return np.transpose(pygame.surfarray.array3d(window), (1, 0, 2))  # (H, W, 3)


def _catch(backend: Backend, num_envs: int | None = None) -> Any:
    device = backend.device_spec
    extra: dict[str, Any] = {} if device is None else {"device": device}
    if num_envs is None:
        return gym.make(
            "array_env/Catch-v0", xp=backend.namespace_name, render_mode="rgb_array", **extra
        )
    return gym.make_vec(
        "array_env/Catch-v0", num_envs, vectorization_mode="vector_entry_point",
        xp=backend.namespace_name, render_mode="rgb_array", **extra,
    )  # fmt: skip


def test_window_shows_each_frame(backend: Backend) -> None:
    env = HumanRendering(_catch(backend))
    assert env.render_mode == "human"
    assert "human" in env.metadata["render_modes"]
    env.metadata["render_fps"] = 1000  # do not pace the test
    env._window.fps = 1000  # pyright: ignore[reportPrivateUsage]
    env.reset(seed=0)
    for step in range(6):
        np.testing.assert_array_equal(_window_pixels(env.window), to_host(env.env.render()))
        env.step(backend.asarray(step % 3))
    render: Any = env.render
    assert render() is None
    assert env.screen_size == (84, 84)
    env.close()


def test_cartpole_window_equals_gymnasiums() -> None:
    theirs = gym.wrappers.HumanRendering(gym.make("CartPole-v1", render_mode="rgb_array"))
    theirs.reset(seed=1)
    their_pixels = _window_pixels(theirs.window).copy()
    theirs.close()  # type: ignore[no-untyped-call]
    ours = HumanRendering(gym.make("CartPole-v1", render_mode="rgb_array"))
    ours.reset(seed=1)
    np.testing.assert_array_equal(_window_pixels(ours.window), their_pixels)
    assert ours.screen_size == (600, 400)
    ours.close()


def test_vector_layout_and_pixels_equal_gymnasiums() -> None:
    def make() -> gym.vector.VectorEnv[Any, Any, Any]:
        return gym.make_vec("CartPole-v1", 4, vectorization_mode="sync", render_mode="rgb_array")

    # a screen twice a frame's size: the frames keep their size, so pixels compare exactly
    theirs = gym.wrappers.vector.HumanRendering(make(), screen_size=(1200, 800))
    theirs.reset(seed=2)
    their_pixels = _window_pixels(theirs.window).copy()
    their_layout = (theirs.num_rows, theirs.num_cols, theirs.scaled_subenv_size)
    theirs.close()
    ours = VectorHumanRendering(make(), screen_size=(1200, 800))
    ours.reset(seed=2)
    assert (ours.num_rows, ours.num_cols, ours.scaled_subenv_size) == their_layout
    np.testing.assert_array_equal(_window_pixels(ours.window), their_pixels)
    ours.close()


def test_vector_scales_on_the_device(backend: Backend) -> None:
    envs = VectorHumanRendering(_catch(backend, 4))
    envs._window.fps = 1000  # pyright: ignore[reportPrivateUsage]
    envs.reset(seed=0)
    envs.step(backend.asarray(np.ones(4, dtype=np.int64)))
    assert (envs.num_rows, envs.num_cols, envs.scaled_subenv_size) == (2, 2, (42, 42))
    frames = to_host(envs.env.render())
    shown = _window_pixels(envs.window)
    # each quarter is the sub-env frame halved (an exact 2x2 mean, rounded half up)
    halved = (frames.reshape(4, 42, 2, 42, 2, 3).astype(np.int32).sum(axis=(2, 4)) + 2) // 4
    np.testing.assert_array_equal(shown[:42, 42:], halved[1])
    np.testing.assert_array_equal(shown[42:, :42], halved[2])
    envs.close()


@pytest.mark.parametrize("vector", [False, True], ids=["single", "vector"])
def test_rejects_bad_sources(vector: bool) -> None:
    cls: Any = VectorHumanRendering if vector else HumanRendering

    def make(mode: str | None) -> Any:
        if vector:
            return gym.make_vec("CartPole-v1", 2, vectorization_mode="sync", render_mode=mode)
        return gym.make("CartPole-v1", render_mode=mode)

    with pytest.raises(
        ValueError, match=r"HumanRendering: expected env.render_mode to be one of .* but got 'None'"
    ):
        cls(make(None))
    env = make("rgb_array")
    env.metadata = {"render_modes": ["rgb_array"]}
    with pytest.raises(
        ValueError, match="HumanRendering: the base environment must specify 'render_fps'"
    ):
        cls(env)


_SHOW = """
import sys, time
import gymnasium as gym, numpy as np, array_env.envs
from array_env.wrappers import HumanRendering
env = HumanRendering(gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array"))
env.reset(seed=0)
for _ in range(3):
    env.step(np.asarray(2))
np.save(sys.argv[1], env.env.render())
print("shown", flush=True)
time.sleep(30)
"""


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_xvfb_screenshot_shows_the_frame(tmp_path: Path) -> None:
    display = ":87"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "320x240x24"])
    shower = None
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display, "SDL_VIDEODRIVER": "x11"}
        frame_path = tmp_path / "frame.npy"
        shower = subprocess.Popen(
            [sys.executable, "-c", _SHOW, str(frame_path)], env=env, stdout=subprocess.PIPE,
            cwd=os.getcwd(),
        )  # fmt: skip
        assert shower.stdout is not None
        assert shower.stdout.readline().strip() == b"shown"
        time.sleep(0.5)
        screen = _screenshot(display)
        frame = np.load(frame_path)
        # without a window manager SDL centres the window on the root window
        found = _locate(screen, frame)
        assert found is not None, "the frame is not on the screen"
    finally:
        if shower is not None:
            shower.kill()
        server.kill()


def _screenshot(display: str) -> np.ndarray:
    """The X display's root window as RGB, read over XCB by Pillow (its wheels build it in)."""
    from PIL import ImageGrab, features

    if not features.check("xcb"):
        pytest.skip("this Pillow was built without XCB: it cannot read an X display")
    return np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"))


def _locate(screen: np.ndarray, frame: np.ndarray) -> tuple[int, int] | None:
    """Where ``frame`` lies on ``screen``: anchored on its first non-black pixel."""

    def first_lit(image: np.ndarray) -> tuple[int, int]:
        ys, xs = np.nonzero(image.any(axis=-1))
        return int(ys[0]), int(xs[0])

    (fy, fx), (sy, sx) = first_lit(frame), first_lit(screen)
    y, x = sy - fy, sx - fx
    height, width = frame.shape[:2]
    if y < 0 or x < 0 or not np.array_equal(screen[y : y + height, x : x + width], frame):
        return None
    return y, x
