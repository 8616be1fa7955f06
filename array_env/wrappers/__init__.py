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
from array_env.wrappers.observation import FrameStackObservation, NormalizeObservation
from array_env.wrappers.reward import NormalizeReward
from array_env.wrappers.stateless_observation import (
    DiscretizeObservation,
    DtypeObservation,
    FilterObservation,
    FlattenObservation,
    RescaleObservation,
    ReshapeObservation,
    TransformObservation,
)
from array_env.wrappers.temporal_observation import DelayObservation, TimeAwareObservation

__all__ = [
    "ArrayConversion",
    "ClipAction",
    "FrameStackObservation",
    "JaxToNumpy",
    "JaxToTorch",
    "NormalizeObservation",
    "NormalizeReward",
    "NumpyToJax",
    "NumpyToTorch",
    "RecordEpisodeStatistics",
    "TorchToJax",
    "TorchToNumpy",
    "DelayObservation",
    "DiscretizeObservation",
    "DtypeObservation",
    "FilterObservation",
    "FlattenObservation",
    "ReshapeObservation",
    "RescaleObservation",
    "TimeAwareObservation",
    "TransformObservation",
]
