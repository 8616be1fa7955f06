"""Single-environment wrappers, with Gymnasium 1.x's names and constructor signatures.

Each family lives in its own module (conversion, observation, action, reward, common); the vector
twin of every wrapper has the same name in :mod:`array_env.vector`. Importing this package
imports no torch, jax or cupy.
"""

from array_env.wrappers.action import ClipAction
from array_env.wrappers.action_repeat import RepeatAction, StickyAction
from array_env.wrappers.action_transform import DiscretizeAction, RescaleAction, TransformAction
from array_env.wrappers.atari import AtariPreprocessing
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
from array_env.wrappers.lifecycle import Autoreset, OrderEnforcing, PassiveEnvChecker, TimeLimit
from array_env.wrappers.max_and_skip import MaxAndSkipObservation
from array_env.wrappers.noisy_observation import AddWhiteNoise
from array_env.wrappers.observation import FrameStackObservation, NormalizeObservation
from array_env.wrappers.rendering import HumanRendering, RecordVideo, RenderCollection
from array_env.wrappers.reward import NormalizeReward
from array_env.wrappers.reward_transform import ClipReward, TransformReward
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
    "AddRenderObservation",
    "AddWhiteNoise",
    "ArrayConversion",
    "AtariPreprocessing",
    "Autoreset",
    "ClipAction",
    "ClipReward",
    "DelayObservation",
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
    "OrderEnforcing",
    "PassiveEnvChecker",
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
]
