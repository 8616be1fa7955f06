"""Vector twins of the stateless observation wrappers: the same kernels over a batch axis.

Each class calls the single wrapper's kernel (:mod:`array_env.wrappers.stateless_observation`)
once per step on the whole ``(num_envs, ...)`` batch. In same-step autoreset the finished
episodes' last observations, ``info["final_obs"]``, are transformed too (as Gymnasium's vector
wrappers do): a stacked array in one call, Gymnasium's object array row by finished row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.logger import warn
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate
from typing_extensions import TypeVar

from array_env._namespace import namespace_of
from array_env._ops.flatten import gym_flatten, leaf_at, single_space
from array_env._tree import tree_leaves, tree_map_with_path
from array_env.vector._autoreset import autoreset_mode
from array_env.wrappers._kernel_shell import KernelShell
from array_env.wrappers.stateless_observation import (
    CastKernel,
    DiscretizeKernel,
    DiscretizeSettings,
    RescaleKernel,
    ReshapeKernel,
    dtype_space,
    filter_kernel_space,
    flatten_kernel,
    rescale_settings,
    reshape_settings,
    select_keys,
)

__all__ = [
    "DiscretizeObservation",
    "DtypeObservation",
    "FilterObservation",
    "FlattenObservation",
    "ReshapeObservation",
    "RescaleObservation",
    "TransformObservation",
]

Act = TypeVar("Act")
ObsOut = TypeVar("ObsOut", default=Any)  # the output type: Any unless a backend alias pins it


def transform_final_obs(
    infos: dict[str, Any], one: Callable[[Any, str], Any], batch: Callable[[Any], Any]
) -> dict[str, Any]:
    """Return ``infos`` with ``final_obs`` transformed, without mutating the env's dict.

    Args:
        infos: The step's infos (same-step autoreset).
        one: Transforms one sub-env's observation (rows of Gymnasium's object array).
        batch: Transforms a stacked batch (an env that stacks ``final_obs``).
    """
    if "final_obs" not in infos:
        return infos
    final: Any = infos["final_obs"]
    if compat.is_numpy_array(final) and final.dtype == object:
        out = final.copy()
        for row in np.flatnonzero(np.asarray(infos["_final_obs"])).tolist():
            out[row] = one(final[row], f'info["final_obs"][{row}]')
        return {**infos, "final_obs": out}
    return {**infos, "final_obs": batch(final)}


def final_through_batch(
    func: Callable[[Any], Any], infos: dict[str, Any], observations: Any
) -> Any:
    """``info["final_obs"]`` transformed by a *batch* function.

    A stacked ``final_obs`` goes through ``func`` as it is; Gymnasium's object array is
    stacked first (the current observations fill the rows without a final one), transformed
    once, and its finished rows are handed back in an object array.
    """
    final: Any = infos["final_obs"]
    if not (compat.is_numpy_array(final) and final.dtype == object):
        return func(final)
    rows = set(np.flatnonzero(np.asarray(infos["_final_obs"])).tolist())
    leaves = tree_leaves(observations)
    xp = namespace_of(leaves[0])
    count = int(leaves[0].shape[0])

    def stack(path: tuple[Any, ...], current: Any) -> Any:
        return xp.stack(
            [leaf_at(final[i], path) if i in rows else current[i, ...] for i in range(count)]
        )

    out_batch = func(tree_map_with_path(stack, observations))
    out = np.full(len(final), None, dtype=object)
    for row in rows:
        out[row] = tree_map_with_path(functools.partial(_row, row=row), out_batch)
    return out


class _VectorArrayObservation(
    KernelShell,
    VectorWrapper[ObsOut, Act, Any, Act, Any],
    gym.utils.RecordConstructorArgs,
    Generic[Act, ObsOut],
):
    """reset/step/observations over a kernel with a leading batch axis."""

    def _spaces(self, single: gym.Space[Any]) -> None:
        self._batch = (self.num_envs,)
        self._mode = autoreset_mode(self.env)
        self.single_observation_space = single
        self.observation_space = batch_space(single, self.num_envs)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ObsOut, dict[str, Any]]:
        """Reset the sub-envs and transform their observations."""
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        return self.observations(observations), infos

    def step(self, actions: Act) -> tuple[ObsOut, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs; transform their observations (and same-step final ones)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        if self._mode is AutoresetMode.SAME_STEP:
            infos = transform_final_obs(infos, self._observation_one, self.observations)
        return self.observations(observations), rewards, terminated, truncated, infos

    def observations(self, observations: Any) -> Any:
        """Transform a batch of observations (Gymnasium's ``VectorObservationWrapper``)."""
        return self._transform(observations)

    def _observation_one(self, observation: Any, name: str) -> Any:
        return self._transform_one(observation, name)


class TransformObservation(VectorWrapper[Any, Act, Any, Act, Any], gym.utils.RecordConstructorArgs):
    """Apply ``func`` to every batch of observations.

    ``func`` is the caller's and sees the whole ``(num_envs, ...)`` batch. The single-env twin
    is :class:`array_env.wrappers.TransformObservation`; to apply a single-observation function
    per sub-env use :class:`array_env.vector.VectorizeTransformObservation`.

    Args:
        env: The vector environment.
        func: The batch transformation.
        observation_space: The batched space; ``None`` derives it from
            ``single_observation_space`` or keeps the env's.
        single_observation_space: One sub-env's space; ``None`` keeps the env's.

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = TransformObservation(envs, lambda obs: obs[:, :2])
        >>> envs.reset(seed=0)[0].shape
        (2, 2)
    """

    def __init__(
        self,
        env: VectorEnv[Any, Act, Any],
        func: Callable[[Any], Any],
        observation_space: Any | None = None,
        single_observation_space: Any | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, func=func, observation_space=observation_space,
            single_observation_space=single_observation_space,
        )  # fmt: skip
        VectorWrapper.__init__(self, env)
        if observation_space is None:
            if single_observation_space is not None:
                self.single_observation_space = single_observation_space
                self.observation_space = batch_space(single_observation_space, self.num_envs)
        else:
            self.observation_space = observation_space
            if single_observation_space is not None:
                self.single_observation_space = single_observation_space
        batched = batch_space(self.single_observation_space, self.num_envs)  # pyright: ignore[reportUnknownMemberType]
        if self.observation_space != batched:  # pyright: ignore[reportUnknownMemberType]
            warn(
                f"For {env}, the observation space and the batched single observation space "
                f"don't match as expected, observation_space={self.observation_space}, "  # pyright: ignore[reportUnknownMemberType]
                f"batched single_observation_space={batched}"
            )
        self.func = func
        self._mode = autoreset_mode(env)
        self._same_step = self._mode is AutoresetMode.SAME_STEP  # an enum lookup per step costs

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the sub-envs and transform the batch."""
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        return self.func(observations), infos

    def step(self, actions: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and transform the batch (and same-step final observations)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        if self._same_step and "final_obs" in infos:
            infos = {**infos, "final_obs": final_through_batch(self.func, infos, observations)}
        return self.func(observations), rewards, terminated, truncated, infos

    def observations(self, observations: Any) -> Any:
        """Apply :attr:`func`."""
        return self.func(observations)


class FilterObservation(VectorWrapper[Any, Act, Any, Act, Any], gym.utils.RecordConstructorArgs):
    """Keep only the given keys (``Dict``) or indices (``Tuple``) of batched observations.

    The twin of :class:`array_env.wrappers.FilterObservation`: the batched entries pass
    through untouched.

    Args:
        env: The vector environment; its single observation space must be a Dict or a Tuple.
        filter_keys: Strings for a ``Dict`` space, integers for a ``Tuple`` space.

    Raises:
        TypeError: If ``filter_keys`` is not a sequence or holds keys of the wrong type.
        ValueError: If a key is missing, repeated, or the space is neither Dict nor Tuple.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec("array_env/NestedCatch-v0", 3, vectorization_mode="sync")
        >>> envs = FilterObservation(envs, ["position"])
        >>> envs.reset(seed=0)[0]["position"].shape
        (3, 3)
    """

    def __init__(self, env: VectorEnv[Any, Act, Any], filter_keys: Sequence[str | int]) -> None:
        single = filter_kernel_space(
            type(self).__name__,
            env.single_observation_space,  # pyright: ignore[reportUnknownMemberType]
            filter_keys,
        )
        gym.utils.RecordConstructorArgs.__init__(self, filter_keys=filter_keys)
        VectorWrapper.__init__(self, env)
        self.filter_keys: Sequence[str | int] = filter_keys
        self.single_observation_space = single
        self.observation_space = batch_space(single, self.num_envs)
        self._as_tuple = isinstance(single, spaces.Tuple)
        # Gymnasium's vector wrapper batches into the filtered space, so a Dict comes back in
        # the space's (sorted) key order, where its single wrapper keeps filter_keys order.
        filtered: Any = single
        self._keys: tuple[Any, ...] = (
            tuple(filter_keys) if self._as_tuple else tuple(filtered.spaces)
        )
        self._mode = autoreset_mode(env)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the sub-envs and filter their observations."""
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        return self.observations(observations), infos

    def step(self, actions: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and filter their observations (and same-step final ones)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        if self._mode is AutoresetMode.SAME_STEP:
            infos = transform_final_obs(
                infos, lambda obs, _: self.observations(obs), self.observations
            )
        return self.observations(observations), rewards, terminated, truncated, infos

    def observations(self, observations: Any) -> Any:
        """Select the filter keys."""
        return select_keys(observations, self._keys, as_tuple=self._as_tuple)


class FlattenObservation(_VectorArrayObservation[Act, ObsOut]):
    """Flatten every sub-env's observation: ``(num_envs, ...)`` becomes ``(num_envs, n)``.

    The twin of :class:`array_env.wrappers.FlattenObservation` (same rules per space), one
    batched call per step.

    Args:
        env: The vector environment.

    Examples:
        >>> import gymnasium as gym
        >>> import array_env.envs
        >>> envs = gym.make_vec("array_env/NestedCatch-v0", 3, vectorization_mode="sync")
        >>> envs = FlattenObservation(envs)
        >>> envs.reset(seed=0)[0].shape
        (3, 449)
    """

    def __init__(self, env: VectorEnv[Any, Act, Any]) -> None:
        source = single_space(env)
        single, kernel = flatten_kernel(source)
        gym.utils.RecordConstructorArgs.__init__(self)
        VectorWrapper.__init__(self, env)
        self._spaces(single)
        self._source_space = source
        if kernel is not None:
            self._kernel = kernel

    def observations(self, observations: Any) -> Any:
        """Flatten a batch of observations."""
        if "_kernel" in self.__dict__:
            return self._transform(observations)
        batched = batch_space(self._source_space, self.num_envs)
        flat = tuple(gym_flatten(self._source_space, obs) for obs in iterate(batched, observations))
        out: Any = create_empty_array(self.single_observation_space, self.num_envs)  # pyright: ignore[reportUnknownMemberType]
        return concatenate(self.single_observation_space, flat, out)  # pyright: ignore[reportUnknownMemberType]

    def _observation_one(self, observation: Any, name: str) -> Any:
        if "_kernel" in self.__dict__:
            return self._transform_one(observation, name)
        return gym_flatten(self._source_space, observation)


class ReshapeObservation(_VectorArrayObservation[Act, ObsOut]):
    """Reshape every sub-env's ``Box`` observation to ``shape``.

    The twin of :class:`array_env.wrappers.ReshapeObservation`.

    Args:
        env: The vector environment; its single observation space must be a Box.
        shape: The new shape of one observation.

    Raises:
        TypeError: If the space is not a Box or ``shape`` is not a tuple of integers.
        ValueError: If the sizes differ or an element is neither positive nor ``-1``.

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync")
        >>> ReshapeObservation(envs, (2, 2)).reset(seed=0)[0].shape
        (3, 2, 2)
    """

    def __init__(self, env: VectorEnv[Any, Act, Any], shape: int | tuple[int, ...]) -> None:
        source = single_space(env)
        single = reshape_settings(type(self).__name__, source, shape)
        gym.utils.RecordConstructorArgs.__init__(self, shape=shape)
        VectorWrapper.__init__(self, env)
        self._spaces(single)
        self.shape: tuple[int, ...] = tuple(single.shape)
        self._kernel = ReshapeKernel(source, self.shape)


class RescaleObservation(_VectorArrayObservation[Act, ObsOut]):
    """Rescale every sub-env's ``Box`` observation affinely to ``[min_obs, max_obs]``.

    The twin of :class:`array_env.wrappers.RescaleObservation`.

    Args:
        env: The vector environment; its single observation space must be a Box.
        min_obs: The new lower bound (a number or an array of the single space's shape).
        max_obs: The new upper bound.

    Raises:
        TypeError: If the space is not a Box or a bound is neither a number nor an array.
        ValueError: If a bound has the wrong shape, ``min_obs > max_obs``, or infinite bounds
            do not match.

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync")
        >>> envs = RescaleObservation(envs, -1.0, 1.0)
        >>> obs, _ = envs.reset(seed=0)
        >>> bool((abs(obs) <= 1).all()), envs.single_observation_space
        (True, Box(-1.0, 1.0, (3,), float32))
    """

    def __init__(self, env: VectorEnv[Any, Act, Any], min_obs: Any, max_obs: Any) -> None:
        source = single_space(env)
        box, gradient, intercept = rescale_settings(type(self).__name__, source, min_obs, max_obs)
        gym.utils.RecordConstructorArgs.__init__(self, min_obs=min_obs, max_obs=max_obs)
        VectorWrapper.__init__(self, env)
        self._spaces(box)
        self._kernel = RescaleKernel(source, gradient, intercept)


class DtypeObservation(_VectorArrayObservation[Act, ObsOut]):
    """Cast every sub-env's observation to ``dtype``.

    The twin of :class:`array_env.wrappers.DtypeObservation`.

    Args:
        env: The vector environment.
        dtype: The new dtype.

    Raises:
        TypeError: If the single space is not Box, Discrete, MultiDiscrete or MultiBinary.

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> DtypeObservation(envs, "float64").reset(seed=0)[0].dtype
        dtype('float64')
    """

    def __init__(self, env: VectorEnv[Any, Act, Any], dtype: Any) -> None:
        source = single_space(env)
        single = dtype_space(type(self).__name__, source, dtype)
        gym.utils.RecordConstructorArgs.__init__(self, dtype=dtype)
        VectorWrapper.__init__(self, env)
        self._spaces(single)
        self.dtype = dtype
        self._kernel = CastKernel(source, single.dtype)


class DiscretizeObservation(_VectorArrayObservation[Act, ObsOut]):
    """Bin every sub-env's finite ``Box`` observation into one index (or one per element).

    The twin of :class:`array_env.wrappers.DiscretizeObservation` (Gymnasium has no vector
    version): observations come back as ``(num_envs,)`` or ``(num_envs, d)`` integer arrays.

    Args:
        env: The vector environment; its single observation space must be a bounded Box.
        bins: Bins per element: one integer for all, or one per element.
        multidiscrete: Return per-element indices instead of one index.

    Raises:
        TypeError: If the space is not a Box.
        ValueError: If a bound is infinite or ``bins`` has the wrong length.

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("MountainCar-v0", 2, vectorization_mode="sync")
        >>> envs = DiscretizeObservation(envs, 10, multidiscrete=True)
        >>> envs.reset(seed=0)[0].shape, envs.single_observation_space
        ((2, 2), MultiDiscrete([10 10]))
    """

    def __init__(
        self,
        env: VectorEnv[Any, Act, Any],
        bins: int | tuple[int, ...],
        multidiscrete: bool = False,
    ) -> None:
        source = single_space(env)
        settings = DiscretizeSettings(type(self).__name__, source, bins)
        gym.utils.RecordConstructorArgs.__init__(self, bins=bins, multidiscrete=multidiscrete)
        VectorWrapper.__init__(self, env)
        self.low, self.high, self.n_dims = settings.low, settings.high, settings.n_dims
        self.bins, self.bin_edges = settings.bins, settings.bin_edges
        self.multidiscrete = multidiscrete
        self._spaces(
            spaces.MultiDiscrete(self.bins)
            if multidiscrete
            else spaces.Discrete(int(np.prod(self.bins)))  # pyright: ignore[reportUnknownArgumentType]
        )
        self._kernel = DiscretizeKernel(source, settings.constants, flat=not multidiscrete)


def _row(_: Any, leaf: Any, *, row: int) -> Any:
    return leaf[row, ...]
