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
from array_env.vector.observation import FrameStackObservation, NormalizeObservation
from array_env.vector.reward import NormalizeReward
from array_env.vector.stateless_observation import (
    DiscretizeObservation,
    DtypeObservation,
    FilterObservation,
    FlattenObservation,
    RescaleObservation,
    ReshapeObservation,
    TransformObservation,
)
from array_env.vector.temporal_observation import DelayObservation, TimeAwareObservation
from array_env.vector.vectorize_observation import VectorizeTransformObservation

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
    "VectorizeTransformObservation",
]
