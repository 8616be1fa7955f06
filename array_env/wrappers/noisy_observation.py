"""AddWhiteNoise: rendered frames with random pixels replaced by white noise.

As in Gymnasium (``gymnasium.wrappers.AddWhiteNoise``), the noise goes on ``render()``'s frames;
with :class:`array_env.wrappers.AddRenderObservation` on top it makes observations noisy. The
randomness is drawn on the host from the env's seeded ``np_random`` with exactly Gymnasium's
calls, so the env's own random stream and every frame match Gymnasium's for the same seed on
every backend. The draws are folded into one uint8 *patch* (the noise where a pixel is replaced,
255 where it is kept: Gymnasium's noise never reaches 255), uploaded once per frame, and applied
on the frame's device by :func:`apply_patch`.
"""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidProbability

from array_env._ops.upload import host_to_device
from array_env.core import Wrapper
from array_env.wrappers._contract import ArrayContract, contract_for

__all__ = [
    "KEEP",
    "AddWhiteNoise",
    "FrameContract",
    "apply_patch",
    "check_probability",
    "draw_noise",
    "fold_patch",
    "white_noise_patch",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")

KEEP = 255
"""The patch value that keeps the frame's pixel (Gymnasium's noise is at most 254)."""

_GREY_NOISE_HIGH = 255 * np.array([0.2989, 0.5870, 0.1140])


def draw_noise(np_random: np.random.Generator, shape: tuple[int, ...], grayscale: bool) -> Any:
    """Gymnasium's noise draw for frames of ``shape``: uniform, or grey on 3 channels."""
    if grayscale:
        coloured = np_random.integers((0, 0, 0), _GREY_NOISE_HIGH, size=shape, dtype=np.uint8)
        return coloured.sum(-1, keepdims=True).repeat(3, -1)
    return np_random.integers(0, 255, size=shape, dtype=np.uint8)


def fold_patch(mask: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """One uint8 array: ``noise`` where ``mask`` (``(H, W)``) is set, :data:`KEEP` elsewhere."""
    return np.where(mask[..., None], noise, KEEP).astype(np.uint8)


def white_noise_patch(
    np_random: np.random.Generator, shape: tuple[int, ...], probability: float, grayscale: bool
) -> np.ndarray:
    """Gymnasium's AddWhiteNoise draws (the noise, then the mask), as one patch.

    Examples:
        >>> patch = white_noise_patch(np.random.default_rng(0), (2, 3, 3), 0.5, False)
        >>> patch.shape, patch.dtype, bool((patch == KEEP).any())
        ((2, 3, 3), dtype('uint8'), True)
    """
    noise = draw_noise(np_random, shape, grayscale)
    return fold_patch(np_random.random(shape[0:2]) < probability, noise)


def apply_patch(frame: Any, patch: Any, *, xp: Any) -> Any:
    """Replace the frame's pixels where the patch is not :data:`KEEP` (any batch axes).

    Examples:
        >>> import array_api_strict as xps
        >>> frame = xps.asarray([[10, 20], [30, 40]], dtype=xps.uint8)
        >>> patch = xps.asarray([[255, 7], [255, 255]], dtype=xps.uint8)
        >>> apply_patch(frame, patch, xp=xps)
        Array([[10,  7],
               [30, 40]], dtype=array_api_strict.uint8)
    """
    return xp.where(patch == KEEP, frame, patch)


def check_probability(owner: str, probability: float) -> None:
    """Raise Gymnasium's ``InvalidProbability`` unless ``0 <= probability < 1``."""
    if not 0 <= probability < 1:
        raise InvalidProbability(
            f"{owner}: probability_of_noise_per_pixel should be in the interval [0,1). "
            f"Received {probability}"
        )


class FrameContract:
    """Fixes the rendered frames' namespace, device, dtype and shape at the first frame."""

    _frame_contract: ArrayContract | None = None

    def _frame_checked(self, frame: Any, *, shape: tuple[int, ...] | None = None) -> ArrayContract:
        contract = self._frame_contract
        if contract is None:
            contract = contract_for(
                frame, owner=type(self).__name__, name="render() frame", shape=shape
            )
            self._frame_contract = contract = contract._replace(shape=tuple(frame.shape))
        elif not contract.matches(frame):
            contract.check(frame, owner=type(self).__name__, name="render() frame")
        return contract

    def _noisy(self, frame: Any, patch: np.ndarray, contract: ArrayContract) -> Any:
        moved = host_to_device(patch, xp=contract.xp, device=contract.device)
        return apply_patch(frame, moved, xp=contract.fast_xp)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_frame_contract", None)
        return state


class AddWhiteNoise(FrameContract, Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Replace random pixels of the rendered frames with white noise.

    Gymnasium's ``AddWhiteNoise`` for frames of any namespace on any device: each pixel is
    replaced with probability ``probability_of_noise_per_pixel`` by uniform noise (or by grey
    noise with ``is_noise_grayscale``). The draws are Gymnasium's, from the env's seeded
    ``np_random`` on the host, uploaded once per frame; the same seed gives the same frames on
    every backend and leaves the env's random stream as Gymnasium leaves it. Frames keep their
    dtype (Gymnasium's grey noise promotes frames to uint64; the values are the same). Put
    :class:`array_env.wrappers.AddRenderObservation` on top to make observations noisy. The
    vector twin is :class:`array_env.vector.AddWhiteNoise`.

    Args:
        env: The environment, rendering ``(H, W, 3)`` uint8 frames.
        probability_of_noise_per_pixel: In ``[0, 1)``.
        is_noise_grayscale: Grey noise instead of coloured noise.

    Raises:
        gymnasium.error.InvalidProbability: If the probability is not in ``[0, 1)``.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs  # registers array_env/Catch-v0
        >>> env = gym.make("array_env/Catch-v0", xp="array_api_strict", render_mode="rgb_array")
        >>> env = AddWhiteNoise(env, probability_of_noise_per_pixel=0.5)
        >>> _ = env.reset(seed=123)
        >>> frame = env.render()
        >>> frame.shape, frame.dtype
        ((84, 84, 3), array_api_strict.uint8)
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        probability_of_noise_per_pixel: float,
        is_noise_grayscale: bool = False,
    ) -> None:
        check_probability(type(self).__name__, probability_of_noise_per_pixel)
        gym.utils.RecordConstructorArgs.__init__(
            self,
            probability_of_noise_per_pixel=probability_of_noise_per_pixel,
            is_noise_grayscale=is_noise_grayscale,
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.probability_of_noise_per_pixel = probability_of_noise_per_pixel
        self.is_noise_grayscale = is_noise_grayscale

    def render(self) -> Any:
        """Render the env's frame and replace random pixels with white noise."""
        frame: Any = self.env.render()
        contract = self._frame_checked(frame)
        patch = white_noise_patch(
            self.np_random, tuple(frame.shape), self.probability_of_noise_per_pixel,
            self.is_noise_grayscale,
        )  # fmt: skip
        return self._noisy(frame, patch, contract)
