"""The reference list's ``...V0`` names, as aliases of the canonical Gymnasium 1.x classes.

``from array_env.experimental import NormalizeObservationV0`` gives the very class
:class:`array_env.wrappers.NormalizeObservation`; nothing here has behaviour of its own.
"""

from array_env.wrappers.action import ClipAction as ClipActionV0
from array_env.wrappers.action_repeat import StickyAction as StickyActionV0
from array_env.wrappers.action_transform import RescaleAction as RescaleActionV0
from array_env.wrappers.action_transform import TransformAction as LambdaActionV0
from array_env.wrappers.common import RecordEpisodeStatistics as RecordEpisodeStatisticsV0
from array_env.wrappers.observation import FrameStackObservation as FrameStackObservationV0
from array_env.wrappers.observation import NormalizeObservation as NormalizeObservationV0
from array_env.wrappers.reward import NormalizeReward as NormalizeRewardV0
from array_env.wrappers.reward_transform import ClipReward as ClipRewardV0
from array_env.wrappers.reward_transform import TransformReward as LambdaRewardV0

__all__ = [
    "ClipActionV0",
    "FrameStackObservationV0",
    "NormalizeObservationV0",
    "NormalizeRewardV0",
    "RecordEpisodeStatisticsV0",
    "StickyActionV0",
    "RescaleActionV0",
    "LambdaActionV0",
    "ClipRewardV0",
    "LambdaRewardV0",
]
