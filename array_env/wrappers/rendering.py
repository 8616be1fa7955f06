"""Rendering wrappers: collect frames, record videos, show a window.

Frames stay in the env's namespace and on its device (array_env's reference envs paint them
there). Only two places move a frame to the host, because their job needs it: the video encoder
(:class:`array_env._ops.video.VideoWriter`, once per recorded frame, only while recording) and
the pygame window of :class:`HumanRendering`. The vector twins live in
:mod:`array_env.vector.rendering`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar, cast

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import logger
from gymnasium.error import DependencyNotInstalled

from array_env._ops.video import VideoWriter, frame_to_host, require_av
from array_env.core import Wrapper

__all__ = [
    "HumanRendering",
    "PygameWindow",
    "RecordVideo",
    "RenderCollection",
    "check_collect_mode",
    "check_human_source",
    "check_video_mode",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")

HUMAN_SOURCE_MODES = ["rgb_array", "rgb_array_list", "depth_array", "depth_array_list"]


def check_collect_mode(owner: str, render_mode: str | None) -> None:
    """RenderCollection's construction check: a render mode, and not already a list one."""
    if render_mode is None:
        raise ValueError(f"{owner}: expected env.render_mode to be not None, got None")
    if render_mode.endswith("_list"):
        raise ValueError(
            f"{owner}: expected env.render_mode to not end with '_list', got '{render_mode}'"
        )


def check_video_mode(owner: str, render_mode: str | None) -> None:
    """RecordVideo's construction check: the env must render images."""
    if render_mode in {None, "human", "ansi"}:
        raise ValueError(
            f"{owner}: render mode is {render_mode}, which is incompatible with RecordVideo. "
            "Initialize your environment with a render_mode that returns an image, such as "
            "rgb_array."
        )


def check_human_source(owner: str, render_mode: str | None, metadata: dict[str, Any]) -> None:
    """HumanRendering's construction check: image frames and a ``render_fps``."""
    if render_mode not in HUMAN_SOURCE_MODES:
        raise ValueError(
            f"{owner}: expected env.render_mode to be one of {HUMAN_SOURCE_MODES} "
            f"but got '{render_mode}'"
        )
    if "render_fps" not in metadata:
        raise ValueError(
            f"{owner}: the base environment must specify 'render_fps' to be used with the "
            f"HumanRendering wrapper, got metadata keys {sorted(metadata)}"
        )


def _with_list_mode(metadata: dict[str, Any], mode: str) -> dict[str, Any]:
    metadata = deepcopy(metadata)
    modes = list(metadata.get("render_modes", []))
    if mode not in modes:
        modes.append(mode)
    metadata["render_modes"] = modes
    return metadata


def capped_cubic_video_schedule(episode_id: int) -> bool:
    """Gymnasium's default trigger: episodes 0, 1, 8, 27, ... (cubes) below 1000, then every 1000th.

    Defined here because Gymnasium's lives in a module that needs moviepy to import.

    Examples:
        >>> [n for n in range(30) if capped_cubic_video_schedule(n)]
        [0, 1, 8, 27]
    """
    if episode_id < 1000:
        root: int = round(float(episode_id) ** (1.0 / 3))
        return root**3 == episode_id
    return episode_id % 1000 == 0


class RenderCollection(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Collect the rendered frames so that ``render`` returns a list of them.

    As Gymnasium's ``RenderCollection``: a frame is rendered after every ``reset`` and
    ``step``; ``render()`` returns the frames since the last call (``pop_frames=True``) or since
    the last reset. Frames are kept as the env returns them: arrays of its namespace on its
    device, nothing moves to the host. The vector twin is
    :class:`array_env.vector.RenderCollection`.

    Args:
        env: The environment; it must have a ``render_mode`` not ending in ``_list``.
        pop_frames: Clear the collection when ``render`` is called.
        reset_clean: Clear the collection when ``reset`` is called.

    Raises:
        ValueError: If ``render_mode`` is ``None`` or already ends in ``_list``.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> import array_api_strict as xps
        >>> env = gym.make("array_env/Catch-v0", xp="array_api_strict", render_mode="rgb_array")
        >>> env = RenderCollection(env)
        >>> _ = env.reset(seed=0)
        >>> for _ in range(3):
        ...     _ = env.step(xps.asarray(1))
        >>> frames = env.render()
        >>> len(frames), frames[0].shape, len(env.render())
        (4, (84, 84, 3), 0)
    """

    def __init__(
        self, env: gym.Env[Obs, Act], pop_frames: bool = True, reset_clean: bool = True
    ) -> None:
        check_collect_mode(type(self).__name__, env.render_mode)
        gym.utils.RecordConstructorArgs.__init__(
            self, pop_frames=pop_frames, reset_clean=reset_clean
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.frame_list: list[Any] = []
        self.pop_frames = pop_frames
        self.reset_clean = reset_clean
        self.metadata = _with_list_mode(env.metadata, f"{env.render_mode}_list")

    @property
    def render_mode(self) -> str:  # type: ignore[override]
        """The env's render mode with ``_list`` appended."""
        return f"{self.env.render_mode}_list"

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env and collect a frame."""
        output = self.env.step(action)
        self.frame_list.append(self.env.render())
        return output

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env, clear the collection if ``reset_clean``, and collect a frame."""
        output = self.env.reset(seed=seed, options=options)
        if self.reset_clean:
            self.frame_list = []
        self.frame_list.append(self.env.render())
        return output

    def render(self) -> list[Any]:
        """Return the collected frames; clear them if ``pop_frames``."""
        frames = self.frame_list
        if self.pop_frames:
            self.frame_list = []
        return frames


class RecordVideo(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Record episodes of an env as H.264 ``.mp4`` files, frame by frame.

    Gymnasium's ``RecordVideo`` with its signature, triggers and file names
    (``{name_prefix}-episode-{n}.mp4``, ``{name_prefix}-step-{n}.mp4``). The encoder is PyAV
    (the ``video`` extra): each recorded frame goes to the host once and straight into the
    encoder, so memory does not grow with the clip, and steps that are not recorded never touch
    the frame. The file is finalised when the recording stops, at ``close()``, when the wrapper
    is collected and at interpreter exit; a crash leaves earlier videos intact. As in
    Gymnasium, a recording of ``video_length`` stops once more than ``video_length`` frames were
    captured. The vector twin is :class:`array_env.vector.RecordVideo`.

    Args:
        env: The environment; ``render_mode`` must return images (``"rgb_array"``).
        video_folder: The folder for the videos (created if missing).
        episode_trigger: Starts a recording at the episodes where it returns ``True``.
        step_trigger: Starts a recording at the steps where it returns ``True``.
        video_length: Frames per video; 0 records whole episodes.
        name_prefix: The start of every file name.
        fps: Frames per second; by default the env's ``render_fps``, else 30.
        disable_logger: Kept for Gymnasium's signature (PyAV logs nothing by default).
        gc_trigger: Runs ``gc.collect()`` after a video when it returns ``True`` for the episode.

    Raises:
        ValueError: If ``render_mode`` is ``None``, ``"human"`` or ``"ansi"``.
        gymnasium.error.DependencyNotInstalled: If PyAV is not installed.

    Examples:
        >>> import os, tempfile
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> import array_env.envs
        >>> folder = tempfile.mkdtemp()
        >>> env = gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array")
        >>> env = RecordVideo(env, folder, episode_trigger=lambda e: e == 0)
        >>> _ = env.reset(seed=0)
        >>> for _ in range(5):
        ...     _ = env.step(np.asarray(1))
        >>> env.close()
        >>> os.listdir(folder)
        ['rl-video-episode-0.mp4']
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        video_folder: str,
        episode_trigger: Callable[[int], bool] | None = None,
        step_trigger: Callable[[int], bool] | None = None,
        video_length: int = 0,
        name_prefix: str = "rl-video",
        fps: int | None = None,
        disable_logger: bool = True,
        gc_trigger: Callable[[int], bool] | None = lambda episode: True,
    ) -> None:
        owner = type(self).__name__
        check_video_mode(owner, env.render_mode)
        require_av(owner)
        gym.utils.RecordConstructorArgs.__init__(
            self, video_folder=video_folder, episode_trigger=episode_trigger,
            step_trigger=step_trigger, video_length=video_length, name_prefix=name_prefix,
            fps=fps, disable_logger=disable_logger, gc_trigger=gc_trigger,
        )  # fmt: skip
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.video_folder = prepare_folder(video_folder)
        self.frames_per_sec: float = fps if fps is not None else self.metadata.get("render_fps", 30)
        self.name_prefix = name_prefix
        self.video_length: float = video_length if video_length != 0 else float("inf")
        self.recording = False
        self.render_history: list[Any] = []
        self.step_id = -1
        self.episode_id = -1
        self._video_name: str | None = None
        self._writer: VideoWriter | None = None

    @property
    def recorded_frames(self) -> int:
        """How many frames the current recording holds (they are in the encoder, not here)."""
        return 0 if self._writer is None else self._writer.frames

    def _capture_frame(self) -> None:
        frame = self.env.render()
        if isinstance(frame, list):
            if not frame:
                logger.warn(
                    f"{type(self).__name__}: trying to capture render frame but 'env.render()' "
                    "has just been called. The frame cannot be captured."
                )
                return
            self.render_history += frame
            frame = frame[-1]
        if not compat.is_array_api_obj(frame):
            self.stop_recording()
            logger.warn(
                f"{type(self).__name__}: recording stopped: expected the frame returned by "
                f"render to be an array, got instead {type(frame)}."
            )
            return
        self._write(frame)

    def _write(self, frame: Any) -> None:
        if self._writer is None:
            assert self._video_name is not None
            path = os.path.join(self.video_folder, f"{self._video_name}.mp4")
            self._writer = VideoWriter(path, self.frames_per_sec, owner=type(self).__name__)
        self._writer.write(frame)
        if self._writer.frames > self.video_length:
            self.stop_recording()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env; stop a whole-episode recording and start one if the trigger says so."""
        observation, info = self.env.reset(seed=seed, options=options)
        self.episode_id += 1
        if self.recording and self.video_length == float("inf"):
            self.stop_recording()
        if self.episode_trigger and self.episode_trigger(self.episode_id):
            self.start_recording(f"{self.name_prefix}-episode-{self.episode_id}")
        if self.recording:
            self._capture_frame()
        return observation, info

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env and capture a frame while recording."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.step_id += 1
        if self.step_trigger and self.step_trigger(self.step_id):
            self.start_recording(f"{self.name_prefix}-step-{self.step_id}")
        if self.recording:
            self._capture_frame()
        return observation, reward, terminated, truncated, info

    def render(self) -> Any:
        """Render the env; with a ``*_list`` mode, the frames also go into the recording."""
        render_out: Any = self.env.render()
        listed: list[Any] = render_out if isinstance(render_out, list) else []  # pyright: ignore[reportUnknownVariableType]
        if self.recording:
            for frame in listed:
                if self.recording:
                    self._write(frame)
        if self.render_history:
            history, self.render_history = self.render_history, []
            return [*history, *listed]
        return cast(Any, render_out)

    def close(self) -> None:
        """Close the env, then finalise the video being recorded."""
        super().close()
        if self.recording:
            self.stop_recording()

    def start_recording(self, video_name: str) -> None:
        """Start a new recording, finalising the current one first."""
        if self.recording:
            self.stop_recording()
        self.recording = True
        self._video_name = video_name

    def stop_recording(self) -> None:
        """Finalise the current video (a recording without frames writes no file)."""
        assert self.recording, "stop_recording was called, but no recording was started"
        writer, self._writer = self._writer, None
        if writer is None:
            logger.warn("Ignored saving a video as there were zero frames to save.")
        else:
            writer.close()
        self.recording = False
        self._video_name = None
        if self.gc_trigger and self.gc_trigger(self.episode_id):
            gc.collect()

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError(f"{type(self).__name__} holds an open video file and cannot be pickled")


def prepare_folder(video_folder: str) -> str:
    """Gymnasium's folder handling: absolute path, a warning if it exists, created if not."""
    folder = os.path.abspath(video_folder)
    if os.path.isdir(folder):
        logger.warn(
            f"Overwriting existing videos at {folder} folder (try specifying a different "
            "`video_folder` for the `RecordVideo` wrapper if this is not desired)"
        )
    os.makedirs(folder, exist_ok=True)
    return folder


class PygameWindow:
    """A pygame window showing host frames ``(H, W, 3)`` at a given frame rate.

    Created at the first frame, whose size fixes the window's (``screen_size`` is pygame's
    ``(width, height)``).
    """

    def __init__(self, owner: str, fps: float) -> None:
        self.owner = owner
        self.fps = fps
        self.screen_size: tuple[int, int] | None = None
        self.window: Any = None
        self.clock: Any = None

    def show(self, frame: np.ndarray) -> None:
        """Blit one frame and flip the display."""
        try:
            import pygame
        except ImportError as error:  # pragma: no cover - installed with the video extra
            raise DependencyNotInstalled(
                f'{self.owner}: pygame is not installed, run `pip install "array-env[video]"`'
            ) from error
        columns_first = np.transpose(frame[..., :3], (1, 0, 2))
        size = (int(columns_first.shape[0]), int(columns_first.shape[1]))
        if self.screen_size is None:
            self.screen_size = size
        if self.screen_size != size:
            raise ValueError(
                f"{self.owner}: the shape of the rgb array has changed from {self.screen_size} "
                f"to {size}"
            )
        if self.window is None:
            pygame.display.init()
            self.window = pygame.display.set_mode(self.screen_size)
            self.clock = pygame.time.Clock()
        self.window.blit(pygame.surfarray.make_surface(columns_first), (0, 0))
        pygame.event.pump()
        self.clock.tick(self.fps)
        pygame.display.flip()

    def close(self) -> None:
        """Close the window if one was opened."""
        if self.window is not None:
            import pygame

            pygame.display.quit()
            pygame.quit()
            self.window = None


class HumanRendering(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Show an env that renders ``rgb_array`` frames in a pygame window.

    As Gymnasium's ``HumanRendering``: after every ``reset`` and ``step`` the last frame is
    drawn; ``render()`` returns ``None`` and ``render_mode`` is ``"human"``. The frame is moved to
    the host once per step, for the window (pygame-ce, the ``video`` extra). Set
    ``SDL_VIDEODRIVER=dummy`` to run it without a display. The vector twin is
    :class:`array_env.vector.HumanRendering`.

    Args:
        env: The environment; its ``render_mode`` must be one of
            ``rgb_array``, ``rgb_array_list``, ``depth_array``, ``depth_array_list``, and its
            metadata must have ``render_fps``.

    Raises:
        ValueError: If the render mode gives no images or ``render_fps`` is missing.

    Examples:
        >>> import os
        >>> os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        'dummy'
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> env = gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array")
        >>> env = HumanRendering(env)
        >>> _ = env.reset(seed=0)
        >>> env.render_mode, env.screen_size
        ('human', (84, 84))
        >>> env.close()
    """

    ACCEPTED_RENDER_MODES = HUMAN_SOURCE_MODES

    def __init__(self, env: gym.Env[Obs, Act]) -> None:
        check_human_source(type(self).__name__, env.render_mode, env.metadata)
        gym.utils.RecordConstructorArgs.__init__(self)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self._window = PygameWindow(type(self).__name__, env.metadata["render_fps"])
        self.metadata = _with_list_mode(env.metadata, "human")

    @property
    def render_mode(self) -> str:  # type: ignore[override]
        """Always ``"human"``."""
        return "human"

    @property
    def screen_size(self) -> tuple[int, int] | None:
        """The window's ``(width, height)``, once a frame was shown."""
        return self._window.screen_size

    @property
    def window(self) -> Any:
        """The pygame display surface, once a frame was shown."""
        return self._window.window

    @property
    def clock(self) -> Any:
        """The pygame clock pacing the frames."""
        return self._window.clock

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env and show its frame."""
        result = self.env.step(action)
        self._render_frame()
        return result

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env and show its frame."""
        result = self.env.reset(seed=seed, options=options)
        self._render_frame()
        return result

    def render(self) -> None:
        """Nothing to return: frames are drawn in ``step`` and ``reset``."""
        return None

    def _render_frame(self) -> None:
        rendered: Any = self.env.render()
        frame = cast(Any, rendered[-1] if isinstance(rendered, list) else rendered)
        if not compat.is_array_api_obj(frame):
            raise TypeError(
                f"{type(self).__name__}: expected env.render() to return an array, "
                f"got {type(frame)}"
            )
        self._window.show(frame_to_host(frame))

    def close(self) -> None:
        """Close the window, then the env."""
        self._window.close()
        super().close()
