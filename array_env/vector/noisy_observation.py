"""AddWhiteNoise for vector envs: noise on every sub-env's rendered frame, one upload per render.

Gymnasium has no vector version. The randomness is Gymnasium's single-env draws: from each
sub-env's own ``np_random`` where the vector env exposes its sub-envs (``SyncVectorEnv.envs``),
so every sub-env's frame equals Gymnasium's single wrapper on it; otherwise (array_env's native
vector envs) from the vector env's ``np_random``, one draw for the whole batch. The patches are
stacked on the host, uploaded once and applied on the frames' device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv, VectorWrapper

from array_env.wrappers.image_observation import check_frame
from array_env.wrappers.noisy_observation import (
    FrameContract,
    check_probability,
    draw_noise,
    fold_patch,
    white_noise_patch,
)

__all__ = ["AddWhiteNoise", "BatchFrames"]

A = TypeVar("A")
Act = TypeVar("Act")

Draw = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]
"""One frame's patch from a generator and the frame shape."""


class BatchFrames(FrameContract):
    """Renders the sub-envs' frames as one batch and draws their patches."""

    env: VectorEnv[Any, Any, Any]

    def _frames(self) -> Any:
        frames = self.env.render()
        if isinstance(frames, tuple | list):  # Gymnasium's vector envs: one frame per sub-env
            first: Any = frames[0]
            check_frame(type(self).__name__, first)
            return compat.array_namespace(first).stack(frames)
        return frames

    def _patches(self, shape: tuple[int, ...], draw: Draw, batch_draw: Draw | None) -> np.ndarray:
        """One patch per sub-env from its generator, or one batch draw from the vector env's."""
        sub_envs = getattr(self.env.unwrapped, "envs", None)
        if sub_envs is not None:
            return np.stack([draw(sub.np_random, shape[1:]) for sub in sub_envs])
        if batch_draw is not None:
            return batch_draw(self.env.np_random, shape)
        return np.stack([draw(self.env.np_random, shape[1:]) for _ in range(shape[0])])

    def _noisy_batch(self, draw: Draw, batch_draw: Draw | None) -> Any:
        frames = self._frames()
        contract = self._frame_checked(frames)
        return self._noisy(frames, self._patches(tuple(frames.shape), draw, batch_draw), contract)


class AddWhiteNoise(BatchFrames, VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs):
    """Replace random pixels of every sub-env's rendered frame with white noise.

    The vector twin of :class:`array_env.wrappers.AddWhiteNoise`: ``render()`` returns the
    ``(num_envs, H, W, 3)`` frames with each pixel replaced with probability
    ``probability_of_noise_per_pixel``, on the frames' device.

    Args:
        env: The vector environment, rendering ``rgb_array`` frames.
        probability_of_noise_per_pixel: In ``[0, 1)``.
        is_noise_grayscale: Grey noise instead of coloured noise.

    Raises:
        gymnasium.error.InvalidProbability: If the probability is not in ``[0, 1)``.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec(
        ...     "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point",
        ...     xp="numpy", render_mode="rgb_array",
        ... )
        >>> envs = AddWhiteNoise(envs, probability_of_noise_per_pixel=0.3)
        >>> _ = envs.reset(seed=0)
        >>> envs.render().shape
        (2, 84, 84, 3)
    """

    def __init__(
        self,
        env: VectorEnv[A, Act, A],
        probability_of_noise_per_pixel: float,
        is_noise_grayscale: bool = False,
    ) -> None:
        check_probability(type(self).__name__, probability_of_noise_per_pixel)
        gym.utils.RecordConstructorArgs.__init__(
            self,
            probability_of_noise_per_pixel=probability_of_noise_per_pixel,
            is_noise_grayscale=is_noise_grayscale,
        )
        VectorWrapper.__init__(self, env)
        self.probability_of_noise_per_pixel = probability_of_noise_per_pixel
        self.is_noise_grayscale = is_noise_grayscale

    def render(self) -> Any:
        """Render the sub-envs' frames and replace random pixels with white noise."""
        probability, grey = self.probability_of_noise_per_pixel, self.is_noise_grayscale

        def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
            return white_noise_patch(rng, shape, probability, grey)

        def batch_draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
            noise = draw_noise(rng, shape, grey)
            return fold_patch(rng.random(shape[:-1]) < probability, noise)

        return self._noisy_batch(draw, batch_draw)
