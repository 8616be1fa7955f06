"""Reward wrappers: the functional cores and their single-environment shells.

The vector twins in :mod:`array_env.vector.reward` call the same cores with a leading batch axis
and an ``active`` mask.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound

from array_env._checks import ArrayMismatchError
from array_env._namespace import resolve_namespace
from array_env._ops.running_moments import (
    Moments,
    checked_statistic,
    load_array,
    require_finite,
    update_moments,
    update_moments_masked,
    update_moments_one,
)
from array_env._ops.stop_gradient import stop_gradient
from array_env.core import Wrapper
from array_env.typing import ArrayT, Namespace
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._host_reward import is_host_number
from array_env.wrappers._moments_holder import MomentsHolder, RunningMeanStdView
from array_env.wrappers.observation import check_epsilon

__all__ = [
    "NormalizeReward",
    "ReturnState",
    "check_gamma",
    "checked_terminated",
    "scale_reward",
    "update_returns",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")


class ReturnState(NamedTuple):
    """What NormalizeReward carries between steps.

    Attributes:
        moments: Running statistics of the discounted returns (shape ``()``).
        returns: The discounted return of each sub-env (shape ``()`` single, ``(n,)`` vector).
    """

    moments: Moments[Any]
    returns: Any


def update_returns(
    state: ReturnState,
    reward: Any,
    terminated: Any,
    *,
    gamma: float,
    active: Any = None,
    update_statistics: bool = True,
    xp: Namespace[Any],
) -> ReturnState:
    """Advance the discounted returns by one step and merge them into the statistics.

    ``return = return * gamma * (1 - terminated) + reward``: as in Gymnasium, termination
    drops the return accumulated *before* the terminal reward, and truncation keeps it.

    Args:
        state: The current state.
        reward: The step's reward(s), in the statistics' namespace or a Python number (a
            single env's state may be Python floats: the same arithmetic, on host numbers).
        terminated: Python bool (single env) or a boolean array like ``reward``.
        gamma: The discount factor.
        active: ``None`` when every sub-env stepped, else a boolean mask (vector, next-step
            autoreset: the step after an episode's end is a reset step that must not count).
        update_statistics: Whether to merge the new returns into the statistics.
        xp: The namespace of the state.
    """
    moments, returns = state
    if isinstance(terminated, bool):
        stepped = returns * (0.0 if terminated else gamma) + reward
    else:
        stepped = xp.where(terminated, 0.0, returns * gamma) + reward
    if active is None:
        if update_statistics:
            if isinstance(stepped, float) or stepped.ndim == 0:  # Python floats: one sample
                moments = update_moments_one(moments, stepped, xp=xp)
            else:
                moments = update_moments(moments, stepped, xp=xp)
        return ReturnState(moments, stepped)
    stepped = xp.where(active, stepped, returns)
    if update_statistics:
        moments = update_moments_masked(moments, stepped, active, xp=xp)
    return ReturnState(moments, stepped)


def scale_reward(
    moments: Moments[ArrayT], reward: ArrayT, *, epsilon: float, xp: Namespace[ArrayT]
) -> ArrayT:
    """Divide ``reward`` by the standard deviation of the returns (the mean is not removed)."""
    scale = xp.sqrt(moments.var + epsilon)
    if isinstance(reward, float):  # a host number (a single env's): NumPy's float64 comes out
        return reward / scale
    dtype = getattr(reward, "dtype", None)
    if dtype is not None and dtype != scale.dtype and xp.isdtype(dtype, "real floating"):
        scale = xp.astype(scale, dtype)
    return reward / scale


def _check_real(owner: str, name: str, value: object) -> None:
    # Gymnasium compares first and fails with a bare TypeError; bool passes its comparison
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(
            f"{owner}: `{name}` should be a real number, got {type(value).__name__} {value!r}"
        )


def check_gamma(owner: str, gamma: object) -> None:
    """Raise unless ``gamma`` is a real number in ``[0, 1]`` (Gymnasium's wording).

    Raises:
        TypeError: If ``gamma`` is not an int or float (Python or NumPy; bool is refused).
        gymnasium.error.InvalidBound: If it is outside ``[0, 1]`` (NaN included).
    """
    _check_real(owner, "gamma", gamma)
    if not 0 <= gamma <= 1:  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]  # a real number, checked above
        raise InvalidBound(f"{owner}: `gamma` should be in the interval [0, 1]. Received {gamma}")


class ReturnsHolder(MomentsHolder):
    """:class:`MomentsHolder` plus the per-sub-env discounted returns (key ``returns``)."""

    _not_pickled: ClassVar[tuple[str, ...]] = ("_returns",)  # travels in the state dict
    _returns: Any
    _returns_shape: tuple[int, ...]

    def _init_returns(self, shape: tuple[int, ...]) -> None:
        self._init_moments(())
        self._returns_shape = shape
        self._returns = resolve_namespace("numpy").zeros(shape)

    @property
    def return_rms(self) -> RunningMeanStdView:
        """The statistics of the discounted returns, as Gymnasium's ``RunningMeanStd``.

        ``mean``, ``var`` and ``count`` are readable and assignable (validated as
        :meth:`load_state_dict` does); assigning another ``RunningMeanStd`` (Gymnasium's, or
        another wrapper's ``return_rms``) copies its three values.
        """
        return RunningMeanStdView(self)

    @return_rms.setter
    def return_rms(self, source: Any) -> None:
        RunningMeanStdView(self).assign(source)

    @property
    def discounted_reward(self) -> Any:
        """The discounted return of each sub-env (Gymnasium's name), on the statistics' device.

        Assigning it is validated as :meth:`load_state_dict` validates ``returns``.
        """
        return self._returns

    @discounted_reward.setter
    def discounted_reward(self, value: Any) -> None:
        self.load_state_dict({**self._state_arrays(), "returns": value})

    def _state_arrays(self) -> dict[str, Any]:
        return {**super()._state_arrays(), "returns": self._returns}

    def _loaded_arrays(self, state: dict[str, Any]) -> dict[str, Any]:
        owner = type(self).__name__
        if "returns" not in state:
            raise KeyError(f"{owner}: state dict has no 'returns'; got {sorted(state)}")
        loaded = super()._loaded_arrays(state)
        contract = self._contract
        if contract is None:
            xp, device, dtype = resolve_namespace("numpy"), "cpu", loaded["moments"].mean.dtype
        else:
            xp, device, dtype = contract.fast_xp, contract.device, loaded["moments"].mean.dtype
        returns = checked_statistic(
            state["returns"], key="returns", owner=owner, shape=self._returns_shape
        )
        loaded["returns"] = load_array(returns, xp=xp, device=device, dtype=dtype)
        return loaded

    def _assign_arrays(self, loaded: dict[str, Any]) -> None:
        super()._assign_arrays(loaded)
        self._returns = loaded["returns"]

    def _host_reward_contract(self) -> ArrayContract:
        """The contract of host (Python or NumPy scalar) rewards: 0-d NumPy statistics."""
        zero = resolve_namespace("numpy").zeros(())
        return contract_for(zero, owner=type(self).__name__, name="reward", shape=())


class NormalizeReward(ReturnsHolder, Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    r"""Scale rewards so that their discounted return has roughly unit variance.

    Keeps the exponential moving return ``return = return * gamma * (1 - terminated) + reward``
    and divides each reward by the running standard deviation of that return (Gymnasium's
    semantics, kept bit-compatible: the return survives ``reset`` and truncation). Statistics
    live on the device of the rewards (NumPy for Python-number rewards), float64 where the
    backend has it; :attr:`update_running_mean` freezes them. Rewards may be Python numbers
    and NumPy scalars of any int or float type, mixed, as Gymnasium's envs return them, or 0-d
    arrays of one namespace and device (the first one's); array rewards are detached before
    they enter the state. Gymnasium's attributes keep their meaning: :attr:`return_rms`
    (``mean``, ``var``, ``count``, readable and assignable over the device state),
    :attr:`discounted_reward`, :attr:`gamma`, :attr:`epsilon`. The vector twin is
    :class:`array_env.vector.NormalizeReward`.

    Non-finite rewards: as in Gymnasium, one NaN or inf reward makes the statistics NaN or inf
    for good, silently; ``check_finite=True`` rejects it with ``ValueError`` before anything
    is updated (one host read per step). See the migration guide.

    Args:
        env: The environment.
        gamma: The discount factor of the return, in ``[0, 1]``.
        epsilon: Added to the variance under the square root; must be positive.
        check_finite: Raise ``ValueError`` on a NaN or infinite reward instead of merging it.

    Raises:
        gymnasium.error.InvalidBound: If ``gamma`` or ``epsilon`` is out of range.
        TypeError: If ``gamma`` or ``epsilon`` is not a real number (bool included).

    Examples:
        >>> import gymnasium as gym
        >>> env = NormalizeReward(gym.make("CartPole-v1"), gamma=0.99)
        >>> _ = env.reset(seed=0)
        >>> rewards = [env.step(1)[1] for _ in range(5)]
        >>> [round(float(r), 3) for r in rewards]
        [70.714, 2.02, 1.243, 0.912, 0.725]
        >>> sorted(env.state_dict())
        ['count', 'mean', 'returns', 'var']
    """

    def __init__(
        self,
        env: gym.Env[Obs, Act],
        gamma: float = 0.99,
        epsilon: float = 1e-8,
        *,
        check_finite: bool = False,
    ) -> None:
        check_gamma(type(self).__name__, gamma)
        check_epsilon(type(self).__name__, epsilon)
        gym.utils.RecordConstructorArgs.__init__(self, gamma=gamma, epsilon=epsilon)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.gamma = gamma
        self.epsilon = epsilon
        self.check_finite = bool(check_finite)
        self._init_returns(())

    def _assign_arrays(self, loaded: dict[str, Any]) -> None:
        super()._assign_arrays(loaded)
        contract = self._contract
        moments = self._moments
        if contract is not None and compat.is_numpy_namespace(contract.xp) and moments.low is None:
            # NumPy statistics of a single env are scalars: Python floats, whose arithmetic is
            # IEEE float64 as NumPy's, at a tenth of its per-operation cost
            self._moments = Moments(float(moments.mean), float(moments.var), float(moments.count))
            self._returns = float(self._returns)

    def _state_arrays(self) -> dict[str, Any]:
        state = super()._state_arrays()
        if isinstance(self._returns, float):  # the host floats above, as NumPy 0-d arrays
            return {key: np.asarray(value, dtype=np.float64) for key, value in state.items()}
        return state

    @property
    def discounted_reward(self) -> Any:
        """The discounted return, shape ``(1,)`` as Gymnasium's (assignable: ``(1,)`` or ``()``)."""
        returns = self._returns
        xp = resolve_namespace("numpy") if self._contract is None else self._contract.xp
        return xp.reshape(xp.asarray(returns), (1,))

    @discounted_reward.setter
    def discounted_reward(self, value: Any) -> None:
        if compat.is_array_api_obj(value) and tuple(value.shape) == (1,):
            value = compat.array_namespace(value).reshape(value, ())
        self.load_state_dict({**self._state_arrays(), "returns": value})

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env and scale its reward.

        Raises:
            ArrayMismatchError: If the reward is neither a number nor a 0-d array of the
                first reward's namespace and device, or ``terminated`` is not a bool (or a 0-d
                boolean array of that namespace). Nothing is changed then.
            ValueError: With ``check_finite``, if the reward is NaN or infinite.
        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        contract = self._contract
        # check everything (on a contract not yet adopted), then assign
        if isinstance(reward, float) or is_host_number(reward):
            value: Any = float(reward)  # Gymnasium: float(reward) into the return
            candidate = self._host_reward_contract() if contract is None else contract
        else:
            if contract is None:
                candidate = contract_for(reward, owner=type(self).__name__, name="reward", shape=())
            else:
                candidate = contract
                if not contract.matches(reward):
                    contract.check(reward, owner=type(self).__name__, name="reward")
            value = stop_gradient(reward)
        if terminated is False or terminated is True:  # a single env's usual flag
            done: Any = terminated
        else:
            done = checked_terminated(terminated, candidate, owner=type(self).__name__)
        xp = candidate.fast_xp
        if self.check_finite:
            require_finite(value, owner=type(self).__name__, name="reward", xp=xp)
        if contract is None:
            self._adopt(candidate)
        moments, self._returns = update_returns(
            ReturnState(self._moments, self._returns),
            value,
            done,
            gamma=self.gamma,
            update_statistics=self.update_running_mean,
            xp=xp,
        )
        self._moments = moments
        scaled = scale_reward(
            moments, value if isinstance(value, float) else reward, epsilon=self.epsilon, xp=xp
        )
        return observation, scaled, terminated, truncated, info


def checked_terminated(terminated: Any, contract: ArrayContract, *, owner: str) -> Any:
    """Return ``terminated`` as a Python bool, or as the 0-d boolean array of ``contract``.

    Raises:
        ArrayMismatchError: For anything else (``None``, a string, an array of another shape,
            dtype, namespace or device), naming ``owner``.
    """
    if isinstance(terminated, bool | np.bool_):
        return terminated is True or terminated is np.True_
    flags = contract._replace(dtype=contract.xp.bool, shape=())
    if not flags.matches(terminated):
        if not compat.is_array_api_obj(terminated):
            raise ArrayMismatchError(
                f"{owner}: terminated must be a bool or a 0-d boolean array, "
                f"got {type(terminated).__name__} {terminated!r}"
            )
        flags.check(terminated, owner=owner, name="terminated")
    return terminated
