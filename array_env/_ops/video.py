"""Frames to the host and into an H.264 file: the one place the video encoder lives.

The encoder is PyAV (``av``): its wheels ship FFmpeg with ``libx264``, it takes NumPy frames one
at a time, so a recording streams to disk instead of holding every frame in memory, and there is
no subprocess to manage (imageio-ffmpeg pipes raw frames to an ``ffmpeg`` child process; moviepy,
Gymnasium's choice, buffers the whole clip and drives imageio-ffmpeg). A frame reaches the host
exactly once, in :meth:`VideoWriter.write`, and only while a recording is open.

:func:`tile_frames` is the pure part: it lays a batch of frames out in a grid with ``xp``, on the
frames' device, so a vector env's frames cross to the host as one array.
"""

from __future__ import annotations

import atexit
import os
import weakref
from fractions import Fraction
from typing import Any

import numpy as np
from gymnasium.error import DependencyNotInstalled
from numpy.typing import NDArray

from array_env.typing import Namespace

__all__ = ["VideoWriter", "frame_to_host", "grid_shape", "require_av", "tile_frames"]

_INSTALL = 'PyAV is not installed, run `pip install "array-env[video]"`'


def require_av(owner: str) -> Any:
    """Import PyAV, or raise Gymnasium's ``DependencyNotInstalled`` naming ``owner``."""
    try:
        import av
    except ImportError as error:  # pragma: no cover - the video extra is installed in CI
        raise DependencyNotInstalled(f"{owner}: {_INSTALL}") from error
    return av


def frame_to_host(frame: Any) -> NDArray[Any]:
    """Copy one array of any backend and device into a NumPy array on the host.

    Examples:
        >>> import array_api_strict as xps
        >>> frame_to_host(xps.zeros((2, 2, 3), dtype=xps.uint8)).shape
        (2, 2, 3)
    """
    if isinstance(frame, np.ndarray):
        host: NDArray[Any] = frame  # pyright: ignore[reportUnknownVariableType]
        return host
    from array_env.convert import to_namespace

    return np.asarray(to_namespace(frame, "numpy", device="cpu"))


def grid_shape(count: int, height: int, width: int, aspect: tuple[int, int]) -> tuple[int, int]:
    """Gymnasium's grid for ``count`` frames: the divisor pair closest to the aspect ratio.

    Examples:
        >>> grid_shape(4, 10, 10, (1, 1)), grid_shape(3, 10, 10, (1, 1))
        ((2, 2), (1, 3))
    """
    target = aspect[0] / aspect[1]
    best, best_gap = (1, count), float("inf")
    for rows in range(1, int(count**0.5) + 1):
        if count % rows == 0:
            cols = count // rows
            gap = abs((cols * width) / (rows * height) - target)
            if gap < best_gap:
                best, best_gap = (rows, cols), gap
    return best


def tile_frames(frames: Any, rows: int, cols: int, *, xp: Namespace[Any]) -> Any:
    """Lay out ``(N, H, W, C)`` frames row by row in a ``(rows * H, cols * W, C)`` image.

    Cells past the ``N``-th stay black. Pure and jit-safe: shapes depend only on the arguments.

    Examples:
        >>> import numpy as np
        >>> frames = np.stack([np.full((1, 2, 1), i, np.uint8) for i in range(3)])
        >>> tile_frames(frames, 2, 2, xp=np)[..., 0].tolist()
        [[0, 0, 1, 1], [2, 2, 0, 0]]
    """
    count, height, width, channels = frames.shape
    missing = rows * cols - count
    if missing:
        blank = xp.zeros_like(frames[:1, ...])  # same dtype and device, traceable under jit
        frames = xp.concat((frames, *([blank] * missing)), axis=0)
    grid = xp.reshape(frames, (rows, cols, height, width, channels))
    grid = xp.permute_dims(grid, (0, 2, 1, 3, 4))
    return xp.reshape(grid, (rows * height, cols * width, channels))


_OPEN: weakref.WeakSet[VideoWriter] = weakref.WeakSet()


@atexit.register
def _finalise_open_writers() -> None:  # the interpreter is exiting: close every open file
    for writer in list(_OPEN):
        writer.close()


class VideoWriter:
    """One ``.mp4`` file (H.264, yuv420p) written frame by frame with PyAV.

    The file opens at the first frame (its size fixes the video's) and is finalised by
    :meth:`close`, by garbage collection, or at interpreter exit. Odd sizes are padded by one
    black row or column (yuv420p needs even sizes).

    Args:
        path: The file to write.
        fps: Frames per second (an int or a float such as 29.97).
        owner: The wrapper's name, for error messages.

    Examples:
        >>> import tempfile, os
        >>> import numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "clip.mp4")
        >>> writer = VideoWriter(path, fps=10)
        >>> for i in range(3):
        ...     writer.write(np.full((16, 16, 3), 80 * i, np.uint8))
        >>> writer.close()
        >>> writer.frames, os.path.getsize(path) > 0
        (3, True)
    """

    def __init__(self, path: str, fps: float, owner: str = "RecordVideo") -> None:
        self._av = require_av(owner)
        self.path = os.fspath(path)
        self.rate = Fraction(fps).limit_denominator(1001)
        self.frames = 0
        self._container: Any = None
        self._stream: Any = None
        self._size: tuple[int, int] | None = None

    def write(self, frame: Any) -> None:
        """Encode one ``(H, W, 3)`` uint8 frame of any backend (moved to the host here)."""
        host = frame_to_host(frame)
        if host.ndim == 2:  # depth or greyscale frames: show them grey
            host = np.repeat(host[..., None], 3, axis=-1)
        if self._container is None:
            self._open(host.shape[0], host.shape[1])
        assert self._size is not None
        height, width = self._size
        if host.shape[:2] != (height, width):
            host = np.pad(host, ((0, height - host.shape[0]), (0, width - host.shape[1]), (0, 0)))
        video_frame = self._av.VideoFrame.from_ndarray(
            np.ascontiguousarray(host[..., :3], dtype=np.uint8), format="rgb24"
        )
        container: Any = self._container
        for packet in self._stream.encode(video_frame):
            container.mux(packet)
        self.frames += 1

    def _open(self, height: int, width: int) -> None:
        self._size = (height + height % 2, width + width % 2)
        container = self._av.open(self.path, mode="w")
        stream = container.add_stream("libx264", rate=self.rate)
        stream.height, stream.width = self._size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        self._container, self._stream = container, stream
        _OPEN.add(self)

    def close(self) -> None:
        """Flush the encoder and finalise the file; closing twice does nothing."""
        container: Any = self._container
        if container is None:
            return
        self._container = None
        _OPEN.discard(self)
        for packet in self._stream.encode():
            container.mux(packet)
        container.close()

    def __del__(self) -> None:
        self.close()
