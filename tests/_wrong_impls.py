"""Deliberately wrong implementations of array_env's wrappers, one bug each.

Each is a small subclass of array_env's own class that breaks one rule the specification states;
``tests/test_conformance_can_fail.py`` runs the conformance suite against each (as an
``--impl``-style implementation) and asserts it fails exactly the properties the bug breaks and
passes the rest. :data:`WRONG` lists them with where they run and what must catch them.
"""

from __future__ import annotations

import copy
import types
from typing import Any, NamedTuple

import array_api_compat as compat
import array_api_strict
import numpy as np

import array_env.vector
import array_env.wrappers
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.vector import FrameStackObservation as VectorFrameStack
from array_env.vector import RecordEpisodeStatistics as VectorStatistics
from array_env.wrappers import FrameStackObservation, NormalizeObservation, NormalizeReward
from conformance.implementation import Implementation


class ReturnsNumpyForTorch(NormalizeObservation[Any, Any]):
    def _normalize(self, observation: Any) -> Any:
        return np.asarray(super()._normalize(observation))


class ReturnsPythonFloatReward(NormalizeReward[Any, Any]):
    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = super().step(action)
        return obs, float(reward), terminated, truncated, info


class MutatesItsInput(NormalizeObservation[Any, Any]):
    def _normalize(self, observation: Any) -> Any:
        out = super()._normalize(observation)
        observation[...] = 0
        return out


class IgnoresTheDevice(NormalizeObservation[Any, Any]):
    def _normalize(self, observation: Any) -> Any:
        out = super()._normalize(observation)
        if not compat.is_array_api_strict_namespace(compat.array_namespace(out)):
            return out
        return compat.to_device(out, array_api_strict.Device("CPU_DEVICE"))


class IgnoresTheAutoresetMask(VectorFrameStack[Any, Any]):
    def step(self, actions: Any) -> Any:
        self._prev_done = None  # never restart the stacks of next-step reset rows
        return super().step(actions)


class CountsEveryRowOnPartialReset(VectorStatistics[Any, Any, Any]):
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        partial = options is not None and "reset_mask" in options
        result = super().reset(seed=seed, options=options)
        if partial and self._contract is not None:
            self._tally = self._fresh_tally(self._contract)  # every row restarts its episode
        return result


class LeavesFinalObsRaw(VectorFrameStack[Any, Any]):
    def _final_frames(self, final: Any, values: list[Any]) -> tuple[list[Any], list[int] | None]:
        self.raw_final = final
        return super()._final_frames(final, values)

    def step(self, actions: Any) -> Any:
        obs, rewards, terminated, truncated, infos = super().step(actions)
        if "final_obs" in infos:
            infos = {**infos, "final_obs": self.raw_final}
        return obs, rewards, terminated, truncated, infos


class LoadStateDictDoesNothing(NormalizeObservation[Any, Any]):
    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class PicklesWrongly(NormalizeObservation[Any, Any]):
    """Unpickles as a fresh wrapper (statistics lost); deep copies stay right."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (self.env, self.epsilon))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = object.__new__(type(self))
        clone.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return clone


class SwallowsBadInput(NormalizeObservation[Any, Any]):
    def _normalize(self, observation: Any) -> Any:
        try:
            return super()._normalize(observation)
        except ArrayMismatchError:
            return observation


class WrongFramePadding(FrameStackObservation[Any, Any]):
    """Pads with zeros when asked to pad with the reset observation."""

    def __init__(self, env: Any, stack_size: int, *, padding_type: Any = "reset") -> None:
        wrong = (
            "zero" if isinstance(padding_type, str) and padding_type == "reset" else padding_type
        )
        super().__init__(env, stack_size, padding_type=wrong)
        self.padding_type = padding_type


class Wrong(NamedTuple):
    """A wrong implementation, where it runs, and the property ids that must catch it."""

    cls: type
    wrapper: str
    kind: str
    backends: tuple[Backend, ...]
    param: str
    caught_by: frozenset[str]


WRONG: dict[str, Wrong] = {
    "returns NumPy for torch input": Wrong(
        ReturnsNumpyForTorch, "NormalizeObservation", "single", (Backend.TORCH,), "",
        frozenset({"NS-1", "HS-1"}),
    ),
    "returns a Python float reward": Wrong(
        ReturnsPythonFloatReward, "NormalizeReward", "single", (Backend.NUMPY,), "",
        frozenset({"NS-1"}),
    ),
    "mutates its input": Wrong(
        MutatesItsInput, "NormalizeObservation", "single", (Backend.NUMPY,), "",
        frozenset({"MU-1"}),
    ),
    "ignores the device": Wrong(
        IgnoresTheDevice, "NormalizeObservation", "single", (Backend.ARRAY_API_STRICT_DEVICE1,),
        "", frozenset({"NS-1"}),
    ),
    "ignores the autoreset mask": Wrong(
        IgnoresTheAutoresetMask, "FrameStackObservation", "vector", (Backend.NUMPY,), "zero",
        frozenset({"VS-1", "GY-1"}),
    ),
    "counts every row on a partial reset": Wrong(
        CountsEveryRowOnPartialReset, "RecordEpisodeStatistics", "vector", (Backend.NUMPY,), "",
        frozenset({"VS-1"}),
    ),
    "leaves final_obs raw": Wrong(
        LeavesFinalObsRaw, "FrameStackObservation", "vector", (Backend.NUMPY,), "reset",
        frozenset({"VS-1", "GY-1"}),
    ),
    "load_state_dict does nothing": Wrong(
        LoadStateDictDoesNothing, "NormalizeObservation", "single", (Backend.NUMPY,), "",
        frozenset({"ST-1"}),
    ),
    "pickles wrongly": Wrong(
        PicklesWrongly, "NormalizeObservation", "single", (Backend.NUMPY,), "",
        frozenset({"CP-1"}),
    ),
    "swallows bad input": Wrong(
        SwallowsBadInput, "NormalizeObservation", "single", (Backend.NUMPY,), "",
        frozenset({"BI-1"}),
    ),
    "wrong frame padding": Wrong(
        WrongFramePadding, "FrameStackObservation", "single", (Backend.NUMPY,), "reset",
        frozenset({"GY-1"}),
    ),
}  # fmt: skip


def implementation(wrong: Wrong) -> Implementation:
    """array_env, with ``wrong.cls`` in place of its wrapper of that name and kind."""
    single = types.ModuleType(f"wrong_{wrong.cls.__name__}")
    vector = types.ModuleType(f"wrong_{wrong.cls.__name__}.vector")
    single.__dict__.update(vars(array_env.wrappers))
    vector.__dict__.update(vars(array_env.vector))
    (single if wrong.kind == "single" else vector).__dict__[wrong.wrapper] = wrong.cls
    return Implementation(name=single.__name__, single=single, vector=vector)
