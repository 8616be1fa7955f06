"""array_env.numpy: every wrapper's typed specialisation, over gym.make's untyped env."""

from typing import Any, assert_type

import gymnasium as gym
import numpy as np
import numpy.typing as npt

from array_env import wrappers as _wrappers
from array_env.numpy import (
    RenderCollection,
    RecordVideo,
    HumanRendering,
    AtariPreprocessing,
    VectorRenderCollection,
    VectorRecordVideo,
    VectorHumanRendering,
    VectorAtariPreprocessing,
    AddRenderObservation,
    AddWhiteNoise,
    Array,
    Autoreset,
    ClipAction,
    ClipReward,
    DelayObservation,
    DiscretizeAction,
    DiscretizeObservation,
    DtypeObservation,
    FilterObservation,
    FlattenObservation,
    FrameStackObservation,
    GrayscaleObservation,
    MaxAndSkipObservation,
    NormalizeObservation,
    NormalizeReward,
    ObstructView,
    OrderEnforcing,
    PassiveEnvChecker,
    RecordEpisodeStatistics,
    RepeatAction,
    RescaleAction,
    RescaleObservation,
    ReshapeObservation,
    ResizeObservation,
    StickyAction,
    TimeAwareObservation,
    TimeLimit,
    TransformAction,
    TransformObservation,
    TransformReward,
    VectorAddRenderObservation,
    VectorAddWhiteNoise,
    VectorClipAction,
    VectorClipReward,
    VectorDelayObservation,
    VectorDictInfoToList,
    VectorDiscretizeAction,
    VectorDiscretizeObservation,
    VectorDtypeObservation,
    VectorFilterObservation,
    VectorFlattenObservation,
    VectorFrameStackObservation,
    VectorGrayscaleObservation,
    VectorMaxAndSkipObservation,
    VectorNormalizeObservation,
    VectorNormalizeReward,
    VectorObstructView,
    VectorRecordEpisodeStatistics,
    VectorRepeatAction,
    VectorRescaleAction,
    VectorRescaleObservation,
    VectorReshapeObservation,
    VectorResizeObservation,
    VectorStickyAction,
    VectorTimeAwareObservation,
    VectorTimeLimit,
    VectorTransformAction,
    VectorTransformObservation,
    VectorTransformReward,
    VectorVectorizeTransformAction,
    VectorVectorizeTransformObservation,
    VectorVectorizeTransformReward,
)


def f(x: Any) -> Any:
    return x


def single() -> None:
    e = gym.make("CartPole-v1")  # Env[Any, Any]: every type below comes from the class
    assert_type(Array, type[npt.NDArray[Any]])
    assert_type(AddRenderObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(AddWhiteNoise(e, 0.1).reset()[0], npt.NDArray[Any])
    assert_type(ClipAction(e).reset()[0], npt.NDArray[Any])
    assert_type(ClipReward(e).reset()[0], npt.NDArray[Any])
    assert_type(DelayObservation(e, 2).reset()[0], npt.NDArray[Any])
    assert_type(DiscretizeAction(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(DiscretizeObservation(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(DtypeObservation(e, np.float32).reset()[0], npt.NDArray[Any])
    assert_type(FilterObservation(e, ["a"]).reset()[0], Any)
    assert_type(FlattenObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(FrameStackObservation(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(GrayscaleObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(MaxAndSkipObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(NormalizeObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(NormalizeReward(e).reset()[0], npt.NDArray[Any])
    assert_type(ObstructView(e, 0.1, 4).reset()[0], npt.NDArray[Any])
    assert_type(RecordEpisodeStatistics(e).reset()[0], npt.NDArray[Any])
    assert_type(RepeatAction(e, 2).reset()[0], npt.NDArray[Any])
    assert_type(RescaleAction(e, -1.0, 1.0).reset()[0], npt.NDArray[Any])
    assert_type(RescaleObservation(e, -1.0, 1.0).reset()[0], npt.NDArray[Any])
    assert_type(ReshapeObservation(e, (2, 2)).reset()[0], npt.NDArray[Any])
    assert_type(ResizeObservation(e, (8, 8)).reset()[0], npt.NDArray[Any])
    assert_type(StickyAction(e, 0.25).reset()[0], npt.NDArray[Any])
    assert_type(TimeAwareObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(TransformAction(e, f, None).reset()[0], npt.NDArray[Any])
    assert_type(TransformObservation(e, f, None).reset()[0], Any)
    assert_type(TransformReward(e, f).reset()[0], npt.NDArray[Any])
    assert_type(Autoreset(e).reset()[0], npt.NDArray[Any])
    assert_type(OrderEnforcing(e).reset()[0], npt.NDArray[Any])
    assert_type(PassiveEnvChecker(e).reset()[0], npt.NDArray[Any])
    assert_type(TimeLimit(e, 10).reset()[0], npt.NDArray[Any])


def vector() -> None:
    e = gym.make_vec("CartPole-v1", 2)  # VectorEnv[Any, Any, Any]
    assert_type(VectorAddRenderObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorAddWhiteNoise(e, 0.1).reset()[0], npt.NDArray[Any])
    assert_type(VectorClipAction(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorClipReward(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorDelayObservation(e, 2).reset()[0], npt.NDArray[Any])
    assert_type(VectorDiscretizeAction(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(VectorDiscretizeObservation(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(VectorDtypeObservation(e, np.float32).reset()[0], npt.NDArray[Any])
    assert_type(VectorFilterObservation(e, ["a"]).reset()[0], Any)
    assert_type(VectorFlattenObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorFrameStackObservation(e, 4).reset()[0], npt.NDArray[Any])
    assert_type(VectorGrayscaleObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorMaxAndSkipObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorNormalizeObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorNormalizeReward(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorObstructView(e, 0.1, 4).reset()[0], npt.NDArray[Any])
    assert_type(VectorRecordEpisodeStatistics(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorRepeatAction(e, 2).reset()[0], npt.NDArray[Any])
    assert_type(VectorRescaleAction(e, -1.0, 1.0).reset()[0], npt.NDArray[Any])
    assert_type(VectorRescaleObservation(e, -1.0, 1.0).reset()[0], npt.NDArray[Any])
    assert_type(VectorReshapeObservation(e, (2, 2)).reset()[0], npt.NDArray[Any])
    assert_type(VectorResizeObservation(e, (8, 8)).reset()[0], npt.NDArray[Any])
    assert_type(VectorStickyAction(e, 0.25).reset()[0], npt.NDArray[Any])
    assert_type(VectorTimeAwareObservation(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorTransformAction(e, f).reset()[0], npt.NDArray[Any])
    assert_type(VectorTransformObservation(e, f).reset()[0], Any)
    assert_type(VectorTransformReward(e, f).reset()[0], npt.NDArray[Any])
    assert_type(
        VectorVectorizeTransformAction(e, _wrappers.ClipAction).reset()[0], npt.NDArray[Any]
    )
    assert_type(
        VectorVectorizeTransformObservation(e, _wrappers.FlattenObservation).reset()[0], Any
    )
    assert_type(
        VectorVectorizeTransformReward(e, _wrappers.ClipReward).reset()[0], npt.NDArray[Any]
    )
    assert_type(VectorDictInfoToList(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorTimeLimit(e, 10).reset()[0], npt.NDArray[Any])


def rendering(e: Any, folder: str) -> None:
    assert_type(RenderCollection(e).reset()[0], npt.NDArray[Any])
    assert_type(RecordVideo(e, folder).reset()[0], npt.NDArray[Any])
    assert_type(HumanRendering(e).reset()[0], npt.NDArray[Any])
    assert_type(AtariPreprocessing(e).reset()[0], Any)
    assert_type(VectorRenderCollection(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorRecordVideo(e, folder).reset()[0], npt.NDArray[Any])
    assert_type(VectorHumanRendering(e).reset()[0], npt.NDArray[Any])
    assert_type(VectorAtariPreprocessing(e).reset()[0], Any)
