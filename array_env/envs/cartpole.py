"""CartPole written in xp: Gymnasium's ``CartPole-v1`` equations, on any backend and device."""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control import utils
from gymnasium.vector import AutoresetMode

from array_env.envs._base import ArrayEnv, ArrayModel, ArrayVectorEnv
from array_env.envs._render import Canvas, bar_mask, disc_mask, paint, rectangle_mask, rgb_colour
from array_env.typing import DeviceLike, NamespaceLike

__all__ = ["CartPoleEnv", "CartPoleModel", "CartPoleState", "CartPoleVectorEnv"]

GRAVITY = 9.8
MASS_CART = 1.0
MASS_POLE = 0.1
TOTAL_MASS = MASS_POLE + MASS_CART
HALF_LENGTH = 0.5
POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH
FORCE = 10.0
TAU = 0.02
THETA_LIMIT = 12 * 2 * math.pi / 360
X_LIMIT = 2.4

SCREEN_WIDTH, SCREEN_HEIGHT = 600, 400
_SCALE = SCREEN_WIDTH / (2 * X_LIMIT)
_TRACK_ROW = SCREEN_HEIGHT - 100.0
_AXLE_ROW = _TRACK_ROW - 30.0 / 4.0


class CartPoleState(NamedTuple):
    """Batched CartPole state, every field ``(N,)`` in the model's float dtype (``fell``: bool)."""

    x: Any
    x_dot: Any
    theta: Any
    theta_dot: Any
    fell: Any
    """Whether the episode has already terminated (rewards after that are 0, as in Gymnasium)."""


class CartPoleModel(ArrayModel[CartPoleState]):
    """The CartPole dynamics over a batch; see :class:`CartPoleEnv`.

    Examples:
        >>> import numpy as np
        >>> model = CartPoleModel(xp="array_api_strict", device=None)
        >>> state = model.fresh_state(np.random.default_rng(0), (2,), model.parse_options(None))
        >>> model.observe(state).shape
        (2, 4)
    """

    step_returns_new_arrays = True

    def __init__(
        self, xp: NamespaceLike, device: DeviceLike | None, sutton_barto_reward: bool = False
    ) -> None:
        super().__init__(xp, device)
        self.sutton_barto_reward = sutton_barto_reward
        high = np.array([X_LIMIT * 2, np.inf, THETA_LIMIT * 2, np.inf], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        xp, device = self.xp, self.device
        self._forces = xp.asarray([-FORCE, FORCE], dtype=self.float_dtype, device=device)
        self._canvas = Canvas.create(SCREEN_HEIGHT, SCREEN_WIDTH, xp=xp, device=device)
        colour = functools.partial(rgb_colour, xp=xp, device=device)
        self._white, self._black = colour(255, 255, 255), colour(0, 0, 0)
        self._pole_colour, self._axle_colour = colour(202, 152, 101), colour(129, 132, 203)

    def parse_options(self, options: dict[str, Any] | None) -> tuple[float, float]:
        """Read ``options["low"]``/``["high"]`` as Gymnasium does (defaults ``-0.05, 0.05``)."""
        # gymnasium annotates `options` as a bare dict: dict[Unknown, Unknown] to pyright.
        return utils.maybe_parse_reset_bounds(options, -0.05, 0.05)  # pyright: ignore[reportUnknownMemberType]

    def draw_reset(
        self, rng: np.random.Generator, size: tuple[int, ...], params: tuple[float, float]
    ) -> Any:
        """Draw ``uniform(low, high, size=(4, *size))``: Gymnasium's exact draw."""
        low, high = params
        return rng.uniform(low=low, high=high, size=(4, *size)).astype(self.host_float, copy=False)

    def autoreset_bounds(self, params: tuple[float, float]) -> list[tuple[float, float]]:
        """The four fields are uniform on ``[low, high]``."""
        return [params] * 4

    def initial_state(self, noise: list[Any]) -> CartPoleState:
        """Build the state from the four drawn fields."""
        fell = self.xp.zeros(noise[0].shape, dtype=self.xp.bool, device=self.device)
        x, x_dot, theta, theta_dot = noise
        return CartPoleState(x, x_dot, theta, theta_dot, fell)

    def step(self, state: CartPoleState, action: Any) -> tuple[CartPoleState, Any, Any]:
        """One Euler step of the cart-pole equations for every sub-environment."""
        xp = self.xp
        x, x_dot, theta, theta_dot, fell = state
        force = xp.take(self._forces, action)
        cos, sin = xp.cos(theta), xp.sin(theta)
        temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sin) / TOTAL_MASS
        theta_acc = (GRAVITY * sin - cos * temp) / (
            HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (cos * cos) / TOTAL_MASS)
        )
        x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS
        x = x + TAU * x_dot
        x_dot = x_dot + TAU * x_acc
        theta = theta + TAU * theta_dot
        theta_dot = theta_dot + TAU * theta_acc
        terminated = (xp.abs(x) > X_LIMIT) | (xp.abs(theta) > THETA_LIMIT)
        if self.sutton_barto_reward:
            reward = -xp.astype(terminated, x.dtype)
        else:
            reward = 1.0 - xp.astype(terminated & fell, x.dtype)
        return CartPoleState(x, x_dot, theta, theta_dot, fell | terminated), reward, terminated

    def observe(self, state: CartPoleState) -> Any:
        """Return ``(N, 4)`` float32 observations (a transposed view, like Gymnasium's)."""
        xp = self.xp
        stacked = xp.stack([state.x, state.x_dot, state.theta, state.theta_dot], axis=0)
        return xp.astype(stacked, xp.float32).T

    def render(self, state: CartPoleState) -> Any:
        """Draw track, cart, pole and axle as in Gymnasium's 600x400 picture."""
        xp, canvas = self.xp, self._canvas
        cart_x = xp.astype(state.x, xp.float32) * _SCALE + SCREEN_WIDTH / 2.0
        theta = xp.astype(state.theta, xp.float32)
        n = cart_x.shape[0]
        frames = canvas.blank(self._white, n, xp=xp)
        track = xp.abs(canvas.ys - _TRACK_ROW) <= 0.5
        frames = paint(
            frames, xp.broadcast_to(track, (n, SCREEN_HEIGHT, SCREEN_WIDTH)), self._black, xp=xp
        )
        axle_row = xp.zeros_like(cart_x) + _AXLE_ROW
        cart = rectangle_mask(canvas, cart_x, axle_row + 30.0 / 4.0, 25.0, 15.0, xp=xp)
        frames = paint(frames, cart, self._black, xp=xp)
        pole_length = _SCALE * 2 * HALF_LENGTH - 5.0
        pole = bar_mask(
            canvas, cart_x, axle_row, xp.sin(theta), -xp.cos(theta), pole_length, 5.0, xp=xp
        )
        frames = paint(frames, pole, self._pole_colour, xp=xp)
        axle = disc_mask(canvas, cart_x, axle_row, 5.0, xp=xp)
        return paint(frames, axle, self._axle_colour, xp=xp)


class CartPoleEnv(ArrayEnv):
    """Gymnasium's ``CartPole-v1`` in xp: same equations, termination, rewards and reset draws.

    With the same seed and actions the trajectory equals Gymnasium's ``CartPoleEnv`` (up to the
    float rounding of the backend's ``sin``/``cos``; float32 where the device has no float64).
    Differences, all deliberate: the reward and ``terminated`` are 0-d arrays of the env's
    namespace on its device (a Python number would be a device sync per step); actions must be
    integer arrays of that namespace and device (NumPy scalars count on NumPy), and no warning is
    logged for steps after termination; frames are drawn in xp, not with pygame.

    Args:
        sutton_barto_reward: Reward 0 per step and -1 on termination, as in Gymnasium.
        render_mode: ``"rgb_array"`` or ``None``.
        xp: The namespace: an ``xp`` object, a module or a name (``"torch"``).
        device: The device, e.g. ``"cuda:0"``; ``None`` for the backend's default.
        check_action_values: Check that actions lie in the action space. This reads a value
            back to the host, so ``None`` (the default) checks on host devices only; on a GPU the
            shape, dtype, namespace and device are still checked.

    Examples:
        >>> import array_api_strict as xps
        >>> env = CartPoleEnv(xp=xps)
        >>> obs, info = env.reset(seed=123, options={"low": -0.1, "high": 0.1})
        >>> obs
        Array([ 0.03647037, -0.0892358 , -0.05592803, -0.06312564], dtype=array_api_strict.float32)
        >>> obs, reward, terminated, truncated, info = env.step(xps.asarray(1))
        >>> float(reward), bool(terminated)
        (1.0, False)
    """

    def __init__(
        self,
        sutton_barto_reward: bool = False,
        render_mode: str | None = None,
        *,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        model = CartPoleModel(xp, device, sutton_barto_reward)
        super().__init__(model, render_mode=render_mode, check_action_values=check_action_values)


class CartPoleVectorEnv(ArrayVectorEnv):
    """``num_envs`` CartPoles as one set of ``(num_envs,)`` arrays; see :class:`ArrayVectorEnv`.

    ``reset`` draws ``uniform(low, high, size=(4, num_envs))`` from ``np_random`` like Gymnasium's
    ``CartPoleVectorEnv``, so the first observations match it. Which sub-environments autoreset
    is only known on the device, so every autoreset step draws reset values for all of them:
    16 raw bits of ``np_random`` per value, decoded to ``[low, high)`` in xp (see
    :meth:`ArrayModel.draw_autoreset`); the same seed gives the same trajectory on every backend.
    Later resets therefore follow another stream than Gymnasium's, which draws only as many
    values as there are resets; the ``disabled`` mode draws nothing per step.

    Args:
        num_envs: The number of sub-environments.
        max_episode_steps: Truncate episodes after this many steps (500 for ``CartPole-v1``).
        render_mode: ``"rgb_array"`` or ``None``.
        sutton_barto_reward: See :class:`CartPoleEnv`.
        autoreset_mode: ``"next-step"`` (default), ``"same-step"`` or ``"disabled"``.
        xp: The namespace object, module or name.
        device: The device object or name.
        check_action_values: See :class:`CartPoleEnv`.

    Examples:
        >>> import numpy as np
        >>> envs = CartPoleVectorEnv(num_envs=3, xp="numpy")
        >>> obs, info = envs.reset(seed=0)
        >>> obs, rewards, terminated, truncated, info = envs.step(np.array([0, 1, 1]))
        >>> obs.shape, rewards.tolist(), envs.metadata["autoreset_mode"].value
        ((3, 4), [1.0, 1.0, 1.0], 'NextStep')
    """

    def __init__(
        self,
        num_envs: int = 1,
        max_episode_steps: int | None = 500,
        render_mode: str | None = None,
        sutton_barto_reward: bool = False,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        xp: NamespaceLike = "numpy",
        device: DeviceLike | None = None,
        check_action_values: bool | None = None,
    ) -> None:
        model = CartPoleModel(xp, device, sutton_barto_reward)
        super().__init__(
            model,
            num_envs=num_envs,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
            check_action_values=check_action_values,
        )
