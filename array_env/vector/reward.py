"""Vector reward wrappers: the twins of :mod:`array_env.wrappers.reward`."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import gymnasium as gym
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from array_env._ops.running_moments import require_finite
from array_env._ops.stop_gradient import stop_gradient
from array_env.vector._autoreset import autoreset_mode, checked_reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.observation import check_epsilon
from array_env.wrappers.reward import (
    ReturnsHolder,
    ReturnState,
    check_gamma,
    update_returns,
)

__all__ = ["NormalizeReward"]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
A = TypeVar("A")


class NormalizeReward(
    ReturnsHolder, VectorWrapper[Obs, Act, Obs, Act, A], gym.utils.RecordConstructorArgs
):
    r"""Scale rewards so that each sub-env's discounted return has roughly unit variance.

    The vector twin of :class:`array_env.wrappers.NormalizeReward`: one discounted return per
    sub-env, ``return = return * gamma * (1 - terminated) + reward``, and one set of running
    statistics of all of them, on the rewards' device. Each sub-env's return follows exactly
    the single wrapper's, under every autoreset mode:

    * next-step: the reset step after an episode's end neither advances that sub-env's return
      nor counts it (its reward is 0 and belongs to no episode);
    * same-step and disabled: every step is a real step and counts. Unlike Gymnasium, the return
      is *not* zeroed when a same-step episode ends, which would make the sub-env differ from
      the single wrapper (Gymnasium's single wrapper carries it into the next episode).

    A full ``reset()`` starts every return at 0, as Gymnasium's vector wrapper does; a partial
    ``reset(options={"reset_mask": m})`` leaves returns alone, like the single wrapper's reset.
    The mask is checked (a boolean array of shape ``(num_envs,)``, of the rewards' namespace
    and device) before the env is reset. Rewards are detached before they enter the state.
    Gymnasium's attributes keep their meaning: :attr:`return_rms`, :attr:`accumulated_reward`,
    :attr:`gamma`, :attr:`epsilon`. Non-finite rewards poison the statistics, as in Gymnasium,
    unless ``check_finite=True`` (one device read per step) rejects them first.

    Args:
        env: The vector environment.
        gamma: The discount factor of the return, in ``[0, 1]``.
        epsilon: Added to the variance under the square root; must be positive.
        check_finite: Raise ``ValueError`` on a NaN or infinite reward instead of merging it.

    Raises:
        gymnasium.error.InvalidBound: If ``gamma`` or ``epsilon`` is out of range.
        TypeError: If ``gamma`` or ``epsilon`` is not a real number (bool included).

    Examples:
        >>> import gymnasium as gym
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = NormalizeReward(envs, gamma=0.99)
        >>> _ = envs.reset(seed=0)
        >>> rewards = envs.step(envs.action_space.sample())[1]
        >>> rewards.round(3).tolist()
        [99.999, 99.999]
        >>> envs.state_dict()["returns"].tolist()
        [1.0, 1.0]
    """

    _device_arrays = ("_prev_done",)
    _not_pickled: ClassVar[tuple[str, ...]] = ("_flags", "_scale_dtype")  # derived again
    _flags: ArrayContract  # terminated and truncated: set with the contract at first contact
    _scale_dtype: Any  # the rewards' float dtype where it is not the statistics', else None

    def __init__(
        self,
        env: VectorEnv[Obs, Act, A],
        gamma: float = 0.99,
        epsilon: float = 1e-8,
        *,
        check_finite: bool = False,
    ) -> None:
        check_gamma(type(self).__name__, gamma)
        check_epsilon(type(self).__name__, epsilon)
        gym.utils.RecordConstructorArgs.__init__(self, gamma=gamma, epsilon=epsilon)
        VectorWrapper.__init__(self, env)
        self.gamma = gamma
        self.epsilon = epsilon
        self.check_finite = bool(check_finite)
        self._mode = autoreset_mode(env)
        self._next_step = self._mode is AutoresetMode.NEXT_STEP
        self._prev_done: Any = None  # next-step mode: which sub-envs take a reset step next
        self._init_returns((self.num_envs,))

    @property
    def accumulated_reward(self) -> Any:
        """The discounted return of each sub-env, ``(num_envs,)`` (Gymnasium's name).

        Assignable; validated as :meth:`load_state_dict` validates ``returns``.
        """
        return self._returns

    @accumulated_reward.setter
    def accumulated_reward(self, value: Any) -> None:
        self.discounted_reward = value

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the sub-envs; a full reset starts every discounted return at 0."""
        # checked and read first: Gymnasium's vector envs pop it from options
        contract = self._contract
        mask = checked_reset_mask(
            type(self).__name__, options, self.num_envs,
            xp=None if contract is None else contract.xp,
            device=None if contract is None else contract.device,
        )  # fmt: skip
        result = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # VectorEnv types seed as int | None; SyncVectorEnv takes a list too
        if mask is None:
            self._returns = self._returns * 0.0
            self._prev_done = None
        elif self._prev_done is not None and self._contract is not None:
            xp = self._contract.fast_xp
            self._prev_done = xp.logical_and(self._prev_done, xp.logical_not(mask))
        return result

    def step(self, actions: Act) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs and scale their rewards."""
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        owner = type(self).__name__
        contract = self._contract
        if contract is None:  # checked in full, adopted only once everything passed
            candidate = contract_for(rewards, owner=owner, name="rewards", shape=(self.num_envs,))
            flags = candidate._replace(dtype=None)
        else:
            candidate, flags = contract, self._flags
            if not contract.matches(rewards):
                contract.check(rewards, owner=owner, name="rewards")
        if not flags.matches(terminated):
            flags.check(terminated, owner=owner, name="terminated")
        if not flags.matches(truncated):
            flags.check(truncated, owner=owner, name="truncated")
        if self.check_finite:
            require_finite(rewards, owner=owner, name="rewards", xp=candidate.xp)
        if contract is None:
            contract = self._first_contact(candidate, rewards)
        rewards_in = stop_gradient(rewards)
        xp = contract.fast_xp
        prev_done = self._prev_done
        moments, self._returns = update_returns(
            ReturnState(self._moments, self._returns),
            rewards_in,
            terminated,
            gamma=self.gamma,
            active=None if prev_done is None else xp.logical_not(prev_done),
            update_statistics=self.update_running_mean,
            xp=xp,
        )
        self._moments = moments
        if self._next_step:
            self._prev_done = xp.logical_or(terminated, truncated)
        # scale_reward's arithmetic, with its dtype decision taken once at the first contact
        scale = xp.sqrt(moments.var + self.epsilon)
        if self._scale_dtype is not None:
            scale = xp.astype(scale, self._scale_dtype)
        return observations, rewards / scale, terminated, truncated, infos

    def _first_contact(self, candidate: ArrayContract, rewards: Any) -> ArrayContract:
        dtype = rewards.dtype
        floating = candidate.xp.isdtype(dtype, "real floating")
        contract = self._adopt(candidate)
        statistics = self._moments.mean.dtype
        self._scale_dtype = dtype if floating and dtype != statistics else None
        self._flags = contract._replace(dtype=None)
        return contract
