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
]
from array_env.vector.dict_info_to_list import DictInfoToList
from array_env.vector.lifecycle import TimeLimit

__all__ += ["DictInfoToList", "TimeLimit"]
