"""The reference list's ``...V0`` names, as aliases of the canonical Gymnasium 1.x classes.

``from array_env.experimental import NormalizeObservationV0`` gives the very class
:class:`array_env.wrappers.NormalizeObservation`; nothing here has behaviour of its own.
"""

from array_env.wrappers.action import ClipAction as ClipActionV0
from array_env.wrappers.action_repeat import StickyAction as StickyActionV0
from array_env.wrappers.action_transform import RescaleAction as RescaleActionV0
from array_env.wrappers.action_transform import TransformAction as LambdaActionV0
from array_env.wrappers.atari import AtariPreprocessing as AtariPreprocessingV0
from array_env.wrappers.common import RecordEpisodeStatistics as RecordEpisodeStatisticsV0
from array_env.wrappers.image_observation import AddRenderObservation as PixelObservationV0
from array_env.wrappers.image_observation import GrayscaleObservation as GrayscaleObservationV0
from array_env.wrappers.image_observation import ResizeObservation as ResizeObservationV0
from array_env.wrappers.lifecycle import Autoreset as AutoresetV0
from array_env.wrappers.lifecycle import OrderEnforcing as OrderEnforcingV0
from array_env.wrappers.lifecycle import PassiveEnvChecker as PassiveEnvCheckerV0
from array_env.wrappers.observation import FrameStackObservation as FrameStackObservationV0
from array_env.wrappers.observation import NormalizeObservation as NormalizeObservationV0
from array_env.wrappers.rendering import HumanRendering as HumanRenderingV0
from array_env.wrappers.rendering import RecordVideo as RecordVideoV0
from array_env.wrappers.rendering import RenderCollection as RenderCollectionV0
from array_env.wrappers.reward import NormalizeReward as NormalizeRewardV0
from array_env.wrappers.reward_transform import ClipReward as ClipRewardV0
from array_env.wrappers.reward_transform import TransformReward as LambdaRewardV0
from array_env.wrappers.stateless_observation import DtypeObservation as DtypeObservationV0
from array_env.wrappers.stateless_observation import FilterObservation as FilterObservationV0
from array_env.wrappers.stateless_observation import FlattenObservation as FlattenObservationV0
from array_env.wrappers.stateless_observation import RescaleObservation as RescaleObservationV0
from array_env.wrappers.stateless_observation import ReshapeObservation as ReshapeObservationV0
from array_env.wrappers.stateless_observation import TransformObservation as LambdaObservationV0
from array_env.wrappers.temporal_observation import DelayObservation as DelayObservationV0
from array_env.wrappers.temporal_observation import TimeAwareObservation as TimeAwareObservationV0

__all__ = [
    "AtariPreprocessingV0",
    "AutoresetV0",
    "ClipActionV0",
    "ClipRewardV0",
    "DelayObservationV0",
    "DtypeObservationV0",
    "FilterObservationV0",
    "FlattenObservationV0",
    "FrameStackObservationV0",
    "GrayscaleObservationV0",
    "HumanRenderingV0",
    "LambdaActionV0",
    "LambdaObservationV0",
    "LambdaRewardV0",
    "NormalizeObservationV0",
    "NormalizeRewardV0",
    "OrderEnforcingV0",
    "PassiveEnvCheckerV0",
    "PixelObservationV0",
    "RecordEpisodeStatisticsV0",
    "RecordVideoV0",
    "RenderCollectionV0",
    "RescaleActionV0",
    "RescaleObservationV0",
    "ReshapeObservationV0",
    "ResizeObservationV0",
    "StickyActionV0",
    "TimeAwareObservationV0",
]
