"""Pendulum written in xp: Gymnasium's ``Pendulum-v1`` equations, on any backend and device."""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control import utils
from gymnasium.vector import AutoresetMode

from array_env.envs._base import ArrayEnv, ArrayModel, ArrayVectorEnv
from array_env.envs._render import Canvas, bar_mask, disc_mask, paint, rgb_colour
from array_env.typing import DeviceLike, NamespaceLike

__all__ = ["PendulumEnv", "PendulumModel", "PendulumState", "PendulumVectorEnv"]

MAX_SPEED = 8.0
MAX_TORQUE = 2.0
DT = 0.05
MASS = 1.0
LENGTH = 1.0
DEFAULT_X = math.pi
DEFAULT_Y = 1.0

SCREEN_DIM = 500
_SCALE = SCREEN_DIM / (2 * 2.2)
_CENTRE = SCREEN_DIM / 2.0
_ROD_LENGTH = LENGTH * _SCALE
_ROD_HALF_WIDTH = 0.1 * _SCALE


class PendulumState(NamedTuple):
    """Batched pendulum state: angle ``theta`` and angular velocity ``theta_dot``, each ``(N,)``."""

    theta: Any
    theta_dot: Any


class PendulumModel(ArrayModel[PendulumState]):
    """The pendulum dynamics over a batch; see :class:`PendulumEnv`.

    Examples:
        >>> import numpy as np
        >>> model = PendulumModel(xp="array_api_strict", device=None)
        >>> state = model.fresh_state(np.random.default_rng(0), (5,), model.parse_options(None))
        >>> model.observe(state).shape
        (5, 3)
    """

    render_fps = 30
    step_returns_new_arrays = True

    def __init__(self, xp: NamespaceLike, device: DeviceLike | None, g: float = 10.0) -> None:
        super().__init__(xp, device)
        self.g = float(g)
        high = np.array([1.0, 1.0, MAX_SPEED], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Box(-MAX_TORQUE, MAX_TORQUE, shape=(1,), dtype=np.float32)
        xp, device = self.xp, self.device
        self._canvas = Canvas.create(SCREEN_DIM, SCREEN_DIM, xp=xp, device=device)
        colour = functools.partial(rgb_colour, xp=xp, device=device)
        self._white, self._black, self._rod = (
            colour(255, 255, 255),
            colour(0, 0, 0),
            colour(204, 77, 77),
        )

    def parse_options(self, options: dict[str, Any] | None) -> Any:
        """Read ``options["x_init"]``/``["y_init"]`` (the half-widths of the reset box)."""
        if options is None:
            return np.array([DEFAULT_X, DEFAULT_Y])
        x = utils.verify_number_and_cast(options.get("x_init", DEFAULT_X))
        y = utils.verify_number_and_cast(options.get("y_init", DEFAULT_Y))
        return np.array([x, y])

    def draw_reset(self, rng: np.random.Generator, size: tuple[int, ...], params: Any) -> Any:
        """Draw ``uniform(-high, high)`` per field: Gymnasium's exact draw for one env."""
        high = np.reshape(params, (2,) + (1,) * len(size))
        return rng.uniform(low=-high, high=high, size=(2, *size)).astype(
            self.host_float, copy=False
        )

    def autoreset_bounds(self, params: Any) -> list[tuple[float, float]]:
        """Angle and velocity are uniform on ``[-high, high]``."""
        return [(-float(high), float(high)) for high in params]

    def initial_state(self, noise: list[Any]) -> PendulumState:
        """Build the state from the drawn angle and velocity."""
        theta, theta_dot = noise
        return PendulumState(theta, theta_dot)

    def step(self, state: PendulumState, action: Any) -> tuple[PendulumState, Any, Any]:
        """Apply the clipped torque ``action[:, 0]`` for one time step."""
        xp = self.xp
        theta, theta_dot = state
        u = xp.clip(action[:, 0], min=-MAX_TORQUE, max=MAX_TORQUE)
        normalised = (theta + math.pi) % (2 * math.pi) - math.pi
        costs = normalised**2 + 0.1 * theta_dot**2 + 0.001 * (u**2)
        new_theta_dot = (
            theta_dot
            + (3 * self.g / (2 * LENGTH) * xp.sin(theta) + 3.0 / (MASS * LENGTH**2) * u) * DT
        )
        new_theta_dot = xp.clip(new_theta_dot, min=-MAX_SPEED, max=MAX_SPEED)
        new_theta = theta + new_theta_dot * DT
        terminated = xp.zeros(theta.shape, dtype=xp.bool, device=self.device)
        return PendulumState(new_theta, new_theta_dot), -costs, terminated

    def observe(self, state: PendulumState) -> Any:
        """Return ``(N, 3)`` float32 observations ``cos(theta), sin(theta), theta_dot``."""
        xp = self.xp
        theta = state.theta
        stacked = xp.stack([xp.cos(theta), xp.sin(theta), state.theta_dot], axis=-1)
        return xp.astype(stacked, xp.float32)

    def render(self, state: PendulumState) -> Any:
        """Draw the rod (red, upright at ``theta = 0``), its round end and the black axle."""
        xp, canvas = self.xp, self._canvas
        theta = xp.astype(state.theta, xp.float32)
        n = theta.shape[0]
        centre = xp.zeros_like(theta) + _CENTRE
        ux, uy = -xp.sin(theta), -xp.cos(theta)
        frames = canvas.blank(self._white, n, xp=xp)
        rod = bar_mask(canvas, centre, centre, ux, uy, _ROD_LENGTH, _ROD_HALF_WIDTH, xp=xp)
        frames = paint(frames, rod, self._rod, xp=xp)
        tip_x, tip_y = centre + ux * _ROD_LENGTH, centre + uy * _ROD_LENGTH
        frames = paint(
            frames, disc_mask(canvas, tip_x, tip_y, _ROD_HALF_WIDTH, xp=xp), self._rod, xp=xp
        )
        frames = paint(
            frames, disc_mask(canvas, centre, centre, _ROD_HALF_WIDTH, xp=xp), self._rod, xp=xp
        )
        return paint(
            frames, disc_mask(canvas, centre, centre, 0.05 * _SCALE, xp=xp), self._black, xp=xp
        )


class PendulumEnv(ArrayEnv):
    """Gymnasium's ``Pendulum-v1`` in xp: same equations, costs and reset draws.

    With the same seed and actions the trajectory equals Gymnasium's ``PendulumEnv`` (up to the
    float rounding of the backend; float32 where the device has no float64). Differences, all
    deliberate: the reward and ``terminated`` are 0-d arrays on the env's device; actions must be
    ``float32`` arrays of shape ``(1,)`` of the env's namespace and device, and (where values are
    checked, see ``check_action_values``) inside ``[-2, 2]``, where Gymnasium clips silently;
    frames are drawn in xp without the torque arrow.

    Args:
        render_mode: ``"rgb_array"`` or ``None``.
        g: Gravity.
        xp: The namespace: an ``xp`` object, a module or a name (``"torch"``).
        device: The device, e.g. ``"cuda:0"``; ``None`` for the backend's default.
        check_action_values: Check that actions lie in the action space (reads a value back to
            the host; ``None`` checks on host devices only).

    Examples:
        >>> import array_api_strict as xps
        >>> env = PendulumEnv(xp=xps)
        >>> obs, info = env.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((3,), array_api_strict.float32)
        >>> torque = xps.asarray([0.5], dtype=xps.float32)
        >>> obs, reward, terminated, truncated, info = env.step(torque)
        >>> reward.dtype, bool(terminated)
        (array_api_strict.float64, False)
    """

    def __init__(
        self,
        render_mode: str | None = None,
        g: float = 10.0,
        *,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        model = PendulumModel(xp, device, g)
        super().__init__(model, render_mode=render_mode, check_action_values=check_action_values)


class PendulumVectorEnv(ArrayVectorEnv):
    """``num_envs`` pendulums as one set of ``(num_envs,)`` arrays; see :class:`ArrayVectorEnv`.

    Args:
        num_envs: The number of sub-environments.
        max_episode_steps: Truncate episodes after this many steps (200 for ``Pendulum-v1``).
        render_mode: ``"rgb_array"`` or ``None``.
        g: Gravity.
        autoreset_mode: ``"next-step"`` (default), ``"same-step"`` or ``"disabled"``.
        xp: The namespace object, module or name.
        device: The device object or name.
        check_action_values: See :class:`PendulumEnv`.

    Examples:
        >>> import numpy as np
        >>> envs = PendulumVectorEnv(num_envs=2, xp="numpy")
        >>> obs, info = envs.reset(seed=0)
        >>> obs, rewards, terminated, truncated, info = envs.step(np.zeros((2, 1), np.float32))
        >>> obs.shape, rewards.dtype, terminated.tolist()
        ((2, 3), dtype('float32'), [False, False])
    """

    def __init__(
        self,
        num_envs: int = 1,
        max_episode_steps: int | None = 200,
        render_mode: str | None = None,
        g: float = 10.0,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        model = PendulumModel(xp, device, g)
        super().__init__(
            model,
            num_envs=num_envs,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
            check_action_values=check_action_values,
        )
