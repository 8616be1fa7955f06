"""The reference list's ``...V0`` names, as aliases of the canonical Gymnasium 1.x classes.

``from array_env.experimental import NormalizeObservationV0`` gives the very class
:class:`array_env.wrappers.NormalizeObservation`; nothing here has behaviour of its own.
"""

from array_env.wrappers.action import ClipAction as ClipActionV0
from array_env.wrappers.common import RecordEpisodeStatistics as RecordEpisodeStatisticsV0
from array_env.wrappers.observation import FrameStackObservation as FrameStackObservationV0
from array_env.wrappers.observation import NormalizeObservation as NormalizeObservationV0
from array_env.wrappers.reward import NormalizeReward as NormalizeRewardV0
from array_env.wrappers.stateless_observation import DtypeObservation as DtypeObservationV0
from array_env.wrappers.stateless_observation import FilterObservation as FilterObservationV0
from array_env.wrappers.stateless_observation import FlattenObservation as FlattenObservationV0
from array_env.wrappers.stateless_observation import RescaleObservation as RescaleObservationV0
from array_env.wrappers.stateless_observation import ReshapeObservation as ReshapeObservationV0
from array_env.wrappers.stateless_observation import TransformObservation as LambdaObservationV0
from array_env.wrappers.temporal_observation import DelayObservation as DelayObservationV0
from array_env.wrappers.temporal_observation import TimeAwareObservation as TimeAwareObservationV0

__all__ = [
    "ClipActionV0",
    "FrameStackObservationV0",
    "NormalizeObservationV0",
    "NormalizeRewardV0",
    "RecordEpisodeStatisticsV0",
    "DelayObservationV0",
    "DtypeObservationV0",
    "FilterObservationV0",
    "FlattenObservationV0",
    "LambdaObservationV0",
    "ReshapeObservationV0",
    "RescaleObservationV0",
    "TimeAwareObservationV0",
]
