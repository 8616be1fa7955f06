"""Typed aliases for array_env on NumPy: every array is a ``numpy.ndarray``.

A few names and no runtime logic: :data:`Array`, and :data:`Env`, :data:`VectorEnv` and
:data:`Wrapper` bound to it, plus :func:`make` and :func:`make_vec`, which build the reference
environments on NumPy with those types.
Every wrapper of :mod:`array_env.wrappers` (same name) and :mod:`array_env.vector` (prefixed
``Vector``) has a thin subclass here fixed to NumPy arrays, so that
``array_env.numpy.NormalizeObservation(gym.make(...))`` is typed even over an untyped env.
Importing this module imports no backend beyond NumPy.

Examples:
    >>> from array_env.numpy import Env, make
    >>> env: Env = make("array_env/CartPole-v1")
    >>> obs, info = env.reset(seed=0)
    >>> type(obs).__name__
    'ndarray'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

import gymnasium as gym
import numpy.typing as npt
from gymnasium.vector import VectorEnv as _VectorEnv

# Imported for its side effect: it registers the reference ids with gymnasium.
import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env import vector as _vector
from array_env import wrappers as _wrappers
from array_env.core import Wrapper as _Wrapper
from array_env.typing import ArrayEnvId, DeviceLike, NestedEnvId

__all__ = ["Array", "Env", "VectorEnv", "Wrapper", "make", "make_vec"]
__all__ += [  # the typed wrappers
    "RenderCollection",
    "RecordVideo",
    "HumanRendering",
    "AtariPreprocessing",
    "VectorRenderCollection",
    "VectorRecordVideo",
    "VectorHumanRendering",
    "VectorAtariPreprocessing",
    "AddRenderObservation",
    "AddWhiteNoise",
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
    "MaxAndSkipObservation",
    "NormalizeObservation",
    "NormalizeReward",
    "ObstructView",
    "RecordEpisodeStatistics",
    "RepeatAction",
    "RescaleAction",
    "RescaleObservation",
    "ReshapeObservation",
    "ResizeObservation",
    "StickyAction",
    "TimeAwareObservation",
    "TransformAction",
    "TransformObservation",
    "TransformReward",
    "Autoreset",
    "OrderEnforcing",
    "PassiveEnvChecker",
    "TimeLimit",
    "VectorAddRenderObservation",
    "VectorAddWhiteNoise",
    "VectorClipAction",
    "VectorClipReward",
    "VectorDelayObservation",
    "VectorDiscretizeAction",
    "VectorDiscretizeObservation",
    "VectorDtypeObservation",
    "VectorFilterObservation",
    "VectorFlattenObservation",
    "VectorFrameStackObservation",
    "VectorGrayscaleObservation",
    "VectorMaxAndSkipObservation",
    "VectorNormalizeObservation",
    "VectorNormalizeReward",
    "VectorObstructView",
    "VectorRecordEpisodeStatistics",
    "VectorRepeatAction",
    "VectorRescaleAction",
    "VectorRescaleObservation",
    "VectorReshapeObservation",
    "VectorResizeObservation",
    "VectorStickyAction",
    "VectorTimeAwareObservation",
    "VectorTransformAction",
    "VectorTransformObservation",
    "VectorTransformReward",
    "VectorVectorizeTransformAction",
    "VectorVectorizeTransformObservation",
    "VectorVectorizeTransformReward",
    "VectorDictInfoToList",
    "VectorTimeLimit",
]

Array: TypeAlias = npt.NDArray[Any]
"""The NumPy array type."""
Env: TypeAlias = gym.Env[Array, Array]
"""An environment whose observations and actions are NumPy arrays."""
VectorEnv: TypeAlias = _VectorEnv[Array, Array, Array]
"""A vector environment whose observations, actions, rewards and flags are NumPy arrays."""
Wrapper: TypeAlias = _Wrapper[Array, Array, Array, Array]
"""The base of a wrapper from and to NumPy arrays (subclass it)."""


@overload
def make(env_id: ArrayEnvId, *, device: DeviceLike | None = None, **kwargs: Any) -> Env: ...
@overload
def make(
    env_id: NestedEnvId, *, device: DeviceLike | None = None, **kwargs: Any
) -> gym.Env[dict[str, Any], Array]: ...
def make(env_id: str, *, device: DeviceLike | None = None, **kwargs: Any) -> gym.Env[Any, Array]:
    """``gymnasium.make(env_id, xp="numpy", device=device, **kwargs)``, typed."""
    return gym.make(env_id, xp="numpy", device=device, **kwargs)


@overload
def make_vec(
    env_id: ArrayEnvId, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> VectorEnv: ...
@overload
def make_vec(
    env_id: NestedEnvId, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> _VectorEnv[dict[str, Any], Array, Array]: ...
def make_vec(
    env_id: str, num_envs: int = 1, *, device: DeviceLike | None = None, **kwargs: Any
) -> _VectorEnv[Any, Array, Array]:
    """The native (batched) vector environment of ``env_id`` on NumPy, typed."""
    return gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        xp="numpy",
        device=device,
        **kwargs,
    )


# ---------------------------------------------------------------- typed wrappers


class AddRenderObservation(_wrappers.AddRenderObservation[Any, Any, Array]):
    """:class:`array_env.wrappers.AddRenderObservation` on NumPy arrays.

    Typed for ``render_only=True`` only (otherwise the observations are dicts: use the
    generic class).
    """

    if TYPE_CHECKING:

        def __init__(
            self,
            env: gym.Env[Any, Any],
            render_only: Literal[True] = True,
            render_key: str = "pixels",
            obs_key: str = "state",
        ) -> None: ...


class AddWhiteNoise(_wrappers.AddWhiteNoise[Array, Any]):
    """:class:`array_env.wrappers.AddWhiteNoise` on NumPy arrays."""


class ClipAction(_wrappers.ClipAction[Array, Array]):
    """:class:`array_env.wrappers.ClipAction` on NumPy arrays."""


class ClipReward(_wrappers.ClipReward[Array, Any]):
    """:class:`array_env.wrappers.ClipReward` on NumPy arrays."""


class DelayObservation(_wrappers.DelayObservation[Any, Array]):
    """:class:`array_env.wrappers.DelayObservation` on NumPy arrays."""


class DiscretizeAction(_wrappers.DiscretizeAction[Array]):
    """:class:`array_env.wrappers.DiscretizeAction` on NumPy arrays."""


class DiscretizeObservation(_wrappers.DiscretizeObservation[Any, Array]):
    """:class:`array_env.wrappers.DiscretizeObservation` on NumPy arrays."""


class DtypeObservation(_wrappers.DtypeObservation[Any, Array]):
    """:class:`array_env.wrappers.DtypeObservation` on NumPy arrays."""


class FilterObservation(_wrappers.FilterObservation[Any]):
    """:class:`array_env.wrappers.FilterObservation` on NumPy arrays.

    Its observations are dicts or tuples, so they stay ``Any``.
    """


class FlattenObservation(_wrappers.FlattenObservation[Any, Array]):
    """:class:`array_env.wrappers.FlattenObservation` on NumPy arrays."""


class FrameStackObservation(_wrappers.FrameStackObservation[Array, Any]):
    """:class:`array_env.wrappers.FrameStackObservation` on NumPy arrays."""


class GrayscaleObservation(_wrappers.GrayscaleObservation[Array, Any]):
    """:class:`array_env.wrappers.GrayscaleObservation` on NumPy arrays."""


class MaxAndSkipObservation(_wrappers.MaxAndSkipObservation[Array, Any]):
    """:class:`array_env.wrappers.MaxAndSkipObservation` on NumPy arrays."""


class NormalizeObservation(_wrappers.NormalizeObservation[Array, Any]):
    """:class:`array_env.wrappers.NormalizeObservation` on NumPy arrays."""


class NormalizeReward(_wrappers.NormalizeReward[Array, Any]):
    """:class:`array_env.wrappers.NormalizeReward` on NumPy arrays."""


class ObstructView(_wrappers.ObstructView[Array, Any]):
    """:class:`array_env.wrappers.ObstructView` on NumPy arrays."""


class RecordEpisodeStatistics(_wrappers.RecordEpisodeStatistics[Array, Any]):
    """:class:`array_env.wrappers.RecordEpisodeStatistics` on NumPy arrays."""


class RepeatAction(_wrappers.RepeatAction[Array, Any]):
    """:class:`array_env.wrappers.RepeatAction` on NumPy arrays."""


class RescaleAction(_wrappers.RescaleAction[Array]):
    """:class:`array_env.wrappers.RescaleAction` on NumPy arrays."""


class RescaleObservation(_wrappers.RescaleObservation[Any, Array]):
    """:class:`array_env.wrappers.RescaleObservation` on NumPy arrays."""


class ReshapeObservation(_wrappers.ReshapeObservation[Any, Array]):
    """:class:`array_env.wrappers.ReshapeObservation` on NumPy arrays."""


class ResizeObservation(_wrappers.ResizeObservation[Array, Any]):
    """:class:`array_env.wrappers.ResizeObservation` on NumPy arrays."""


class StickyAction(_wrappers.StickyAction[Array, Any]):
    """:class:`array_env.wrappers.StickyAction` on NumPy arrays."""


class TimeAwareObservation(_wrappers.TimeAwareObservation[Any, Array]):
    """:class:`array_env.wrappers.TimeAwareObservation` on NumPy arrays.

    Typed for ``flatten=True`` only (with ``flatten=False`` the observations are dicts:
    use the generic class).
    """

    if TYPE_CHECKING:

        def __init__(
            self,
            env: gym.Env[Any, Any],
            flatten: Literal[True] = True,
            normalize_time: bool = False,
            *,
            dict_time_key: str = "time",
        ) -> None: ...


class TransformAction(_wrappers.TransformAction[Array, Any, Any]):
    """:class:`array_env.wrappers.TransformAction` on NumPy arrays."""


class TransformObservation(_wrappers.TransformObservation[Any, Any, Array]):
    """:class:`array_env.wrappers.TransformObservation` on NumPy arrays.

    ``func``'s output stays ``Any``.
    """


class TransformReward(_wrappers.TransformReward[Array, Any]):
    """:class:`array_env.wrappers.TransformReward` on NumPy arrays."""


class Autoreset(_wrappers.Autoreset[Array, Any]):
    """:class:`array_env.wrappers.Autoreset` on NumPy arrays."""


class OrderEnforcing(_wrappers.OrderEnforcing[Array, Any]):
    """:class:`array_env.wrappers.OrderEnforcing` on NumPy arrays."""


class PassiveEnvChecker(_wrappers.PassiveEnvChecker[Array, Any]):
    """:class:`array_env.wrappers.PassiveEnvChecker` on NumPy arrays."""


class TimeLimit(_wrappers.TimeLimit[Array, Any]):
    """:class:`array_env.wrappers.TimeLimit` on NumPy arrays."""


class VectorAddRenderObservation(_vector.AddRenderObservation[Any, Array, Array]):
    """:class:`array_env.vector.AddRenderObservation` on NumPy arrays.

    Typed for ``render_only=True`` only (otherwise the observations are dicts: use the
    generic class).
    """

    if TYPE_CHECKING:

        def __init__(
            self,
            env: _VectorEnv[Array, Any, Array],
            render_only: Literal[True] = True,
            render_key: str = "pixels",
            obs_key: str = "state",
        ) -> None: ...


class VectorAddWhiteNoise(_vector.AddWhiteNoise[Array, Any]):
    """:class:`array_env.vector.AddWhiteNoise` on NumPy arrays."""


class VectorClipAction(_vector.ClipAction[Array, Array, Array]):
    """:class:`array_env.vector.ClipAction` on NumPy arrays."""


class VectorClipReward(_vector.ClipReward[Array, Any, Array]):
    """:class:`array_env.vector.ClipReward` on NumPy arrays."""


class VectorDelayObservation(_vector.DelayObservation[Any, Array]):
    """:class:`array_env.vector.DelayObservation` on NumPy arrays."""


class VectorDiscretizeAction(_vector.DiscretizeAction[Array, Array]):
    """:class:`array_env.vector.DiscretizeAction` on NumPy arrays."""


class VectorDiscretizeObservation(_vector.DiscretizeObservation[Any, Array]):
    """:class:`array_env.vector.DiscretizeObservation` on NumPy arrays."""


class VectorDtypeObservation(_vector.DtypeObservation[Any, Array]):
    """:class:`array_env.vector.DtypeObservation` on NumPy arrays."""


class VectorFilterObservation(_vector.FilterObservation[Any]):
    """:class:`array_env.vector.FilterObservation` on NumPy arrays.

    Its observations are dicts or tuples, so they stay ``Any``.
    """


class VectorFlattenObservation(_vector.FlattenObservation[Any, Array]):
    """:class:`array_env.vector.FlattenObservation` on NumPy arrays."""


class VectorFrameStackObservation(_vector.FrameStackObservation[Array, Any]):
    """:class:`array_env.vector.FrameStackObservation` on NumPy arrays."""


class VectorGrayscaleObservation(_vector.GrayscaleObservation[Array, Any]):
    """:class:`array_env.vector.GrayscaleObservation` on NumPy arrays."""


class VectorMaxAndSkipObservation(_vector.MaxAndSkipObservation[Array, Any]):
    """:class:`array_env.vector.MaxAndSkipObservation` on NumPy arrays."""


class VectorNormalizeObservation(_vector.NormalizeObservation[Array, Any]):
    """:class:`array_env.vector.NormalizeObservation` on NumPy arrays."""


class VectorNormalizeReward(_vector.NormalizeReward[Array, Any, Array]):
    """:class:`array_env.vector.NormalizeReward` on NumPy arrays."""


class VectorObstructView(_vector.ObstructView[Array, Any]):
    """:class:`array_env.vector.ObstructView` on NumPy arrays."""


class VectorRecordEpisodeStatistics(_vector.RecordEpisodeStatistics[Array, Any, Array]):
    """:class:`array_env.vector.RecordEpisodeStatistics` on NumPy arrays."""


class VectorRepeatAction(_vector.RepeatAction[Array, Array]):
    """:class:`array_env.vector.RepeatAction` on NumPy arrays."""


class VectorRescaleAction(_vector.RescaleAction[Array, Array]):
    """:class:`array_env.vector.RescaleAction` on NumPy arrays."""


class VectorRescaleObservation(_vector.RescaleObservation[Any, Array]):
    """:class:`array_env.vector.RescaleObservation` on NumPy arrays."""


class VectorReshapeObservation(_vector.ReshapeObservation[Any, Array]):
    """:class:`array_env.vector.ReshapeObservation` on NumPy arrays."""


class VectorResizeObservation(_vector.ResizeObservation[Array, Any]):
    """:class:`array_env.vector.ResizeObservation` on NumPy arrays."""


class VectorStickyAction(_vector.StickyAction[Array, Array]):
    """:class:`array_env.vector.StickyAction` on NumPy arrays."""


class VectorTimeAwareObservation(_vector.TimeAwareObservation[Any, Array]):
    """:class:`array_env.vector.TimeAwareObservation` on NumPy arrays.

    Typed for ``flatten=True`` only (with ``flatten=False`` the observations are dicts:
    use the generic class).
    """

    if TYPE_CHECKING:

        def __init__(
            self,
            env: _VectorEnv[Any, Any, Any],
            flatten: Literal[True] = True,
            normalize_time: bool = False,
            *,
            dict_time_key: str = "time",
        ) -> None: ...


class VectorTransformAction(_vector.TransformAction[Array, Array]):
    """:class:`array_env.vector.TransformAction` on NumPy arrays."""


class VectorTransformObservation(_vector.TransformObservation[Any]):
    """:class:`array_env.vector.TransformObservation` on NumPy arrays.

    ``func``'s output stays ``Any``.
    """


class VectorTransformReward(_vector.TransformReward[Array, Any, Array]):
    """:class:`array_env.vector.TransformReward` on NumPy arrays."""


class VectorVectorizeTransformAction(_vector.VectorizeTransformAction[Array, Array]):
    """:class:`array_env.vector.VectorizeTransformAction` on NumPy arrays."""


class VectorVectorizeTransformObservation(_vector.VectorizeTransformObservation[Any]):
    """:class:`array_env.vector.VectorizeTransformObservation` on NumPy arrays.

    ``func``'s output stays ``Any``.
    """


class VectorVectorizeTransformReward(_vector.VectorizeTransformReward[Array, Any, Array]):
    """:class:`array_env.vector.VectorizeTransformReward` on NumPy arrays."""


class VectorDictInfoToList(_vector.DictInfoToList[Array, Any, Array]):
    """:class:`array_env.vector.DictInfoToList` on NumPy arrays."""


class VectorTimeLimit(_vector.TimeLimit[Array, Any, Array]):
    """:class:`array_env.vector.TimeLimit` on NumPy arrays."""


class RenderCollection(_wrappers.RenderCollection[Array, Any]):
    """:class:`array_env.wrappers.RenderCollection` on NumPy arrays."""


class RecordVideo(_wrappers.RecordVideo[Array, Any]):
    """:class:`array_env.wrappers.RecordVideo` on NumPy arrays."""


class HumanRendering(_wrappers.HumanRendering[Array, Any]):
    """:class:`array_env.wrappers.HumanRendering` on NumPy arrays."""


class AtariPreprocessing(_wrappers.AtariPreprocessing[Any]):
    """:class:`array_env.wrappers.AtariPreprocessing` on NumPy arrays.

    Its observation stays ``Any``: the frame layout depends on ``grayscale_obs``.
    """


class VectorRenderCollection(_vector.RenderCollection[Array, Any, Array]):
    """:class:`array_env.vector.RenderCollection` on NumPy arrays."""


class VectorRecordVideo(_vector.RecordVideo[Array, Any, Array]):
    """:class:`array_env.vector.RecordVideo` on NumPy arrays."""


class VectorHumanRendering(_vector.HumanRendering[Array, Any, Array]):
    """:class:`array_env.vector.HumanRendering` on NumPy arrays."""


class VectorAtariPreprocessing(_vector.AtariPreprocessing[Any]):
    """:class:`array_env.vector.AtariPreprocessing` on NumPy arrays.

    Its observation stays ``Any``: the frame layout depends on ``grayscale_obs``.
    """
