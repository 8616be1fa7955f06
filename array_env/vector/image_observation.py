"""Vector image observation wrappers: the twins of :mod:`array_env.wrappers.image_observation`.

The cores take any leading batch axes, so a batch of ``num_envs`` frames is converted or resized
in one call, on its device. Under same-step autoreset the finished episodes' last frames in
``info["final_obs"]`` are converted too (as Gymnasium's vector wrappers do), in a new info dict:
a stacked array in one call, or Gymnasium's object array of per-sub-env frames entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space
from typing_extensions import TypeVar

from array_env.vector._autoreset import autoreset_mode
from array_env.vector.noisy_observation import BatchFrames
from array_env.wrappers.image_observation import (
    GrayscaleMixin,
    ResizeMixin,
    add_render_spaces,
    check_frame,
    check_obstruction,
    check_render_mode,
    grayscale_space,
    obstruction_mask,
    resize_space,
    with_pixels,
)
from array_env.wrappers.noisy_observation import draw_noise, fold_patch

__all__ = [
    "AddRenderObservation",
    "GrayscaleObservation",
    "ResizeObservation",
    "final_observations",
]

A = TypeVar("A")
Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it


def final_observations(
    infos: dict[str, Any], transform: Callable[[Any, str], Any]
) -> dict[str, Any]:
    """Return ``infos`` with ``final_obs`` transformed, leaving the given dict untouched.

    ``transform(observation, name)`` takes a batch or a single frame (the cores accept both).
    """
    if "final_obs" not in infos:
        return infos
    final = infos["final_obs"]
    if compat.is_numpy_array(final) and final.dtype == object:
        out = np.full(len(final), None, dtype=object)
        for row, frame in enumerate(final):
            if frame is not None:
                out[row] = transform(frame, f'info["final_obs"][{row}]')
        return {**infos, "final_obs": out}
    return {**infos, "final_obs": transform(final, 'info["final_obs"]')}


class _FrameBatchWrapper(VectorWrapper[A, Act, A, Act, A]):
    """Applies ``_transform`` to every batch of frames, ``final_obs`` included."""

    _mode: AutoresetMode

    def _transform(self, frames: Any, name: str) -> Any:
        raise NotImplementedError

    def _single_transform(self, frame: Any, name: str) -> Any:
        raise NotImplementedError

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs and transform their observations."""
        observations, infos = self.env.reset(seed=seed, options=options)
        return self._transform(observations, "observations"), infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and transform their observations (and ``final_obs``)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        out = self._transform(observations, "observations")
        if self._mode is AutoresetMode.SAME_STEP:
            infos = final_observations(infos, self._final_transform)
        return out, rewards, terminated, truncated, infos

    def _final_transform(self, final: Any, name: str) -> Any:
        if tuple(final.shape) == tuple(self.env.observation_space.shape or ()):  # pyright: ignore[reportUnknownMemberType]
            return self._transform(final, name)
        return self._single_transform(final, name)


class GrayscaleObservation(
    GrayscaleMixin, _FrameBatchWrapper[A, Act], gym.utils.RecordConstructorArgs
):
    """Convert each sub-environment's RGB frame to greyscale, in one call per batch.

    The vector twin of :class:`array_env.wrappers.GrayscaleObservation` (Gymnasium's vector
    version loops over the sub-envs; this one converts the ``(num_envs, H, W, 3)`` batch at
    once, on its device), equal to Gymnasium's on every colour.

    Args:
        env: The vector environment; its single observation space must be
            ``Box(0, 255, (H, W, 3), uint8)``.
        keep_dim: Keep a channel axis of length 1.

    Raises:
        TypeError: If the single observation space is not a Box.
        ValueError: If it is not uint8 RGB images with bounds 0 and 255.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0: 84x84 RGB frames
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 3, vectorization_mode="vector_entry_point", xp="numpy"
        ... )
        >>> envs = GrayscaleObservation(envs)
        >>> obs, _ = envs.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((3, 84, 84), dtype('uint8'))
    """

    def __init__(self, env: VectorEnv[A, Act, A], keep_dim: bool = False) -> None:
        single = env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        space = grayscale_space(type(self).__name__, single, keep_dim)  # pyright: ignore[reportUnknownArgumentType]
        gym.utils.RecordConstructorArgs.__init__(self, keep_dim=keep_dim)
        VectorWrapper.__init__(self, env)
        self.single_observation_space = space
        self.observation_space = batch_space(space, self.num_envs)
        self.keep_dim = keep_dim
        self._mode = autoreset_mode(env)
        self._observation_shape = (self.num_envs, *space.shape[:2], 3)

    def _transform(self, frames: Any, name: str) -> Any:
        return self._grey(frames, name=name)

    def _single_transform(self, frame: Any, name: str) -> Any:
        return self._grey(frame, name=name, frame=True)


class ResizeObservation(ResizeMixin, _FrameBatchWrapper[A, Act], gym.utils.RecordConstructorArgs):
    """Resize each sub-environment's frame as OpenCV's ``INTER_AREA``, in one call per batch.

    The vector twin of :class:`array_env.wrappers.ResizeObservation`: the ``(num_envs, H, W[,
    C])`` batch is resized at once on its device (a torch batch of 4096 Atari frames never
    leaves the GPU).

    Args:
        env: The vector environment; its single observation space must be uint8 images.
        shape: The output ``(height, width)``.

    Raises:
        TypeError: If the space is not a Box, or ``shape`` is not a tuple of ints.
        ValueError: If the space is not uint8 images in [0, 255], or ``shape`` is invalid.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0: 84x84 RGB frames
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point", xp="numpy"
        ... )
        >>> envs = ResizeObservation(envs, (42, 42))
        >>> obs, _ = envs.reset(seed=0)
        >>> obs.shape
        (2, 42, 42, 3)
    """

    def __init__(self, env: VectorEnv[A, Act, A], shape: tuple[int, ...]) -> None:
        single = env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        space = resize_space(type(self).__name__, single, shape)  # pyright: ignore[reportUnknownArgumentType]
        gym.utils.RecordConstructorArgs.__init__(self, shape=shape)
        VectorWrapper.__init__(self, env)
        self.single_observation_space = space
        self.observation_space = batch_space(space, self.num_envs)
        source: tuple[int, ...] = tuple(single.shape or ())
        self.shape = (space.shape[0], space.shape[1])
        self._source = (source[0], source[1])
        self._has_channels = len(source) == 3
        self._observation_shape = (self.num_envs, *source)
        self._mode = autoreset_mode(env)

    def _transform(self, frames: Any, name: str) -> Any:
        return self._resize(frames, name=name)

    def _single_transform(self, frame: Any, name: str) -> Any:
        return self._resize(frame, name=name, frame=True)


class AddRenderObservation(
    VectorWrapper[ObsOut, Act, A, Act, A], gym.utils.RecordConstructorArgs, Generic[Act, A, ObsOut]
):
    """Return each sub-environment's rendered frame as its observation, or add it.

    Gymnasium has no vector version; this one asks the vector env for all frames at once
    (array_env's native vector envs paint ``(num_envs, H, W, 3)`` on the device; Gymnasium's
    ``SyncVectorEnv`` returns a tuple of frames, stacked once). As for the single wrapper, the
    constructor resets the env once and renders to learn the frame shape. Under same-step
    autoreset ``info["final_obs"]`` keeps the env's own final observations: the finished
    states were already replaced by the new episodes', so there is no frame of them to render.

    Args:
        env: The vector environment; ``render_mode`` must produce frames.
        render_only: Return only the frames; otherwise a dict of frames and observations.
        render_key: The frames' key in the dict.
        obs_key: The observations' key, when the env's space is not a Dict.

    Raises:
        ValueError: If ``render_mode`` is ``None`` or ``"human"``, or ``render_key`` is taken.
        TypeError: If ``env.render()`` does not return arrays.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec(
        ...     "array_env/CartPole-v1", 2, vectorization_mode="vector_entry_point",
        ...     xp="array_api_strict", render_mode="rgb_array",
        ... )
        >>> envs = AddRenderObservation(envs)
        >>> envs.single_observation_space
        Box(0, 255, (400, 600, 3), uint8)
        >>> obs, _ = envs.reset(seed=0)
        >>> obs.shape
        (2, 400, 600, 3)
    """

    def __init__(
        self,
        env: VectorEnv[A, Act, A],
        render_only: bool = True,
        render_key: str = "pixels",
        obs_key: str = "state",
    ) -> None:
        owner = type(self).__name__
        gym.utils.RecordConstructorArgs.__init__(
            self, render_only=render_only, render_key=render_key, obs_key=obs_key
        )
        check_render_mode(owner, env.render_mode)
        VectorWrapper.__init__(self, env)
        env.reset()
        frames = self._frames()
        single = env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        space = add_render_spaces(
            owner, single, frames[0, ...], render_only=render_only,  # pyright: ignore[reportUnknownArgumentType]
            render_key=render_key, obs_key=obs_key,
        )  # fmt: skip
        self.single_observation_space = space
        self.observation_space = batch_space(space, self.num_envs)
        self.render_only = render_only
        self.render_key = render_key
        self.obs_key = obs_key
        self._dict_space = isinstance(single, gym.spaces.Dict)

    def _frames(self) -> Any:
        frames = self.env.render()
        if isinstance(frames, tuple | list):  # Gymnasium's vector envs: one frame per sub-env
            first: Any = frames[0]
            check_frame(type(self).__name__, first)
            return compat.array_namespace(first).stack(frames)
        check_frame(type(self).__name__, frames)
        return frames

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the sub-envs and render them."""
        observations, infos = self.env.reset(seed=seed, options=options)
        return self._observe(observations), infos

    def step(self, actions: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and render them."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        return self._observe(observations), rewards, terminated, truncated, infos

    def _observe(self, observations: Any) -> Any:
        return with_pixels(
            observations, self._frames(), render_only=self.render_only,
            dict_space=self._dict_space, render_key=self.render_key, obs_key=self.obs_key,
        )  # fmt: skip


class ObstructView(BatchFrames, VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs):
    """Cover random squares of every sub-env's rendered frame with white noise.

    The vector twin of :class:`array_env.wrappers.ObstructView`; the draws are those of the
    single wrapper, per sub-env (see :mod:`array_env.vector.noisy_observation` for which
    generator), uploaded once per render.

    Args:
        env: The vector environment, rendering ``rgb_array`` frames.
        obstructed_pixels_ratio: In ``[0, 1)``.
        obstruction_width: The side of the squares, at least 1.
        is_noise_grayscale: Grey noise instead of coloured noise.

    Raises:
        ValueError: If the ratio is not in ``[0, 1)`` or the width is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point",
        ...     xp="numpy", render_mode="rgb_array",
        ... )
        >>> envs = ObstructView(envs, obstructed_pixels_ratio=0.2, obstruction_width=8)
        >>> _ = envs.reset(seed=0)
        >>> envs.render().shape
        (2, 84, 84, 3)
    """

    def __init__(
        self,
        env: VectorEnv[A, Act, A],
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
        VectorWrapper.__init__(self, env)
        self.obstruction_centers_ratio = obstructed_pixels_ratio / obstruction_width**2
        self.obstruction_width = obstruction_width
        self.is_noise_grayscale = is_noise_grayscale

    def render(self) -> Any:
        """Render the sub-envs' frames and cover random squares of them with white noise."""
        ratio, width, grey = (
            self.obstruction_centers_ratio, self.obstruction_width, self.is_noise_grayscale
        )  # fmt: skip

        def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
            mask = obstruction_mask(rng, shape, ratio, width)
            return fold_patch(mask, draw_noise(rng, shape, grey))

        return self._noisy_batch(draw, None)
