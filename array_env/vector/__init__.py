"""Vector-environment wrappers: the twins of :mod:`array_env.wrappers`, same names.

They work on a leading batch axis with masks, never a Python loop over sub-environments, and
honour Gymnasium's three autoreset modes. Importing this package imports no torch, jax or cupy.
"""

from array_env.vector.action import ClipAction
from array_env.vector.action_repeat import RepeatAction, StickyAction
from array_env.vector.action_transform import DiscretizeAction, RescaleAction
from array_env.vector.atari import AtariPreprocessing
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
from array_env.vector.dict_info_to_list import DictInfoToList
from array_env.vector.image_observation import (
    AddRenderObservation,
    GrayscaleObservation,
    ObstructView,
    ResizeObservation,
)
from array_env.vector.lifecycle import TimeLimit
from array_env.vector.max_and_skip import MaxAndSkipObservation
from array_env.vector.noisy_observation import AddWhiteNoise
from array_env.vector.observation import FrameStackObservation, NormalizeObservation
from array_env.vector.rendering import HumanRendering, RecordVideo, RenderCollection
from array_env.vector.reward import NormalizeReward
from array_env.vector.reward_transform import ClipReward
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
from array_env.vector.vectorize_action import TransformAction, VectorizeTransformAction
from array_env.vector.vectorize_observation import VectorizeTransformObservation
from array_env.vector.vectorize_reward import TransformReward, VectorizeTransformReward

__all__ = [
    "AddRenderObservation",
    "AddWhiteNoise",
    "ArrayConversion",
    "AtariPreprocessing",
    "ClipAction",
    "ClipReward",
    "DelayObservation",
    "DictInfoToList",
    "DiscretizeAction",
    "DiscretizeObservation",
    "DtypeObservation",
    "FilterObservation",
    "FlattenObservation",
    "FrameStackObservation",
    "GrayscaleObservation",
    "HumanRendering",
    "JaxToNumpy",
    "JaxToTorch",
    "MaxAndSkipObservation",
    "NormalizeObservation",
    "NormalizeReward",
    "NumpyToJax",
    "NumpyToTorch",
    "ObstructView",
    "RecordEpisodeStatistics",
    "RecordVideo",
    "RenderCollection",
    "RepeatAction",
    "RescaleAction",
    "RescaleObservation",
    "ReshapeObservation",
    "ResizeObservation",
    "StickyAction",
    "TimeAwareObservation",
    "TimeLimit",
    "TorchToJax",
    "TorchToNumpy",
    "TransformAction",
    "TransformObservation",
    "TransformReward",
    "VectorizeTransformAction",
    "VectorizeTransformObservation",
    "VectorizeTransformReward",
]
