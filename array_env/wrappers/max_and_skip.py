"""MaxAndSkipObservation: repeat an action ``skip`` times, return the max of the last two frames.

The core is one function, :func:`max_frame`, of the two frames the wrapper keeps; the shell does
what Gymnasium's does, step for step, including its quirks: the pair of frames is written only
on the last two repeats, so an episode that ends earlier returns the max of frames kept from
before (Gymnasium's buffer is never cleared, not even by ``reset``); the reward is summed over
the repeats actually made. The vector twin is in :mod:`array_env.vector.max_and_skip`.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np

from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.wrappers._contract import ArrayContract, contract_for, device_to_check

__all__ = ["FramePair", "MaxAndSkipObservation", "check_skip", "max_frame"]

Frame = TypeVar("Frame")
Act = TypeVar("Act")


class FramePair(NamedTuple):
    """The frames of the second-to-last and the last repeat (Gymnasium's ``_obs_buffer``)."""

    older: Any
    newer: Any


def max_frame(pair: FramePair, *, xp: Any) -> Any:
    """Return the elementwise max of the two frames (any leading batch axes).

    Examples:
        >>> import array_api_strict as xps
        >>> pair = FramePair(xps.asarray([1, 5, 3]), xps.asarray([4, 2, 3]))
        >>> max_frame(pair, xp=xps)
        Array([4, 5, 3], dtype=array_api_strict.int64)
    """
    return xp.maximum(pair.older, pair.newer)


def check_skip(space: gym.Space[Any], skip: Any) -> tuple[int, ...]:
    """Check ``skip`` and the space as Gymnasium does; return the frame shape.

    Raises:
        TypeError: If ``skip`` is not an integer.
        ValueError: If ``skip < 2`` or the space has no shape.
    """
    if not np.issubdtype(type(skip), np.integer):  # pyright: ignore[reportUnknownArgumentType]
        raise TypeError(f"The skip is expected to be an integer, actual type: {type(skip)}")
    if skip < 2:
        raise ValueError(
            f"The skip value needs to be equal or greater than two, actual value: {skip}"
        )
    if space.shape is None:
        raise ValueError(f"The observation space must have the shape attribute, got {space}")
    return tuple(space.shape)


def zero_pair(space: gym.Space[Any], batch: tuple[int, ...] = ()) -> FramePair:
    """Gymnasium's initial buffer: two zero frames of the space's dtype, on the host."""
    zeros = np.zeros((*batch, *(space.shape or ())), dtype=space.dtype)
    return FramePair(zeros, zeros)


class MaxAndSkipObservation(Wrapper[Frame, Act, Frame, Act], gym.utils.RecordConstructorArgs):
    """Repeat each action ``skip`` times; return the max of the last two frames, summed reward.

    Gymnasium's ``MaxAndSkipObservation`` (after stable-baselines3's ``MaxAndSkipEnv``), for
    frames of any namespace on any device: the two kept frames live on that device and the max
    is one ``maximum``. As in Gymnasium the repeats stop when the episode ends, which needs
    ``terminated``/``truncated`` on the host (a device sync per repeat on a GPU env). Rewards
    that are Python numbers are summed as Python floats, as Gymnasium does; array rewards are
    summed as arrays, in their namespace and on their device. The vector twin is
    :class:`array_env.vector.MaxAndSkipObservation`.

    Args:
        env: The environment; its observation space must have a shape.
        skip: The number of repeats per step, at least 2.

    Raises:
        TypeError: If ``skip`` is not an integer.
        ValueError: If ``skip < 2`` or the observation space has no shape.

    Examples:
        >>> import gymnasium as gym
        >>> env = MaxAndSkipObservation(gym.make("CartPole-v1"), skip=2)
        >>> obs, _ = env.reset(seed=123)
        >>> obs, reward, terminated, truncated, _ = env.step(1)
        >>> reward, obs.shape
        (2.0, (4,))
    """

    def __init__(self, env: gym.Env[Frame, Act], skip: int = 4) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, skip=skip)
        shape = check_skip(env.observation_space, skip)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self._skip = int(skip)
        self._shape = shape
        self._pair = zero_pair(env.observation_space)
        self._contract: ArrayContract | None = None
        # the contract inlined: (array type, (dtype, shape), device or None); matches nothing
        # before the first contact
        self._fast: tuple[Any, Any, Any] = (None, None, None)

    def step(self, action: Act) -> tuple[Frame, Any, Any, Any, dict[str, Any]]:
        """Repeat ``action`` up to ``skip`` times; max of the last two frames, summed reward."""
        total: Any = 0.0
        terminated: Any = False
        truncated: Any = False
        info: dict[str, Any] = {}
        older = newer = None
        contract = self._contract
        array_type, key, device = self._fast
        env_step, skip = self.env.step, self._skip
        for repeat in range(skip):
            observation, reward, terminated, truncated, info = env_step(action)
            value: Any = observation  # an identity test on the type would narrow it
            if not (
                type(value) is array_type
                and (value.dtype, value.shape) == key
                and (device is None or value.device == device)
            ):  # the contract's ``matches``, inlined; raises before any state changes
                contract = self._check(observation, contract)
            if repeat == skip - 2:
                older = observation
            elif repeat == skip - 1:
                newer = observation
            # Gymnasium's ``total += float(reward)``; a Python float needs no conversion
            total = total + reward if type(reward) is float else _add_reward(total, reward)
            if terminated or truncated:
                break
        assert contract is not None  # the loop ran at least once
        if self._contract is None:  # first contact: Gymnasium's zero frames move to the device
            self._contract = contract
            self._fast = (contract.array_type, (contract.dtype, contract.shape),
                          device_to_check(contract))  # fmt: skip
            self._pair = FramePair(*(_on_device(zero, contract) for zero in self._pair))
        xp = contract.fast_xp
        # copies, as Gymnasium's buffer: an env may reuse its observation array
        self._pair = FramePair(
            self._pair.older if older is None else xp.asarray(older, copy=True),
            self._pair.newer if newer is None else xp.asarray(newer, copy=True),
        )
        return max_frame(self._pair, xp=xp), total, terminated, truncated, info

    def _check(self, observation: Any, contract: ArrayContract | None) -> ArrayContract:
        if contract is None:
            return contract_for(
                observation, owner=type(self).__name__, name="observation",
                host_dtype=self.env.observation_space.dtype, shape=self._shape,
            )  # fmt: skip
        if not contract.matches(observation):
            contract.check(observation, owner=type(self).__name__, name="observation")
        return contract

    def __getstate__(self) -> dict[str, Any]:
        from array_env.convert import to_namespace

        state = dict(self.__dict__)
        state["_contract"] = None
        state["_fast"] = (None, None, None)
        state["_pair"] = FramePair(*to_namespace(tuple(self._pair), "numpy"))
        return state


def _on_device(host: np.ndarray, contract: ArrayContract) -> Any:
    moved = convert_array(host, xp=contract.xp, device=contract.device)
    return contract.xp.astype(moved, contract.dtype)


def _add_reward(total: Any, reward: Any) -> Any:
    """Gymnasium's ``total += float(reward)`` for host numbers; arrays are summed as arrays.

    An env that gives array rewards (array_env's envs, on any device) gets an array back, in
    its namespace and on its device; Python numbers and NumPy scalars give a Python float.
    """
    if compat.is_array_api_obj(reward):
        return reward if isinstance(total, float) else total + reward
    return total + float(reward)
