"""Vector rendering wrappers: collect frames, record tiled videos, show a tiled window.

The sub-envs' frames are batched in the env's namespace on its device (array_env's native vector
envs render one ``(N, H, W, 3)`` array; Gymnasium's ``SyncVectorEnv`` gives a tuple, stacked
once), tiled there with :func:`array_env._ops.video.tile_frames`, and only the tiled image goes
to the host, once per recorded or shown frame.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import logger
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from array_env._ops.resize import ResizePlan, resize_images, resize_plan
from array_env._ops.video import VideoWriter, frame_to_host, grid_shape, require_av, tile_frames
from array_env.vector._autoreset import autoreset_mode
from array_env.wrappers.rendering import (
    HUMAN_SOURCE_MODES,
    PygameWindow,
    _with_list_mode,  # pyright: ignore[reportPrivateUsage]
    capped_cubic_video_schedule,
    check_collect_mode,
    check_human_source,
    check_video_mode,
    prepare_folder,
)

__all__ = ["HumanRendering", "RecordVideo", "RenderCollection", "batched_frames"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")


def batched_frames(owner: str, rendered: Any) -> Any:
    """One ``(N, H, W, C)`` array from a vector env's ``render()`` (an array, or one per env)."""
    if isinstance(rendered, tuple | list):
        items: list[Any] = [*rendered]
        if not compat.is_array_api_obj(items[0]):
            raise TypeError(
                f"{owner}: expected env.render() to return arrays, got {type(items[0])}"
            )
        frames = compat.array_namespace(items[0]).stack(items)
    elif compat.is_array_api_obj(rendered):
        frames = rendered
    else:
        raise TypeError(f"{owner}: expected env.render() to return arrays, got {type(rendered)}")
    if frames.ndim == 3:  # depth or greyscale frames
        frames = compat.array_namespace(frames).expand_dims(frames, axis=-1)
    return frames


class RenderCollection(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Collect every vector render so that ``render`` returns a list of them.

    Gymnasium has no vector version; this is the single wrapper's behaviour with one entry per
    vector ``reset`` and ``step``: what ``env.render()`` returned (array_env's native vector
    envs: one ``(N, H, W, 3)`` array on their device; ``SyncVectorEnv``: a tuple of frames).

    Args:
        env: The vector environment; its ``render_mode`` must not be ``None`` or end in
            ``_list``.
        pop_frames: Clear the collection when ``render`` is called.
        reset_clean: Clear the collection when ``reset`` is called.

    Raises:
        ValueError: If ``render_mode`` is ``None`` or ends in ``_list``.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> import array_env.envs
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point",
        ...     xp="numpy", render_mode="rgb_array",
        ... )
        >>> envs = RenderCollection(envs)
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.ones(2, dtype=np.int64))
        >>> frames = envs.render()
        >>> len(frames), frames[-1].shape
        (2, (2, 84, 84, 3))
    """

    def __init__(
        self, env: VectorEnv[Obs, Act, A], pop_frames: bool = True, reset_clean: bool = True
    ) -> None:
        check_collect_mode(type(self).__name__, env.render_mode)
        gym.utils.RecordConstructorArgs.__init__(
            self, pop_frames=pop_frames, reset_clean=reset_clean
        )
        VectorWrapper.__init__(self, env)
        self.frame_list: list[Any] = []
        self.pop_frames = pop_frames
        self.reset_clean = reset_clean
        self.metadata = _with_list_mode(env.metadata, f"{env.render_mode}_list")

    @property
    def render_mode(self) -> str:  # type: ignore[override]
        """The env's render mode with ``_list`` appended."""
        return f"{self.env.render_mode}_list"

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and collect their frames."""
        output = self.env.step(actions)
        self.frame_list.append(self.env.render())
        return output

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset, clear the collection if ``reset_clean``, and collect the frames."""
        output = self.env.reset(seed=seed, options=options)
        if self.reset_clean:
            self.frame_list = []
        self.frame_list.append(self.env.render())
        return output

    def render(self) -> list[Any]:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """Return the collected renders; clear them if ``pop_frames``."""
        frames = self.frame_list
        if self.pop_frames:
            self.frame_list = []
        return frames


class RecordVideo(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Record a vector env as H.264 ``.mp4`` files, the sub-envs' frames tiled in a grid.

    Gymnasium's vector ``RecordVideo``: same signature, file names and episode counting (the
    episodes of sub-env 0; under same-step autoreset its last frame is not in the video). The
    frames are tiled on their device (:func:`array_env._ops.video.tile_frames`, Gymnasium's
    grid for ``video_aspect_ratio``) and the one tiled image goes to the host per recorded
    step. On steps that are not recorded nothing is read back, except sub-env 0's done flag when
    an ``episode_trigger`` needs episode numbers (one boolean; none with ``step_trigger`` only).

    Args:
        env: The vector environment; ``render_mode`` must return images.
        video_folder: The folder for the videos.
        video_aspect_ratio: The grid's target width:height.
        record_first_only: Record sub-env 0 only.
        episode_trigger: Starts a recording at the episodes (of sub-env 0) where it is ``True``.
        step_trigger: Starts a recording at the vector steps where it returns ``True``.
        video_length: Frames per video; 0 records whole episodes.
        name_prefix: The start of every file name.
        fps: Frames per second; by default the env's ``render_fps``, else 30.
        disable_logger: Kept for Gymnasium's signature.
        gc_trigger: Runs ``gc.collect()`` after a video when it returns ``True``.

    Raises:
        ValueError: If ``render_mode`` is ``None``, ``"human"`` or ``"ansi"``.

    Examples:
        >>> import os, tempfile
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> import array_env.envs
        >>> folder = tempfile.mkdtemp()
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 4, vectorization_mode="vector_entry_point",
        ...     xp="numpy", render_mode="rgb_array",
        ... )
        >>> envs = RecordVideo(envs, folder, step_trigger=lambda s: s == 0, video_length=3)
        >>> _ = envs.reset(seed=0)
        >>> for _ in range(5):
        ...     _ = envs.step(np.ones(4, dtype=np.int64))
        >>> envs.close()
        >>> os.listdir(folder), (envs.frame_rows, envs.frame_cols)
        (['rl-video-step-0.mp4'], (2, 2))
    """

    def __init__(
        self,
        env: VectorEnv[Obs, Act, A],
        video_folder: str,
        video_aspect_ratio: tuple[int, int] = (1, 1),
        record_first_only: bool = False,
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
        VectorWrapper.__init__(self, env)
        gym.utils.RecordConstructorArgs.__init__(
            self, video_folder=video_folder, video_aspect_ratio=video_aspect_ratio,
            record_first_only=record_first_only, episode_trigger=episode_trigger,
            step_trigger=step_trigger, video_length=video_length, name_prefix=name_prefix,
            fps=fps, disable_logger=disable_logger, gc_trigger=gc_trigger,
        )  # fmt: skip
        self.autoreset_mode = autoreset_mode(env)
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            logger.warn(
                f"{owner}: vector environment's autoreset mode is same-step. Recorded episodes "
                "will not contain the last frame of the episode."
            )
        if episode_trigger is None and step_trigger is None:
            episode_trigger = capped_cubic_video_schedule
        self.has_autoreset = False
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.disable_logger = disable_logger
        self.gc_trigger = gc_trigger
        self.record_first_only = record_first_only
        self.video_aspect_ratio = video_aspect_ratio
        self.frame_cols = -1
        self.frame_rows = -1
        self.video_folder = prepare_folder(video_folder)
        self.frames_per_sec: float = fps if fps is not None else self.metadata.get("render_fps", 30)
        self.name_prefix = name_prefix
        self.video_length: float = video_length if video_length != 0 else float("inf")
        self.recording = False
        self.step_id = -1
        self.episode_id = -1
        self._video_name: str | None = None
        self._writer: VideoWriter | None = None

    @property
    def recorded_frames(self) -> int:
        """How many frames the current recording holds (they are in the encoder, not here)."""
        return 0 if self._writer is None else self._writer.frames

    def _tiled(self) -> Any:
        frames = batched_frames(type(self).__name__, self.env.render())
        if self.record_first_only:
            frames = frames[:1, ...]
        if self.frame_cols == -1 or self.frame_rows == -1:
            count, height, width = frames.shape[:3]
            self.frame_rows, self.frame_cols = grid_shape(
                count, height, width, self.video_aspect_ratio
            )
        xp = compat.array_namespace(frames)
        return tile_frames(frames, self.frame_rows, self.frame_cols, xp=xp)

    def _capture_frame(self) -> None:
        if self._writer is None:
            assert self._video_name is not None
            path = os.path.join(self.video_folder, f"{self._video_name}.mp4")
            self._writer = VideoWriter(path, self.frames_per_sec, owner=type(self).__name__)
        self._writer.write(self._tiled())
        if self._writer.frames > self.video_length:
            self.stop_recording()

    def _episode_starts(self) -> None:
        self.episode_id += 1
        if self.recording and self.video_length == float("inf"):
            self.stop_recording()
        if self.episode_trigger and self.episode_trigger(self.episode_id):
            self.start_recording(f"{self.name_prefix}-episode-{self.episode_id}")

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset; a reset of sub-env 0 starts an episode (and maybe a recording)."""
        mask = None if options is None else options.get("reset_mask")
        if mask is None or bool(mask[0]):
            self._episode_starts()
        observations, infos = self.env.reset(seed=seed, options=options)
        if self.recording:
            self._capture_frame()
        self.has_autoreset = False
        return observations, infos

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and capture the tiled frame while recording."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        self.step_id += 1
        if self.episode_trigger is not None:  # episode numbers need sub-env 0's flag
            flags: Any = (terminations, truncations)
            done = bool(flags[0][0]) or bool(flags[1][0])
            if self.autoreset_mode == AutoresetMode.NEXT_STEP:
                if self.has_autoreset:
                    self._episode_starts()
                self.has_autoreset = done
            elif self.autoreset_mode == AutoresetMode.SAME_STEP and done:
                self._episode_starts()
        if self.step_trigger and self.step_trigger(self.step_id):
            self.start_recording(f"{self.name_prefix}-step-{self.step_id}")
        if self.recording:
            self._capture_frame()
        return observations, rewards, terminations, truncations, infos

    def close(self, **kwargs: Any) -> None:
        """Close the env, then finalise the video being recorded."""
        super().close(**kwargs)
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


class HumanRendering(VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs):
    """Show a vector env's frames, tiled, in one pygame window.

    Gymnasium's vector ``HumanRendering``: the same grid and scale (the sub-env frames are
    scaled to fit ``screen_size``, then laid out row by row from the top left). The scaling is
    :mod:`array_env._ops.resize` (OpenCV's area rule; Gymnasium calls ``cv2.resize`` with its
    default bilinear rule) and runs with the tiling on the frames' device; the window gets one
    host image per step.

    Args:
        env: The vector environment; as for :class:`array_env.wrappers.HumanRendering`.
        screen_size: The window's ``(width, height)``; by default one sub-env frame's size.

    Raises:
        ValueError: If the render mode gives no images or ``render_fps`` is missing.

    Examples:
        >>> import os
        >>> os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        'dummy'
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 4, vectorization_mode="vector_entry_point",
        ...     xp="numpy", render_mode="rgb_array",
        ... )
        >>> envs = HumanRendering(envs)
        >>> _ = envs.reset(seed=0)
        >>> envs.screen_size, (envs.num_rows, envs.num_cols), envs.scaled_subenv_size
        ((84, 84), (2, 2), (42, 42))
        >>> envs.close()
    """

    ACCEPTED_RENDER_MODES = HUMAN_SOURCE_MODES

    def __init__(
        self, env: VectorEnv[Obs, Act, A], screen_size: tuple[int, int] | None = None
    ) -> None:
        check_human_source(type(self).__name__, env.render_mode, env.metadata)
        VectorWrapper.__init__(self, env)
        gym.utils.RecordConstructorArgs.__init__(self, screen_size=screen_size)
        self.screen_size = screen_size
        self.scaled_subenv_size: tuple[int, int] | None = None
        self.num_rows: int | None = None
        self.num_cols: int | None = None
        self._plan: ResizePlan | None = None
        self._window = PygameWindow(type(self).__name__, env.metadata["render_fps"])
        self.metadata = _with_list_mode(env.metadata, "human")

    @property
    def render_mode(self) -> str:  # type: ignore[override]
        """Always ``"human"``."""
        return "human"

    @property
    def window(self) -> Any:
        """The pygame display surface, once a frame was shown."""
        return self._window.window

    @property
    def clock(self) -> Any:
        """The pygame clock pacing the frames."""
        return self._window.clock

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and show their frames."""
        result = self.env.step(actions)
        self._render_frame()
        return result

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the sub-envs and show their frames."""
        result = self.env.reset(seed=seed, options=options)
        self._render_frame()
        return result

    def _layout(self, height: int, width: int) -> None:
        """Gymnasium's grid search: grow rows or columns until every sub-env has a cell."""
        if self.screen_size is None:
            self.screen_size = (width, height)
        width_ratio, height_ratio = width / self.screen_size[0], height / self.screen_size[1]
        rows, cols = 1, 1
        while rows * cols < self.num_envs:
            row_ratio, col_ratio = rows * height_ratio, cols * width_ratio
            if row_ratio == col_ratio:
                rows, cols = rows + 1, cols + 1
            elif row_ratio > col_ratio:
                cols += 1
            else:
                rows += 1
        scale = min(self.screen_size[0] / (cols * width), self.screen_size[1] / (rows * height))
        self.num_rows, self.num_cols = rows, cols
        self.scaled_subenv_size = (int(width * scale), int(height * scale))

    def _render_frame(self) -> None:
        frames = batched_frames(type(self).__name__, self.env.render())
        xp = compat.array_namespace(frames)
        if self.scaled_subenv_size is None:
            self._layout(int(frames.shape[1]), int(frames.shape[2]))
        assert self.scaled_subenv_size is not None
        assert self.screen_size is not None
        assert self.num_rows is not None
        assert self.num_cols is not None
        scaled_w, scaled_h = self.scaled_subenv_size
        if (scaled_h, scaled_w) != tuple(frames.shape[1:3]):
            if self._plan is None:
                self._plan = resize_plan(
                    (int(frames.shape[1]), int(frames.shape[2])), (scaled_h, scaled_w),
                    xp=xp, device=frames.device,
                )  # fmt: skip
            frames = resize_images(frames, self._plan, xp=xp)
        grid = frame_to_host(tile_frames(frames, self.num_rows, self.num_cols, xp=xp))
        screen_w, screen_h = self.screen_size
        canvas = np.zeros((screen_h, screen_w, 3), dtype=np.uint8)
        shown = grid[:screen_h, :screen_w, :3]
        canvas[: shown.shape[0], : shown.shape[1]] = shown
        self._window.show(canvas)

    def close(self, **kwargs: Any) -> None:
        """Close the window, then the env."""
        self._window.close()
        super().close(**kwargs)
