"""Image observation wrappers: greyscale, resize, rendered frames as observations.

The maths lives in :mod:`array_env._ops.grayscale` and :mod:`array_env._ops.resize`, pure
functions with any leading batch axes; the shells here check the constructor arguments as
Gymnasium does, fix namespace and device at the first observation (:class:`ImageContract`) and
delegate. The vector twins in :mod:`array_env.vector.image_observation` call the same cores.
"""

from __future__ import annotations

from typing import Any, Generic

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from typing_extensions import TypeVar

from array_env._ops.grayscale import GreyTable, grey_table, rgb_to_grey
from array_env._ops.resize import Resizer, image_resizer, resize_plan
from array_env._ops.running_moments import statistics_dtype
from array_env.core import Wrapper
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.noisy_observation import FrameContract, draw_noise, fold_patch

__all__ = [
    "AddRenderObservation",
    "GrayscaleObservation",
    "ImageContract",
    "ObstructView",
    "ResizeObservation",
    "add_render_spaces",
    "check_frame",
    "check_obstruction",
    "check_render_mode",
    "grayscale_space",
    "obstruction_mask",
    "obstruction_patch",
    "resize_space",
    "with_pixels",
]

Img = TypeVar("Img")
Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it
Obs = TypeVar("Obs")


def _box(owner: str, space: gym.Space[Any]) -> spaces.Box:
    if not isinstance(space, spaces.Box):
        raise TypeError(f"{owner} requires a Box observation space, got {type(space)}")
    return space  # pyright: ignore[reportUnknownVariableType]


def _is_uint8_image_box(box: spaces.Box) -> bool:
    return bool(np.all(box.low == 0) and np.all(box.high == 255))


def grayscale_space(owner: str, space: gym.Space[Any], keep_dim: bool) -> spaces.Box:
    """Check the space as Gymnasium's ``GrayscaleObservation`` does; return the greyscale Box.

    Raises:
        TypeError: If the space is not a Box.
        ValueError: If it is not ``(H, W, 3)`` uint8 images with bounds 0 and 255.
    """
    box = _box(owner, space)
    if len(box.shape) != 3 or box.shape[-1] != 3:
        raise ValueError(f"{owner} requires an image with 3 channels, got shape {box.shape}")
    if not (_is_uint8_image_box(box) and box.dtype == np.uint8):
        raise ValueError(f"{owner} requires observation bounds 0 to 255 and dtype uint8, got {box}")
    shape = box.shape[:2] + ((1,) if keep_dim else ())
    return spaces.Box(low=0, high=255, shape=shape, dtype=np.uint8)


def resize_space(owner: str, space: gym.Space[Any], shape: Any) -> spaces.Box:
    """Check the space and ``shape`` as Gymnasium's ``ResizeObservation`` does; return the Box.

    Raises:
        TypeError: If the space is not a Box, ``shape`` is not a tuple or holds a non-integer.
        ValueError: If the space is not 2D/3D uint8 images with bounds 0 and 255, or ``shape``
            is not two positive integers.
    """
    box = _box(owner, space)
    if len(box.shape) not in {2, 3}:
        raise ValueError(f"{owner} requires a 2D or 3D image, got shape {box.shape}")
    if not _is_uint8_image_box(box):
        raise ValueError(f"{owner} requires observation bounds 0 to 255, got {box}")
    if box.dtype != np.uint8:
        raise ValueError(f"{owner} requires observation dtype uint8, got {box.dtype}")
    if not isinstance(shape, tuple):
        raise TypeError(f"{owner} requires shape to be a tuple, got {type(shape)}")
    if len(shape) != 2:  # pyright: ignore[reportUnknownArgumentType]
        raise ValueError(f"{owner} requires shape tuple of length 2, got {shape}")
    if not all(np.issubdtype(type(elem), np.integer) for elem in shape):  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
        raise TypeError(f"{owner} requires shape elements to be integers, got {shape}")
    if not all(x > 0 for x in shape):  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
        raise ValueError(f"{owner} requires shape elements to be greater than 0, got {shape}")
    target = (int(shape[0]), int(shape[1]))  # pyright: ignore[reportUnknownArgumentType]
    return spaces.Box(low=0, high=255, shape=target + box.shape[2:], dtype=np.uint8)


class ImageContract:
    """First contact for the image wrappers: the contract and the device-side constants.

    ``_observation_shape`` is what each call's array must have (the single frame, or the batch);
    ``_constants(contract)`` builds whatever the core needs on the contract's device. Neither
    the contract nor the constants are pickled: the copy fixes them again at its first contact.
    """

    _contract: ArrayContract | None = None
    _device_constants: Any = None
    _observation_shape: tuple[int, ...]

    def _constants(self, contract: ArrayContract) -> Any:
        raise NotImplementedError

    def _checked(self, observation: Any, *, name: str) -> tuple[ArrayContract, Any]:
        contract = self._contract
        if contract is None:
            contract = contract_for(
                observation, owner=type(self).__name__, name=name, host_dtype=np.uint8,
                shape=self._observation_shape,
            )  # fmt: skip
            self._device_constants = self._constants(contract)
            self._contract = contract
        elif not contract.matches(observation):
            contract.check(observation, owner=type(self).__name__, name=name)
        return contract, self._device_constants

    def _checked_frame(self, frame: Any, *, name: str) -> tuple[ArrayContract, Any]:
        """Check one sub-env's frame against a vector wrapper's contract (fixed already)."""
        contract = self._contract
        assert contract is not None  # a step came first
        single = contract._replace(shape=self._observation_shape[1:])
        if not single.matches(frame):
            single.check(frame, owner=type(self).__name__, name=name)
        return contract, self._device_constants

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_contract", None)
        state.pop("_device_constants", None)
        return state


class GrayscaleMixin(ImageContract):
    """The greyscale conversion shared by the single and the vector wrapper."""

    keep_dim: bool

    def _constants(self, contract: ArrayContract) -> GreyTable:
        float64 = statistics_dtype(contract.xp, contract.device) == contract.xp.float64
        return grey_table(xp=contract.xp, device=contract.device, float64=float64)

    def _grey(self, observation: Any, *, name: str, frame: bool = False) -> Any:
        check = self._checked_frame if frame else self._checked
        contract, table = check(observation, name=name)
        return rgb_to_grey(observation, table, keep_dim=self.keep_dim, xp=contract.fast_xp)


class GrayscaleObservation(
    GrayscaleMixin, Wrapper[Img, Act, Img, Act], gym.utils.RecordConstructorArgs
):
    """Convert RGB image observations to greyscale, exactly as Gymnasium does.

    Gymnasium's luminance ``0.2125 R + 0.7154 G + 0.0721 B`` truncated to uint8, equal to
    Gymnasium's float64 result on every one of the 2**24 colours, on backends without float64
    too (:mod:`array_env._ops.grayscale`). Observations stay in the env's namespace and on its
    device. The vector twin is :class:`array_env.vector.GrayscaleObservation`.

    Args:
        env: The environment; its observation space must be ``Box(0, 255, (H, W, 3), uint8)``.
        keep_dim: Keep a channel axis of length 1: ``(H, W, 1)`` instead of ``(H, W)``.

    Raises:
        TypeError: If the observation space is not a Box.
        ValueError: If it is not uint8 RGB images with bounds 0 and 255.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0: 84x84 RGB frames
        >>> env = gym.make("array_env/Catch-v0", xp="numpy")
        >>> env = GrayscaleObservation(env, keep_dim=True)
        >>> env.observation_space
        Box(0, 255, (84, 84, 1), uint8)
        >>> obs, _ = env.reset(seed=0)
        >>> obs.dtype, obs.shape
        (dtype('uint8'), (84, 84, 1))
    """

    def __init__(self, env: gym.Env[Img, Act], keep_dim: bool = False) -> None:
        space = grayscale_space(type(self).__name__, env.observation_space, keep_dim)
        gym.utils.RecordConstructorArgs.__init__(self, keep_dim=keep_dim)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        self.keep_dim = keep_dim
        self._observation_shape = tuple(env.observation_space.shape or ())

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Img, dict[str, Any]]:
        """Reset the env and convert its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self._grey(observation, name="observation"), info

    def step(self, action: Act) -> tuple[Img, Any, Any, Any, dict[str, Any]]:
        """Step the env and convert the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._grey(observation, name="observation"), reward, terminated, truncated, info


class ResizeMixin(ImageContract):
    """The resize shared by the single and the vector wrapper."""

    shape: tuple[int, int]
    _source: tuple[int, int]
    _has_channels: bool

    def _constants(self, contract: ArrayContract) -> tuple[Resizer, Resizer | None]:
        """The resize built for the observations' shape, and for one sub-env's frame."""
        channels = self._observation_shape[-1] if self._has_channels else 1
        plan = resize_plan(
            self._source, self.shape, channels=channels, xp=contract.xp, device=contract.device
        )
        shape, xp, has_channels = self._observation_shape, contract.fast_xp, self._has_channels
        whole = image_resizer(plan, shape, channel_axis=has_channels, xp=xp)
        batched = len(shape) > (3 if has_channels else 2)
        one = image_resizer(plan, shape[1:], channel_axis=has_channels, xp=xp) if batched else None
        return whole, one

    def _resize(self, observation: Any, *, name: str, frame: bool = False) -> Any:
        if frame:
            _, (_, one) = self._checked_frame(observation, name=name)
            assert one is not None
            return one(observation)
        _, (whole, _) = self._checked(observation, name=name)
        return whole(observation)


class ResizeObservation(ResizeMixin, Wrapper[Img, Act, Img, Act], gym.utils.RecordConstructorArgs):
    """Resize image observations to ``shape`` as OpenCV's ``INTER_AREA`` does, without OpenCV.

    Gymnasium resizes with ``cv2.resize(..., interpolation=cv2.INTER_AREA)`` on the host; this
    wrapper computes the same area weights once and resizes with a few ``take``/multiply/add
    calls in the observations' namespace, on their device (:mod:`array_env._ops.resize`).
    Shrinking uint8 frames gives OpenCV's values (checked equal on 210x160, 250x160 and 96x96
    to 84x84); enlarging is within one grey level of OpenCV, whose fixed-point SIMD path
    truncates intermediate sums. The vector twin is :class:`array_env.vector.ResizeObservation`.

    Args:
        env: The environment; its observation space must be uint8 images ``(H, W)`` or
            ``(H, W, C)`` with bounds 0 and 255.
        shape: The output ``(height, width)``, two positive integers.

    Raises:
        TypeError: If the observation space is not a Box, or ``shape`` is not a tuple of ints.
        ValueError: If the space is not uint8 images in [0, 255] of 2 or 3 axes, or ``shape``
            is not two positive integers.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0: 84x84 RGB frames
        >>> env = gym.make("array_env/Catch-v0", xp="array_api_strict")
        >>> env = ResizeObservation(env, (42, 21))
        >>> env.observation_space
        Box(0, 255, (42, 21, 3), uint8)
        >>> obs, _ = env.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((42, 21, 3), array_api_strict.uint8)
    """

    def __init__(self, env: gym.Env[Img, Act], shape: tuple[int, int]) -> None:
        space = resize_space(type(self).__name__, env.observation_space, shape)
        gym.utils.RecordConstructorArgs.__init__(self, shape=shape)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        source = tuple(env.observation_space.shape or ())
        self.shape = (space.shape[0], space.shape[1])
        self.cv2_shape: tuple[int, int] = (space.shape[1], space.shape[0])
        self._source = (source[0], source[1])
        self._has_channels = len(source) == 3
        self._observation_shape = source

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Img, dict[str, Any]]:
        """Reset the env and resize its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self._resize(observation, name="observation"), info

    def step(self, action: Act) -> tuple[Img, Any, Any, Any, dict[str, Any]]:
        """Step the env and resize the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._resize(observation, name="observation"), reward, terminated, truncated, info


def add_render_spaces(
    owner: str,
    space: gym.Space[Any],
    frame: Any,
    *,
    render_only: bool,
    render_key: str,
    obs_key: str,
) -> gym.Space[Any]:
    """The observation space of AddRenderObservation, given one rendered ``frame``.

    Raises:
        TypeError: If ``frame`` is not an array.
        ValueError: If ``render_key`` is already a key of a Dict observation space.
    """
    check_frame(owner, frame)
    pixels = spaces.Box(low=0, high=255, shape=tuple(frame.shape), dtype=np.uint8)
    if render_only:
        return pixels
    if isinstance(space, spaces.Dict):
        if render_key in space.spaces:  # pyright: ignore[reportUnknownMemberType]
            raise ValueError(
                f"{owner} render_key '{render_key}' already exists in the observation space"
            )
        return spaces.Dict({render_key: pixels, **space.spaces}, sort_keys=space.sort_keys)  # pyright: ignore[reportUnknownMemberType]
    return spaces.Dict({obs_key: space, render_key: pixels})


def check_frame(owner: str, frame: Any) -> None:
    """Raise ``TypeError`` unless ``frame`` (what ``env.render()`` returned) is an array."""
    if frame is None or not compat.is_array_api_obj(frame):
        raise TypeError(
            f"{owner} expects env.render() to return an array (Gymnasium: a numpy array), "
            f"got {type(frame)}"
        )


def check_render_mode(owner: str, render_mode: str | None) -> None:
    """Raise ``ValueError`` unless ``render_mode`` returns frames (not ``None``, not ``human``)."""
    if render_mode is None or render_mode == "human":
        raise ValueError(
            f"{owner} requires render_mode to be not None and not 'human', got {render_mode}"
        )


def with_pixels(
    observation: Any, pixels: Any, *, render_only: bool, dict_space: bool, render_key: str,
    obs_key: str,
) -> Any:  # fmt: skip
    """Gymnasium's observation layout: the pixels alone, added to a dict, or beside the obs.

    Gymnasium's entries in Gymnasium's order, which is not always its Dict space's (sorted).
    """
    if render_only:
        return pixels
    if dict_space:
        return {render_key: pixels, **observation}
    return {obs_key: observation, render_key: pixels}


class AddRenderObservation(
    Wrapper[ObsOut, Act, Obs, Act], gym.utils.RecordConstructorArgs, Generic[Act, Obs, ObsOut]
):
    """Return the rendered frame as the observation, or add it to the observation.

    As Gymnasium's ``AddRenderObservation`` (once ``PixelObservationWrapper``): the frame comes
    from ``env.render()``, in the env's namespace and on its device (array_env's reference envs
    paint their ``rgb_array`` frames on the device, so nothing moves to the host). Like
    Gymnasium, the constructor resets the env once and renders to learn the frame's shape. The
    vector twin is :class:`array_env.vector.AddRenderObservation`.

    Args:
        env: The environment; ``render_mode`` must produce frames (``"rgb_array"``).
        render_only: Return only the frame; otherwise a dict of the frame and the observation.
        render_key: The frame's key in the dict.
        obs_key: The observation's key in the dict, when the env's space is not a Dict.

    Raises:
        ValueError: If ``render_mode`` is ``None`` or ``"human"``, or ``render_key`` is taken.
        TypeError: If ``env.render()`` does not return an array.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers the reference envs
        >>> env = gym.make("array_env/CartPole-v1", xp="array_api_strict", render_mode="rgb_array")
        >>> env = AddRenderObservation(env, render_only=False)
        >>> list(env.observation_space.spaces)
        ['pixels', 'state']
        >>> obs, _ = env.reset(seed=0)
        >>> obs["pixels"].shape, obs["pixels"].dtype
        ((400, 600, 3), array_api_strict.uint8)
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        render_only: bool = True,
        render_key: str = "pixels",
        obs_key: str = "state",
    ) -> None:
        owner = type(self).__name__
        gym.utils.RecordConstructorArgs.__init__(
            self, render_only=render_only, render_key=render_key, obs_key=obs_key
        )
        check_render_mode(owner, env.render_mode)
        env.reset()
        space = add_render_spaces(
            owner, env.observation_space, env.render(), render_only=render_only,
            render_key=render_key, obs_key=obs_key,
        )  # fmt: skip
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space
        self.render_only = render_only
        self.render_key = render_key
        self.obs_key = obs_key
        self._dict_space = isinstance(env.observation_space, spaces.Dict)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the env and render its first state."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self._observe(observation), info

    def step(self, action: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the env and render the new state."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        if self.render_only:  # with_pixels' first case, inlined: two Python calls fewer
            pixels: Any = self.render()
            return pixels, reward, terminated, truncated, info
        return self._observe(observation), reward, terminated, truncated, info

    def _observe(self, observation: Obs) -> Any:
        return with_pixels(
            observation, self.render(), render_only=self.render_only,
            dict_space=self._dict_space, render_key=self.render_key, obs_key=self.obs_key,
        )  # fmt: skip


def obstruction_mask(
    np_random: np.random.Generator, shape: tuple[int, ...], centers_ratio: float, width: int
) -> np.ndarray:
    """Gymnasium's ObstructView draw: ``(H, W)`` booleans, squares of ``width`` around centres.

    The squares are painted with a summed-area table instead of Gymnasium's loop over centres.

    Examples:
        >>> obstruction_mask(np.random.default_rng(0), (4, 5, 3), 0.1, 2).astype(int).tolist()
        [[0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0]]
    """
    height, width_px = shape[0], shape[1]
    n_pixels = height * width_px
    centers = np_random.integers(0, n_pixels, int(n_pixels * centers_ratio))
    rows, columns = np.unravel_index(centers, (height, width_px))
    low = width // 2
    high = width - low
    top, bottom = np.maximum(rows - low, 0), np.minimum(rows + high, height)
    left, right = np.maximum(columns - low, 0), np.minimum(columns + high, width_px)
    corners = np.zeros((height + 1, width_px + 1), dtype=np.int64)
    np.add.at(corners, (top, left), 1)
    np.add.at(corners, (top, right), -1)
    np.add.at(corners, (bottom, left), -1)
    np.add.at(corners, (bottom, right), 1)
    return np.cumsum(np.cumsum(corners, axis=0), axis=1)[:height, :width_px] > 0


class ObstructView(FrameContract, Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Cover random squares of the rendered frames with white noise.

    Gymnasium's ``ObstructView`` for frames of any namespace on any device:
    ``int(H * W * obstructed_pixels_ratio / obstruction_width**2)`` squares of side
    ``obstruction_width``, at centres drawn uniformly, are filled with noise. The draws are
    Gymnasium's, from the env's seeded ``np_random`` on the host, uploaded once per frame as
    one patch (:mod:`array_env.wrappers.noisy_observation`); frames keep their dtype. Put
    :class:`AddRenderObservation` on top to make observations obstructed. The vector twin is
    :class:`array_env.vector.ObstructView`.

    Args:
        env: The environment, rendering ``(H, W, 3)`` uint8 frames.
        obstructed_pixels_ratio: In ``[0, 1)``.
        obstruction_width: The side of the squares, at least 1.
        is_noise_grayscale: Grey noise instead of coloured noise.

    Raises:
        ValueError: If the ratio is not in ``[0, 1)`` or the width is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0
        >>> env = gym.make("array_env/Catch-v0", xp="numpy", render_mode="rgb_array")
        >>> env = ObstructView(env, obstructed_pixels_ratio=0.5, obstruction_width=10)
        >>> _ = env.reset(seed=123)
        >>> env.render().shape
        (84, 84, 3)
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        obstructed_pixels_ratio: float,
        obstruction_width: int,
        is_noise_grayscale: bool = False,
    ) -> None:
        check_obstruction(type(self).__name__, obstructed_pixels_ratio, obstruction_width)
        gym.utils.RecordConstructorArgs.__init__(
            self,
            obstructed_pixels_ratio=obstructed_pixels_ratio,
            obstruction_width=obstruction_width,
            is_noise_grayscale=is_noise_grayscale,
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.obstruction_centers_ratio = obstructed_pixels_ratio / obstruction_width**2
        self.obstruction_width = obstruction_width
        self.is_noise_grayscale = is_noise_grayscale

    def render(self) -> Any:
        """Render the env's frame and cover random squares of it with white noise."""
        frame: Any = self.env.render()
        contract = self._frame_checked(frame)
        return self._noisy(frame, obstruction_patch(self, tuple(frame.shape)), contract)


def obstruction_patch(wrapper: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Gymnasium's ObstructView draws for one frame (mask, then noise) from ``np_random``."""
    mask = obstruction_mask(
        wrapper.np_random, shape, wrapper.obstruction_centers_ratio, wrapper.obstruction_width
    )
    return fold_patch(mask, draw_noise(wrapper.np_random, shape, wrapper.is_noise_grayscale))


def check_obstruction(owner: str, ratio: float, width: int) -> None:
    """Raise ``ValueError`` as Gymnasium's ObstructView does for a bad ratio or width."""
    if not 0 <= ratio < 1:
        raise ValueError(
            f"{owner}: obstructed_pixels_ratio should be in the interval [0,1). Received {ratio}"
        )
    if width < 1:
        raise ValueError(
            f"{owner}: obstruction_width should be larger or equal than 1. Received {width}"
        )
