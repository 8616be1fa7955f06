"""Catch: a pixel game whose observation is an ``84x84x3`` ``uint8`` image drawn in xp.

A ball falls one row per step down a ``12x12`` grid from a random column; a paddle on the bottom
row moves left, stays or moves right. When the ball reaches the bottom row the episode ends with
reward ``+1`` if the paddle is under it and ``-1`` otherwise (every other step pays 0), so every
episode lasts 11 steps. Each grid cell is a ``7x7`` block of pixels.

:class:`NestedCatchEnv` plays the same game with a ``Dict`` observation that nests a ``Tuple``
and mixes dtypes, to exercise wrappers that walk observation trees.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from array_env.envs._base import ArrayEnv, ArrayModel, ArrayVectorEnv
from array_env.envs._render import rgb_colour
from array_env.typing import DeviceLike, NamespaceLike

__all__ = [
    "CatchEnv",
    "CatchModel",
    "CatchState",
    "CatchVectorEnv",
    "NestedCatchEnv",
    "NestedCatchModel",
    "NestedCatchVectorEnv",
]

ROWS = COLUMNS = 12
CELL = 7
IMAGE_SIZE = ROWS * CELL


class CatchState(NamedTuple):
    """Batched grid positions, each ``(N,)`` integer: ball row and column, paddle column."""

    ball_row: Any
    ball_column: Any
    paddle_column: Any


class CatchModel(ArrayModel[CatchState]):
    """The Catch rules and pixel observation over a batch; see :class:`CatchEnv`.

    Examples:
        >>> import numpy as np
        >>> model = CatchModel(xp="array_api_strict", device=None)
        >>> state = model.fresh_state(np.random.default_rng(0), (2,), None)
        >>> model.observe(state).shape
        (2, 84, 84, 3)
    """

    render_fps = 10

    def __init__(self, xp: NamespaceLike, device: DeviceLike | None) -> None:
        super().__init__(xp, device)
        shape = (IMAGE_SIZE, IMAGE_SIZE, 3)
        self.observation_space: spaces.Space[Any] = spaces.Box(0, 255, shape, dtype=np.uint8)
        self.action_space = spaces.Discrete(3)
        xp, device = self.xp, self.device
        cells = xp.arange(IMAGE_SIZE, dtype=self.int_dtype, device=device) // CELL
        self._pixel_rows = xp.reshape(cells, (1, IMAGE_SIZE, 1))
        self._pixel_columns = xp.reshape(cells, (1, 1, IMAGE_SIZE))
        colour = functools.partial(rgb_colour, xp=xp, device=device)
        self._background, self._ball, self._paddle = (
            colour(0, 0, 0),
            colour(255, 64, 64),
            colour(255, 255, 255),
        )

    def draw_reset(self, rng: np.random.Generator, size: tuple[int, ...], params: Any) -> Any:
        """Draw the ball's and the paddle's starting columns, ``(2, *size)``."""
        return rng.integers(0, COLUMNS, size=(2, *size)).astype(self.host_int, copy=False)

    def initial_state(self, noise: list[Any]) -> CatchState:
        """Put the ball on the top row of the drawn column, the paddle on its drawn column."""
        ball, paddle = noise
        return CatchState(self.xp.zeros_like(ball), ball, paddle)

    def step(self, state: CatchState, action: Any) -> tuple[CatchState, Any, Any]:
        """Move the paddle by ``action - 1`` cells and drop the ball one row."""
        xp = self.xp
        move = xp.astype(action, state.paddle_column.dtype) - 1
        paddle = xp.clip(state.paddle_column + move, min=0, max=COLUMNS - 1)
        ball_row = state.ball_row + 1
        terminated = ball_row >= ROWS - 1
        caught = xp.astype(paddle == state.ball_column, self.float_dtype) * 2.0 - 1.0
        reward = caught * xp.astype(terminated, self.float_dtype)
        return CatchState(ball_row, state.ball_column, paddle), reward, terminated

    def observe(self, state: CatchState) -> Any:
        """Return the ``(N, 84, 84, 3)`` uint8 frames."""
        return self.render(state)

    def render(self, state: CatchState) -> Any:
        """Paint the ball and the paddle cells on a black background."""
        xp = self.xp
        rows, columns = self._pixel_rows, self._pixel_columns
        ball = (rows == _column(state.ball_row, xp=xp)) & (
            columns == _column(state.ball_column, xp=xp)
        )
        paddle = (rows == ROWS - 1) & (columns == _column(state.paddle_column, xp=xp))
        frames = xp.where(paddle[..., None], self._paddle, self._background)
        return xp.where(ball[..., None], self._ball, frames)


def _column(values: Any, *, xp: Any) -> Any:
    return xp.reshape(values, (-1, 1, 1))


class NestedCatchModel(CatchModel):
    """Catch with a nested, mixed-dtype observation; see :class:`NestedCatchEnv`.

    Examples:
        >>> import numpy as np
        >>> model = NestedCatchModel(xp="numpy", device=None)
        >>> obs = model.observe(model.fresh_state(np.random.default_rng(0), (2,), None))
        >>> sorted(obs), [leaf.dtype.name for leaf in obs["sensors"]]
        (['position', 'sensors'], ['uint8', 'bool', 'int64'])
    """

    def __init__(self, xp: NamespaceLike, device: DeviceLike | None) -> None:
        super().__init__(xp, device)
        self.observation_space = spaces.Dict(
            {
                "position": spaces.Box(0.0, 1.0, (3,), dtype=np.float32),
                "sensors": spaces.Tuple(
                    (
                        spaces.Box(0, 255, (ROWS, COLUMNS, 3), dtype=np.uint8),
                        # gymnasium's stubs allow only real dtypes in Box; bool works at run time.
                        spaces.Box(0, 1, (2,), dtype=np.bool_),  # pyright: ignore[reportCallIssue, reportArgumentType]
                        spaces.Discrete(ROWS),
                    )
                ),
            }
        )

    def observe(self, state: CatchState) -> Any:
        """Return positions in ``[0, 1]``, a one-pixel-per-cell image, side flags and rows left.

        ``position`` is ``float32`` ``(N, 3)``: ball row, ball column, paddle column, each divided
        by 11. ``sensors`` is a tuple of the ``(N, 12, 12, 3)`` ``uint8`` image, ``(N, 2)`` bool
        flags (ball left of the paddle, ball right of it) and the ``(N,)`` integer number of rows
        the ball has left to fall (``int64``, or ``int32`` where the device lacks it).
        """
        xp = self.xp
        positions = xp.stack([state.ball_row, state.ball_column, state.paddle_column], axis=-1)
        position = xp.astype(positions, xp.float32) / float(ROWS - 1)
        frames = self.render(state)
        image = frames[:, CELL // 2 :: CELL, CELL // 2 :: CELL, :]
        flags = xp.stack(
            [state.ball_column < state.paddle_column, state.ball_column > state.paddle_column],
            axis=-1,
        )
        rows_left = xp.astype(ROWS - 1 - state.ball_row, self.int_dtype)
        return {"position": position, "sensors": (image, flags, rows_left)}


class CatchEnv(ArrayEnv):
    """Catch with an ``84x84x3`` ``uint8`` image observation, rendered in xp on the device.

    Actions: 0 moves the paddle left, 1 keeps it, 2 moves it right. Reward and ``terminated``
    are 0-d arrays on the env's device; ``render()`` returns the observation frame.

    Args:
        render_mode: ``"rgb_array"`` or ``None``.
        xp: The namespace: an ``xp`` object, a module or a name (``"torch"``).
        device: The device, e.g. ``"cuda:0"``; ``None`` for the backend's default.
        check_action_values: Check that actions lie in ``{0, 1, 2}`` (reads a value back to the
            host; ``None`` checks on host devices only).

    Examples:
        >>> import array_api_strict as xps
        >>> env = CatchEnv(xp=xps)
        >>> obs, info = env.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((84, 84, 3), array_api_strict.uint8)
        >>> for _ in range(11):
        ...     obs, reward, terminated, truncated, info = env.step(xps.asarray(1))
        >>> bool(terminated), float(reward) in (-1.0, 1.0)
        (True, True)
    """

    def __init__(
        self,
        render_mode: str | None = None,
        *,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        super().__init__(
            CatchModel(xp, device), render_mode=render_mode, check_action_values=check_action_values
        )


class CatchVectorEnv(ArrayVectorEnv):
    """``num_envs`` Catch games as one batch of ``(num_envs, 84, 84, 3)`` frames.

    Args:
        num_envs: The number of sub-environments.
        max_episode_steps: Truncate after this many steps (``None``: episodes end by themselves).
        render_mode: ``"rgb_array"`` or ``None``.
        autoreset_mode: ``"next-step"`` (default), ``"same-step"`` or ``"disabled"``.
        xp: The namespace object, module or name.
        device: The device object or name.
        check_action_values: See :class:`CatchEnv`.

    Examples:
        >>> import numpy as np
        >>> envs = CatchVectorEnv(num_envs=4, xp="numpy")
        >>> obs, info = envs.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((4, 84, 84, 3), dtype('uint8'))
    """

    def __init__(
        self,
        num_envs: int = 1,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        super().__init__(
            CatchModel(xp, device),
            num_envs=num_envs,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
            check_action_values=check_action_values,
        )


class NestedCatchEnv(ArrayEnv):
    """Catch with a ``Dict`` observation nesting a ``Tuple`` of mixed dtypes.

    The observation is ``{"position": float32 (3,), "sensors": (uint8 (12, 12, 3) image,
    bool (2,) flags, integer rows left)}``; see :meth:`NestedCatchModel.observe`. ``render()``
    returns the ``84x84`` frame of :class:`CatchEnv`.

    Args:
        render_mode: ``"rgb_array"`` or ``None``.
        xp: The namespace: an ``xp`` object, a module or a name (``"torch"``).
        device: The device, e.g. ``"cuda:0"``; ``None`` for the backend's default.
        check_action_values: See :class:`CatchEnv`.

    Examples:
        >>> import array_api_strict as xps
        >>> env = NestedCatchEnv(xp=xps)
        >>> obs, info = env.reset(seed=0)
        >>> image, flags, rows_left = obs["sensors"]
        >>> obs["position"].dtype, image.shape, flags.dtype, int(rows_left)
        (array_api_strict.float32, (12, 12, 3), array_api_strict.bool, 11)
    """

    def __init__(
        self,
        render_mode: str | None = None,
        *,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        super().__init__(
            NestedCatchModel(xp, device),
            render_mode=render_mode,
            check_action_values=check_action_values,
        )


class NestedCatchVectorEnv(ArrayVectorEnv):
    """``num_envs`` :class:`NestedCatchEnv` games as one batched tree of arrays.

    Args:
        num_envs: The number of sub-environments.
        max_episode_steps: Truncate after this many steps (``None``: episodes end by themselves).
        render_mode: ``"rgb_array"`` or ``None``.
        autoreset_mode: ``"next-step"`` (default), ``"same-step"`` or ``"disabled"``.
        xp: The namespace object, module or name.
        device: The device object or name.
        check_action_values: See :class:`CatchEnv`.

    Examples:
        >>> import numpy as np
        >>> envs = NestedCatchVectorEnv(num_envs=2, xp="numpy")
        >>> obs, info = envs.reset(seed=0)
        >>> image, flags, rows_left = obs["sensors"]
        >>> obs["position"].shape, image.shape, rows_left.shape
        ((2, 3), (2, 12, 12, 3), (2,))
    """

    def __init__(
        self,
        num_envs: int = 1,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        super().__init__(
            NestedCatchModel(xp, device),
            num_envs=num_envs,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
            check_action_values=check_action_values,
        )
