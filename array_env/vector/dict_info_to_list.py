"""Vector ``DictInfoToList``: a vector env's ``info`` of batched arrays as one dict per sub-env."""

from __future__ import annotations

from typing import Any, TypeVar

import array_api_compat as compat
import numpy as np
from gymnasium.vector import VectorEnv, VectorWrapper

from array_env._namespace import resolve_namespace
from array_env.convert import convert_array

__all__ = ["DictInfoToList", "split_info"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")

_HOST = resolve_namespace("numpy")


def _present(mask: Any) -> list[bool]:
    """A ``_key`` mask as host booleans: one transfer per mask, not one per sub-env."""
    host: Any = convert_array(mask, xp=_HOST)  # a NumPy mask is returned as it is
    return [bool(m) for m in host.tolist()]


def split_info(infos: dict[str, Any], num_envs: int, *, owner: str) -> list[dict[str, Any]]:
    """Split a vector ``info`` (``key`` and ``_key`` mask pairs) into ``num_envs`` dicts.

    Sub-env ``i`` gets ``key: value[i]`` where ``_key`` is true at ``i`` (everywhere when there
    is no mask); nested dicts are split the same way. Values keep their namespace and device
    (``value[i]`` is that namespace's element); only the masks are read on the host.

    Raises:
        AssertionError: If a value or mask is not ``num_envs`` long (Gymnasium's check),
            naming ``owner``, the key and the length received.

    Examples:
        >>> import numpy as np
        >>> split_info({"k": np.array([0.0, 0.5]), "_k": np.array([False, True])}, 2, owner="D")
        [{}, {'k': np.float64(0.5)}]
    """
    out: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, value in infos.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            rows: Any = split_info(value, num_envs, owner=owner)  # pyright: ignore[reportUnknownArgumentType]
        else:
            if not compat.is_array_api_obj(value) and not _is_numpy(value):
                raise AssertionError(
                    f"{owner}: Expects the info value of {key!r} to be an array, actual type: "
                    f"{type(value)}"
                )
            _require_length(owner, key, value, num_envs)
            # NumPy's value[i] is Gymnasium's (a NumPy scalar for 1-d); the standard spells a
            # row of an n-d array value[i, ...]
            rows = value if _is_numpy(value) else _Rows(value)
        mask = infos.get(f"_{key}")
        if mask is None:
            present = [True] * num_envs
        else:
            _require_length(owner, f"_{key}", mask, num_envs)
            present = _present(mask)
        for env_num, has_info in enumerate(present):
            if has_info:
                out[env_num][key] = rows[env_num]
    return out


def _is_numpy(x: object) -> bool:
    return isinstance(x, np.ndarray)


class _Rows:
    """Row access ``value[i, ...]`` to an array of any namespace."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __getitem__(self, index: int) -> Any:
        return self.value[index, ...]


def _require_length(owner: str, key: str, value: Any, num_envs: int) -> None:
    length = value.shape[0] if value.ndim > 0 else 0
    if length != num_envs:
        raise AssertionError(
            f"{owner}: Expects {key!r} to have length equal to the num-envs ({num_envs}), actual "
            f"length is {length}"
        )


class DictInfoToList(VectorWrapper[Obs, Act, Obs, Act, A]):
    """Turn a vector env's ``info`` dict into a list with one ``info`` dict per sub-env.

    As Gymnasium's: ``{"k": values, "_k": mask}`` becomes ``[{"k": values[i]} or {} ...]``,
    nested dicts included; put it outermost, above wrappers that add to ``info``. Values may be
    arrays of any namespace and device and stay there (each entry is ``values[i]``); the masks,
    which decide the list's structure, are read on the host, one transfer per key. A list is a
    host structure, so this wrapper is meant for logging, not for a device-resident step loop.

    Args:
        env: The vector environment.

    Raises:
        AssertionError: If an info value or mask is not ``num_envs`` long, or a value is not an
            array (Gymnasium's checks), naming the key.

    Examples:
        >>> import gymnasium as gym
        >>> envs = DictInfoToList(gym.make_vec("CartPole-v1", 3, vectorization_mode="sync"))
        >>> envs.reset(seed=123)[1]
        [{}, {}, {}]
    """

    def __init__(self, env: VectorEnv[Obs, Act, A]) -> None:
        VectorWrapper.__init__(self, env)

    def step(self, actions: Act) -> tuple[Obs, A, A, A, list[dict[str, Any]]]:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        """Step the sub-envs; return their infos as a list."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        _require_dict(type(self).__name__, infos)
        return (
            observations,
            rewards,
            terminated,
            truncated,
            split_info(infos, self.num_envs, owner=type(self).__name__),
        )

    def reset(  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, list[dict[str, Any]]]:
        """Reset the sub-envs; return their infos as a list."""
        observations, infos = self.env.reset(seed=seed, options=options)
        _require_dict(type(self).__name__, infos)
        return observations, split_info(infos, self.num_envs, owner=type(self).__name__)


def _require_dict(owner: str, infos: Any) -> None:
    if not isinstance(infos, dict):
        raise AssertionError(f"{owner}: Expects the info to be a dict, actual type: {type(infos)}")
