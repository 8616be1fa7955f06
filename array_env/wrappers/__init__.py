"""Single-environment wrappers, with Gymnasium 1.x's names and constructor signatures.

Each family lives in its own module (conversion, observation, action, reward, common); the vector
twin of every wrapper has the same name in :mod:`array_env.vector`. Importing this package
imports no torch, jax or cupy.
"""

from array_env.wrappers.action import ClipAction
from array_env.wrappers.common import RecordEpisodeStatistics
from array_env.wrappers.conversion import (
    ArrayConversion,
    JaxToNumpy,
    JaxToTorch,
    NumpyToJax,
    NumpyToTorch,
    TorchToJax,
    TorchToNumpy,
)
from array_env.wrappers.image_observation import (
    AddRenderObservation,
    GrayscaleObservation,
    ObstructView,
    ResizeObservation,
)
from array_env.wrappers.max_and_skip import MaxAndSkipObservation
from array_env.wrappers.noisy_observation import AddWhiteNoise
from array_env.wrappers.observation import FrameStackObservation, NormalizeObservation
from array_env.wrappers.reward import NormalizeReward

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
