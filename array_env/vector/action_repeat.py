"""Vector ``StickyAction`` and ``RepeatAction``: twins of :mod:`array_env.wrappers.action_repeat`.

Gymnasium has neither. Both keep each sub-env equal to the single wrapper on it under the three
autoreset modes, which needs each step's ``terminated | truncated`` on the host (one small read
per step; free on NumPy): the sticky decisions are host draws that depend on episode
boundaries, and repeating must stop where an episode ends.
"""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from array_env._namespace import resolve_namespace
from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.action_repeat import (
    advance_sticky,
    check_num_repeats,
    check_sticky_arguments,
    stick_actions,
)

__all__ = ["RepeatAction", "StickyAction"]

Obs = TypeVar("Obs")
A = TypeVar("A")


def host_flags(flags: Any) -> np.ndarray:
    """``flags`` (a boolean array of any namespace) as a host NumPy array."""
    return np.asarray(convert_array(flags, xp=resolve_namespace("numpy")), dtype=bool)


class StickyAction(VectorWrapper[Obs, Any, Obs, Any, A], gym.utils.RecordConstructorArgs):
    """Repeat each sub-env's previous action with probability ``repeat_action_probability``.

    The vector twin of :class:`array_env.wrappers.StickyAction`. Each sub-env keeps its own
    series of repeats (host state: :attr:`is_sticky_actions`, :attr:`num_repeats`,
    :attr:`repeats_taken`, one entry per sub-env) and draws from its own seeded generator when
    the env exposes one per sub-env (``SyncVectorEnv``: the very generators the single wrapper
    would use, so each sub-env equals the single wrapper on it); a vector env with one generator
    is drawn from in sub-env order. The host decisions become one mask, uploaded once per step,
    and the batch is a single ``where`` between the new and the previous actions. A sub-env's
    state is forgotten where its episode ends: at its reset step (next-step autoreset), after
    its finishing step (same-step), or at its partial reset (disabled).

    Args:
        env: The vector environment.
        repeat_action_probability: Probability of starting a series of repeats, in ``[0, 1)``.
        repeat_action_duration: Length of a series: a number, or a ``(low, high)`` range.

    Raises:
        gymnasium.error.InvalidProbability: If the probability is outside ``[0, 1)``.
        gymnasium.error.InvalidBound: If the duration range has ``low > high``.
        ValueError: If the duration is not an int or a pair, or is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = StickyAction(envs, repeat_action_probability=0.9)
        >>> _ = envs.reset(seed=123)
        >>> for actions in ([1, 1], [0, 0], [1, 0]):
        ...     _ = envs.step(np.array(actions))
        >>> envs.last_actions.tolist()
        [1, 0]
    """

    def __init__(
        self,
        env: VectorEnv[Obs, Any, A],
        repeat_action_probability: float,
        repeat_action_duration: int | tuple[int, int] = 1,
    ) -> None:
        duration = check_sticky_arguments(
            type(self).__name__, repeat_action_probability, repeat_action_duration
        )
        gym.utils.RecordConstructorArgs.__init__(
            self,
            repeat_action_probability=repeat_action_probability,
            repeat_action_duration=repeat_action_duration,
        )
        VectorWrapper.__init__(self, env)
        self.repeat_action_probability = repeat_action_probability
        self.repeat_action_duration_range = duration
        self._mode = autoreset_mode(env)
        n = self.num_envs
        self.last_actions: Any = None
        self.has_last_action = np.zeros(n, dtype=bool)
        self.is_sticky_actions = np.zeros(n, dtype=bool)
        self.num_repeats = np.zeros(n, dtype=np.int64)
        self.repeats_taken = np.zeros(n, dtype=np.int64)
        self._pending_reset = np.zeros(n, dtype=bool)
        self._contract: ArrayContract | None = None
        self._own_generators: list[np.random.Generator] | None = None

    def _forget(self, rows: Any) -> None:
        self.has_last_action[rows] = False
        self.is_sticky_actions[rows] = False
        self.num_repeats[rows] = 0
        self.repeats_taken[rows] = 0

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Forget the previous actions of the sub-envs reset (all, or ``options["reset_mask"]``)."""
        mask = reset_mask(options)  # read before the env pops it
        rows = slice(None) if mask is None else host_flags(mask)
        result = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # VectorEnv types seed as int | None; SyncVectorEnv takes a list too
        if mask is None:
            self._check_generators_live(seed)
        self._forget(rows)
        self._pending_reset[rows] = False
        return result

    def _generators(self) -> list[np.random.Generator]:
        if self._own_generators is not None:
            return self._own_generators
        generators: Any = self.env.np_random
        if isinstance(generators, np.random.Generator):
            return [generators] * self.num_envs
        return list(generators)

    def _check_generators_live(self, seed: Any) -> None:
        """Draw from own generators where the env hands out copies of its sub-envs' ones.

        ``AsyncVectorEnv.np_random`` pickles each sub-env's generator across the process
        boundary, so drawing from it would repeat the same numbers forever. There the wrapper
        seeds one generator per sub-env from the reset seed instead (``[seed, index]``).
        """
        first: Any = self.env.np_random
        if isinstance(first, np.random.Generator):
            self._own_generators = None
            return
        second: Any = self.env.np_random
        if all(a is b for a, b in zip(first, second, strict=True)):
            self._own_generators = None
        elif seed is not None or self._own_generators is None:
            given: Any = seed
            seeds: list[Any] = list(given) if isinstance(seed, list) else [given] * self.num_envs
            self._own_generators = [
                np.random.default_rng(None if s is None else [s, i]) for i, s in enumerate(seeds)
            ]

    def actions(self, actions: Any) -> Any:
        """Return the actions the sub-envs receive (new ones, or previous ones repeated)."""
        contract = self._contract
        if contract is None:
            contract = contract_for(
                actions, owner=type(self).__name__, name="actions", shape=tuple(actions.shape)
            )
            contract = contract._replace(dtype=actions.dtype)
            if self.last_actions is not None:  # a copy's previous actions travelled on the host
                previous = convert_array(self.last_actions, xp=contract.xp, device=contract.device)
                contract.check(previous, owner=type(self).__name__, name="previous actions")
                self.last_actions = previous
        elif not contract.matches(actions):
            contract.check(actions, owner=type(self).__name__, name="actions")
        # a next-step reset step is the single wrapper's reset: no draw, no previous action
        self._forget(self._pending_reset)
        use_last = np.zeros(self.num_envs, dtype=bool)
        candidates = self.has_last_action | self.is_sticky_actions
        generators = self._generators() if candidates.any() else []
        for i in np.flatnonzero(candidates).tolist():
            step = advance_sticky(
                bool(self.is_sticky_actions[i]),
                int(self.num_repeats[i]),
                int(self.repeats_taken[i]),
                bool(self.has_last_action[i]),
                rng=generators[i],
                probability=self.repeat_action_probability,
                duration=self.repeat_action_duration_range,
            )
            use_last[i] = step.use_last
            self.is_sticky_actions[i], self.num_repeats[i], self.repeats_taken[i] = step[1:]
        self._contract = contract
        if use_last.any():
            mask = convert_array(use_last, xp=contract.xp, device=contract.device)
            actions = stick_actions(self.last_actions, actions, mask, xp=contract.fast_xp)
        self.last_actions = actions
        self.has_last_action = ~self._pending_reset
        return actions

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs with new or repeated actions, then note which episodes ended."""
        result = self.env.step(self.actions(actions))
        done = host_flags(result[2]) | host_flags(result[3])
        if self._mode is AutoresetMode.NEXT_STEP:
            self._pending_reset = done
        elif self._mode is AutoresetMode.SAME_STEP:
            self._forget(done)  # the finishing step is followed by the single wrapper's reset
        return result

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = None
        state["last_actions"] = (
            None
            if self.last_actions is None
            else convert_array(self.last_actions, xp=resolve_namespace("numpy"))
        )
        return state


class RepeatAction(VectorWrapper[Obs, Any, Obs, Any, A], gym.utils.RecordConstructorArgs):
    """Repeat each batch of actions up to ``num_repeats`` times, summing the rewards.

    The vector twin of :class:`array_env.wrappers.RepeatAction`. A vector env steps all its
    sub-envs together and cannot pause one whose episode ended, so a wrapper step stops after
    the inner step where *any* sub-env's episode ends, and (next-step autoreset) after a step
    that resets a sub-env; otherwise it runs ``num_repeats`` inner steps. Every sub-env thus
    sees exactly the inner steps the batch took, its episode boundaries fall on wrapper steps
    as the autoreset mode requires, and a sub-env alone (or with sub-envs whose episodes end
    together) equals the single wrapper. Rewards are summed in their namespace on their device.

    Args:
        env: The vector environment.
        num_repeats: How many times each batch is applied at most, at least 1.

    Raises:
        TypeError: If ``num_repeats`` is not an integer.
        ValueError: If ``num_repeats`` is below 1.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = RepeatAction(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), 4)
        >>> _ = envs.reset(seed=123)
        >>> envs.step(np.array([1, 0]))[1].tolist()
        [4.0, 4.0]
    """

    def __init__(self, env: VectorEnv[Obs, Any, A], num_repeats: int) -> None:
        repeats = check_num_repeats(type(self).__name__, num_repeats)
        gym.utils.RecordConstructorArgs.__init__(self, num_repeats=num_repeats)
        VectorWrapper.__init__(self, env)
        self.num_repeats = repeats
        self._mode = autoreset_mode(env)
        self._pending_reset = False

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the sub-envs (a full reset clears any pending reset step)."""
        if reset_mask(options) is None:
            self._pending_reset = False
        return self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs up to ``num_repeats`` times with ``actions``; sum the rewards."""
        resets_now = self._mode is AutoresetMode.NEXT_STEP and self._pending_reset
        total: Any
        observation, total, terminated, truncated, info = self.env.step(actions)
        done = bool((host_flags(terminated) | host_flags(truncated)).any())
        for _ in range(self.num_repeats - 1):
            if done or resets_now:
                break
            observation, reward, terminated, truncated, info = self.env.step(actions)
            total = total + reward
            done = bool((host_flags(terminated) | host_flags(truncated)).any())
        self._pending_reset = done
        return observation, total, terminated, truncated, info
