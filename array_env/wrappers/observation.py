"""Observation wrappers: the functional cores and their single-environment shells.

Each wrapper's maths is a pure function of (state, input) written with ``xp``; the class holds
the state, resolves namespace and device at its first contact, and delegates. The vector twins
in :mod:`array_env.vector.observation` call the same cores with a leading batch axis.
"""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound

from array_env._namespace import PicklableNamespaces
from array_env._ops.running_moments import (
    Moments,
    init_moments,
    moments_from_state_dict,
    moments_state_dict,
    statistics_dtype,
    update_moments_one,
)
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for

__all__ = ["NormalizeObservation", "normalize_observation"]

A = TypeVar("A")
Act = TypeVar("Act")


def normalize_observation(
    moments: Moments[A], observation: A, *, epsilon: float, dtype: Any, xp: Namespace[A]
) -> A:
    """Centre and scale ``observation`` with the running statistics, then cast to ``dtype``.

    Args:
        moments: The running statistics (their shape broadcasts against ``observation``).
        observation: One observation, or a batch with a leading axis.
        epsilon: Added to the variance under the square root.
        dtype: The output dtype (float32, as Gymnasium declares).
        xp: The namespace of both.
    """
    scaled = (observation - moments.mean) / xp.sqrt(moments.var + epsilon)  # type: ignore[operator]
    return xp.astype(scaled, dtype)


def check_epsilon(owner: str, epsilon: float) -> None:
    """Raise :class:`gymnasium.error.InvalidBound` unless ``epsilon`` is strictly positive."""
    if not epsilon > 0:
        raise InvalidBound(f"{owner}: epsilon must be strictly positive, got {epsilon}")


def normalized_box(owner: str, space: gym.Space[Any]) -> gym.spaces.Box:
    """Return the unbounded float32 Box of the same shape, or raise for a non-Box space."""
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(
            f"{owner}: expected a Box observation space, got {type(space).__name__} ({space})"
        )
    return gym.spaces.Box(low=-np.inf, high=np.inf, shape=space.shape, dtype=np.float32)


class MomentsHolder(PicklableNamespaces):
    """The state handling NormalizeObservation and NormalizeReward share, single and vector.

    Holds the :class:`ArrayContract` (``None`` until the first array), the running statistics
    and the ``update_running_mean`` switch, and implements ``state_dict``/``load_state_dict``.
    Statistics start on the host (NumPy float64) and move to the contract's namespace and
    device at the first contact, so state loaded before the first ``reset`` is kept.
    """

    _namespace_fields = ()
    _contract: ArrayContract | None
    _moments: Moments[Any]
    _moments_shape: tuple[int, ...]
    update_running_mean: bool
    """Whether ``reset``/``step`` update the statistics (set ``False`` to freeze them)."""

    def _init_moments(self, shape: tuple[int, ...]) -> None:
        from array_env._namespace import resolve_namespace

        self._contract = None
        self._moments_shape = shape
        self._moments = init_moments(shape, xp=resolve_namespace("numpy"), device="cpu")
        self.update_running_mean = True

    def _adopt(self, contract: ArrayContract) -> ArrayContract:
        """Fix the contract and move the statistics to its namespace and device."""
        state = self._state_arrays()
        self._contract = contract
        self._load_arrays(state)
        return contract

    @property
    def _statistics_dtype(self) -> Any:
        contract = self._contract
        assert contract is not None
        return statistics_dtype(contract.xp, contract.device)

    def _state_arrays(self) -> dict[str, Any]:
        return dict(moments_state_dict(self._moments))

    def _load_arrays(self, state: dict[str, Any]) -> None:
        from array_env._namespace import resolve_namespace

        contract = self._contract
        if contract is None:
            xp, device, dtype = resolve_namespace("numpy"), "cpu", np.float64
        else:
            xp, device, dtype = contract.fast_xp, contract.device, self._statistics_dtype
        self._moments = moments_from_state_dict(
            state, xp=xp, device=device, dtype=dtype, shape=self._moments_shape,
            owner=type(self).__name__,
        )

    def state_dict(self) -> dict[str, Any]:
        """Return the statistics as a dict of plain arrays, in the wrapper's namespace.

        ``numpy.savez(path, **array_env.to_namespace(env.state_dict(), "numpy"))`` saves it.
        """
        return self._state_arrays()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Load :meth:`state_dict`'s arrays, of any backend and device (``numpy.load`` works).

        Raises:
            KeyError: If a key is missing.
            ValueError: If an array has the wrong shape.
        """
        self._load_arrays(dict(state))


class NormalizeObservation(
    MomentsHolder, Wrapper[A, Act, A, Act], gym.utils.RecordConstructorArgs
):
    """Normalise observations to zero mean and unit variance with running statistics.

    The statistics (float64 where the backend has it) live on the observations' device and are
    updated on every ``reset`` and ``step`` while :attr:`update_running_mean` is true; set it to
    ``False`` to freeze them, e.g. for evaluation. Observations come back as float32 in the
    input's namespace, on its device; the observation space becomes an unbounded float32 Box.
    :meth:`state_dict` and :meth:`load_state_dict` save and restore the statistics as plain
    arrays. The vector twin is :class:`array_env.vector.NormalizeObservation`.

    Args:
        env: The environment; its observation space must be a Box.
        epsilon: Added to the variance under the square root; must be positive.

    Raises:
        gymnasium.error.InvalidBound: If ``epsilon`` is not positive.
        TypeError: If the observation space is not a Box.

    Example:
        >>> import gymnasium as gym
        >>> env = NormalizeObservation(gym.make("CartPole-v1"))
        >>> obs, _ = env.reset(seed=123)
        >>> obs.dtype, obs.shape, env.observation_space.dtype
        (dtype('float32'), (4,), dtype('float32'))
        >>> for _ in range(20):
        ...     obs, *_ = env.step(1)
        >>> bool(abs(obs).max() < 5)
        True
        >>> sorted(env.state_dict())
        ['count', 'mean', 'var']
    """

    _namespace_fields = ()

    def __init__(self, env: gym.Env[A, Act], epsilon: float = 1e-8) -> None:
        check_epsilon(type(self).__name__, epsilon)
        observation_space = normalized_box(type(self).__name__, env.observation_space)
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        Wrapper.__init__(self, env)
        self.observation_space = observation_space
        self.epsilon = epsilon
        self._host_dtype = env.observation_space.dtype
        self._init_moments(observation_space.shape)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the env and normalise (and count) its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self._normalize(observation), info

    def step(self, action: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Step the env and normalise (and count) the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._normalize(observation), reward, terminated, truncated, info

    def _normalize(self, observation: A) -> A:
        contract = self._contract
        if contract is None:
            contract = self._adopt(
                contract_for(
                    observation, owner=type(self).__name__, name="observation",
                    host_dtype=self._host_dtype, shape=self._moments_shape,
                )
            )
            self._float32 = contract.xp.float32  # type: ignore[attr-defined]
            self._cast = not contract.xp.isdtype(contract.dtype, "real floating")  # type: ignore[attr-defined]
        elif not contract.matches(observation):
            contract.check(observation, owner=type(self).__name__, name="observation")
        xp = contract.fast_xp
        if self._cast:
            observation = xp.astype(observation, self._moments.mean.dtype)
        if self.update_running_mean:
            self._moments = update_moments_one(self._moments, observation, xp=xp)
        return normalize_observation(
            self._moments, observation, epsilon=self.epsilon, dtype=self._float32, xp=xp
        )
