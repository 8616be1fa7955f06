"""The reference list's ``...V0`` names, as aliases of the canonical Gymnasium 1.x classes.

``from array_env.experimental import NormalizeObservationV0`` gives the very class
:class:`array_env.wrappers.NormalizeObservation`; nothing here has behaviour of its own.
"""

from array_env.wrappers.action import ClipAction as ClipActionV0
from array_env.wrappers.common import RecordEpisodeStatistics as RecordEpisodeStatisticsV0
from array_env.wrappers.image_observation import AddRenderObservation as PixelObservationV0
from array_env.wrappers.image_observation import GrayscaleObservation as GrayscaleObservationV0
from array_env.wrappers.image_observation import ResizeObservation as ResizeObservationV0
from array_env.wrappers.observation import FrameStackObservation as FrameStackObservationV0
from array_env.wrappers.observation import NormalizeObservation as NormalizeObservationV0
from array_env.wrappers.reward import NormalizeReward as NormalizeRewardV0

__all__ = [
    "ClipActionV0",
    "FrameStackObservationV0",
    "GrayscaleObservationV0",
    "NormalizeObservationV0",
    "NormalizeRewardV0",
    "PixelObservationV0",
    "RecordEpisodeStatisticsV0",
    "ResizeObservationV0",
]
