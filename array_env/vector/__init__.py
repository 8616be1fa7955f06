"""Vector-environment wrappers: the twins of :mod:`array_env.wrappers`, same names.

They work on a leading batch axis with masks, never a Python loop over sub-environments, and
honour Gymnasium's three autoreset modes. Importing this package imports no torch, jax or cupy.
"""

from array_env.vector.action import ClipAction
from array_env.vector.common import RecordEpisodeStatistics
from array_env.vector.conversion import (
    ArrayConversion,
    JaxToNumpy,
    JaxToTorch,
    NumpyToJax,
    NumpyToTorch,
    TorchToJax,
    TorchToNumpy,
)
from array_env.vector.image_observation import (
    AddRenderObservation,
    GrayscaleObservation,
    ObstructView,
    ResizeObservation,
)
from array_env.vector.max_and_skip import MaxAndSkipObservation
from array_env.vector.noisy_observation import AddWhiteNoise
from array_env.vector.observation import FrameStackObservation, NormalizeObservation
from array_env.vector.reward import NormalizeReward

__all__ = [
    "AddRenderObservation",
    "AddWhiteNoise",
    "ArrayConversion",
    "ClipAction",
    "FrameStackObservation",
    "GrayscaleObservation",
    "JaxToNumpy",
    "JaxToTorch",
    "MaxAndSkipObservation",
    "NormalizeObservation",
    "NormalizeReward",
    "NumpyToJax",
    "NumpyToTorch",
    "ObstructView",
    "RecordEpisodeStatistics",
    "ResizeObservation",
    "TorchToJax",
    "TorchToNumpy",
]
