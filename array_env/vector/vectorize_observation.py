"""VectorizeTransformObservation: run a single-env observation wrapper on every sub-env.

For wrappers written for one observation (Gymnasium's, or a user's ``TransformObservation``
subclass). array_env's own wrappers all have batched twins in :mod:`array_env.vector`, which
transform the whole batch in one call; this class is for everything else, and necessarily
applies the single wrapper once per sub-env.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import gymnasium as gym
from gymnasium.logger import warn
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space, iterate

from array_env._namespace import namespace_of
from array_env._tree import tree_leaves, tree_map_with_path
from array_env.vector.stateless_observation import transform_final_obs
from array_env.wrappers._kernel_shell import host_leaf

__all__ = ["VectorizeTransformObservation"]

Act = TypeVar("Act")


class VectorizeTransformObservation(
    VectorWrapper[Any, Act, Any, Act, Any], gym.utils.RecordConstructorArgs
):
    """Vectorise a single-env observation wrapper: apply it to each sub-env, stack the results.

    As Gymnasium's: ``wrapper`` is built on a stand-in env with the single observation space
    (``wrapper(env, **kwargs)``), and its ``func`` (or ``observation`` method) transforms each
    sub-env's observation; the results are stacked leaf by leaf in their own namespace. In
    same-step autoreset, ``info["final_obs"]`` is transformed too (in a copy).

    Args:
        env: The vector environment.
        wrapper: The single-env observation wrapper class.
        **kwargs: Its constructor arguments.

    Raises:
        TypeError: If ``env.metadata["autoreset_mode"]`` is not an ``AutoresetMode``.

    Examples:
        >>> import gymnasium as gym
        >>> from array_env.wrappers import TransformObservation
        >>> class Double(TransformObservation):
        ...     def __init__(self, env):
        ...         super().__init__(env, lambda obs: obs * 2, None)
        >>> envs = gym.make_vec("CartPole-v1", 3, vectorization_mode="sync")
        >>> envs = VectorizeTransformObservation(envs, Double)
        >>> envs.reset(seed=0)[0].shape
        (3, 4)
    """

    class _SingleEnv(gym.Env[Any, Any]):
        """The stand-in single env the wrapper is built on: only its observation space."""

        def __init__(self, observation_space: Any) -> None:
            self.observation_space = observation_space

    def __init__(self, env: VectorEnv[Any, Act, Any], wrapper: type[Any], **kwargs: Any) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, wrapper=wrapper, **kwargs)
        VectorWrapper.__init__(self, env)
        if "autoreset_mode" not in env.metadata:
            warn(f"Vector environment ({env}) is missing `autoreset_mode` metadata key.")
            self.autoreset_mode = AutoresetMode.NEXT_STEP
        else:
            mode = env.metadata["autoreset_mode"]
            if not isinstance(mode, AutoresetMode):
                raise TypeError(
                    f"{type(self).__name__}: Expected env.metadata['autoreset_mode'] to be an "
                    f"AutoresetMode, got {type(mode)}"
                )
            self.autoreset_mode = mode
        self.wrapper = wrapper(self._SingleEnv(env.single_observation_space), **kwargs)  # pyright: ignore[reportUnknownMemberType]
        self.single_observation_space = self.wrapper.observation_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        func = getattr(self.wrapper, "func", None)
        self._apply = func if callable(func) else self.wrapper.observation
        self._xp: Any = None

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the sub-envs and transform each observation."""
        observations, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # SyncVectorEnv takes a list of seeds too
        return self.observations(observations), infos

    def step(self, actions: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs; transform each observation (and same-step final ones)."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        if self.autoreset_mode is AutoresetMode.SAME_STEP:
            infos = transform_final_obs(infos, lambda obs, _: self._apply(obs), self.observations)
        return self.observations(observations), rewards, terminated, truncated, infos

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_xp"] = None  # a module: resolved again at the copy's first call
        return state

    def _rows(self, observations: Any) -> list[Any]:
        """Each sub-env's observation: row views of array leaves (any namespace)."""
        if all(hasattr(leaf, "shape") for leaf in tree_leaves(observations)):
            return [
                tree_map_with_path(functools.partial(_row, row=i), observations)
                for i in range(self.num_envs)
            ]
        return list(iterate(self.env.observation_space, observations))  # pyright: ignore[reportUnknownMemberType]

    def observations(self, observations: Any) -> Any:
        """Apply the single wrapper per sub-env and stack the results leaf by leaf."""
        items = [self._apply(obs) for obs in self._rows(observations)]
        first = items[0]
        if self._xp is None:
            self._xp = namespace_of(host_leaf(tree_leaves(first)[0]))
        xp = self._xp
        leaves_per_item = [tree_leaves(item) for item in items]
        stacked = iter(
            xp.stack([host_leaf(leaves[i]) for leaves in leaves_per_item])
            for i in range(len(leaves_per_item[0]))
        )
        return tree_map_with_path(lambda _, __: next(stacked), first)


def _row(_: Any, leaf: Any, *, row: int) -> Any:
    return leaf[row, ...]
