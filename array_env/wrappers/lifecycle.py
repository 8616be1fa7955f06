"""Lifecycle wrappers: time limits, autoreset, order enforcing and the passive API checker.

Gymnasium 1.x's ``TimeLimit``, ``Autoreset``, ``PassiveEnvChecker`` and ``OrderEnforcing`` with
the same names, constructor signatures, public attributes, ``spec`` handling and exception
types, so ``gym.make``-style stacks can be built from them. They keep the env's outputs as they
are: arrays stay arrays of the env's namespace and device, Python scalars stay Python scalars.
:class:`array_env.vector.TimeLimit` is the vector twin of :class:`TimeLimit` (Gymnasium has
none); the other three are single-env only, as in Gymnasium.
"""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
from gymnasium.error import ResetNeeded

from array_env.core import Wrapper
from array_env.wrappers._passive_checks import (
    check_render,
    check_reset,
    check_space,
    check_step,
    warn_on_shared_data,
)

if TYPE_CHECKING:
    from gymnasium.envs.registration import EnvSpec

__all__ = [
    "Autoreset",
    "OrderEnforcing",
    "PassiveEnvChecker",
    "TimeLimit",
    "check_max_episode_steps",
    "count_step",
]

Obs = TypeVar("Obs")
Act = TypeVar("Act")
N = TypeVar("N")


def count_step(elapsed: N, *, max_episode_steps: int) -> tuple[N, N]:
    """Advance a step count by one; return ``(elapsed + 1, elapsed + 1 >= max_episode_steps)``.

    Pure arithmetic: a Python int (the single wrapper's count, inlined in its step) or an integer
    array of any namespace (the vector wrapper's per-sub-env counts on their device), jit-safe.

    Examples:
        >>> count_step(2, max_episode_steps=3)
        (3, True)
    """
    counted: Any = elapsed
    counted = counted + 1
    return counted, counted >= max_episode_steps


def _truncated_now(flag: Any) -> Any:
    """The ``truncated`` flag of the step that reaches the limit: true, in the flag's own kind.

    An array stays one, of its namespace and device (NumPy's ``| True`` would give a NumPy
    scalar); anything else becomes ``True``, as in Gymnasium.
    """
    if flag is False or flag is True:
        return True
    return compat.array_namespace(flag).ones_like(flag) if compat.is_array_api_obj(flag) else True


def check_max_episode_steps(owner: str, max_episode_steps: object) -> int:
    """Return ``max_episode_steps`` if it is a positive int; raise as Gymnasium's TimeLimit does.

    Raises:
        TypeError: If it is not an ``int`` (NumPy integers included, as in Gymnasium).
        ValueError: If it is not positive.
    """
    if not isinstance(max_episode_steps, int):
        raise TypeError(
            f"{owner}: Expect the `max_episode_steps` to be an integer, actually: "
            f"{type(max_episode_steps)} ({max_episode_steps!r})"
        )
    if max_episode_steps <= 0:
        raise ValueError(
            f"{owner}: Expect the `max_episode_steps` to be positive, actually: {max_episode_steps}"
        )
    return max_episode_steps


def _spec_with(wrapper: gym.Wrapper[Any, Any, Any, Any], **changes: Any) -> EnvSpec | None:
    """The inner env's spec with ``changes`` applied, cached as Gymnasium's wrappers cache it."""
    if wrapper._cached_spec is not None:  # pyright: ignore[reportPrivateUsage]
        return wrapper._cached_spec  # pyright: ignore[reportPrivateUsage]
    env_spec = wrapper.env.spec
    if env_spec is not None:
        try:
            env_spec = deepcopy(env_spec)
            for name, value in changes.items():
                setattr(env_spec, name, value)
        except Exception as e:
            gym.logger.warn(
                f"An exception occurred ({e}) while copying the environment spec={env_spec}"
            )
            return None
    wrapper._cached_spec = env_spec  # pyright: ignore[reportPrivateUsage]
    return env_spec


class TimeLimit(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Truncate an episode once it has run ``max_episode_steps`` steps.

    The step that brings the count to ``max_episode_steps`` returns ``truncated`` true, as in
    Gymnasium. The count is a host int (:attr:`_elapsed_steps`), so nothing is read from the
    device; a ``truncated`` that the env returns as an array stays an array of its namespace and
    device (all true on the last step), a Python bool stays a Python bool. :attr:`spec`
    is the inner env's spec with ``max_episode_steps`` set. The vector twin is
    :class:`array_env.vector.TimeLimit`.

    Args:
        env: The environment.
        max_episode_steps: The step after which the episode is truncated, a positive int.

    Raises:
        TypeError: If ``max_episode_steps`` is not an int.
        ValueError: If ``max_episode_steps`` is not positive.
        gymnasium.error.ResetNeeded: From :meth:`step` before the first :meth:`reset` (Gymnasium
            fails there with a ``TypeError`` after stepping the env; this changes nothing).

    Examples:
        >>> import gymnasium as gym
        >>> env = TimeLimit(gym.make("CartPole-v1").unwrapped, max_episode_steps=2)
        >>> _ = env.reset(seed=0)
        >>> [env.step(0)[3] for _ in range(2)]
        [False, True]
        >>> env.spec.max_episode_steps, env._max_episode_steps
        (2, 2)
    """

    def __init__(self, env: gym.Env[Obs, Act], max_episode_steps: int) -> None:
        check_max_episode_steps(type(self).__name__, max_episode_steps)
        gym.utils.RecordConstructorArgs.__init__(self, max_episode_steps=max_episode_steps)
        super().__init__(env)
        self._max_episode_steps = max_episode_steps
        self._elapsed_steps: int | None = None

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env; truncate once the episode has run ``max_episode_steps`` steps."""
        # count_step on the host int, inlined (one Python call fewer per step); counted before
        # the env steps, stored after (an env that raises leaves the count as it was)
        counted: Any = self._elapsed_steps  # None before the first reset
        try:
            elapsed: int = counted + 1
        except TypeError:
            raise ResetNeeded(
                f"{type(self).__name__}: Cannot call env.step() before calling env.reset()"
            ) from None
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._elapsed_steps = elapsed
        if elapsed >= self._max_episode_steps:
            return observation, reward, terminated, _truncated_now(truncated), info
        return observation, reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env and the step count."""
        result = self.env.reset(seed=seed, options=options)
        self._elapsed_steps = 0
        return result

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The inner env's spec with ``max_episode_steps`` set to this wrapper's."""
        return _spec_with(self, max_episode_steps=self._max_episode_steps)


class Autoreset(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Reset the env automatically on the step after an episode ends (next-step autoreset).

    As Gymnasium's: the step after ``terminated or truncated`` ignores its action, resets the env
    and returns the new first observation with reward 0 and both flags false; :attr:`autoreset`
    says whether the next step will do that. Where the env returns arrays, the reset step's
    reward and flags are zero arrays of the same namespace, device and dtype; whether the episode
    ended is read on the host, as a single env's caller does anyway. Single-env only, as in
    Gymnasium (vector envs autoreset by themselves).

    Args:
        env: The environment.

    Raises:
        gymnasium.error.ResetNeeded: From :meth:`step` before the first :meth:`reset`.

    Examples:
        >>> import gymnasium as gym
        >>> env = Autoreset(gym.make("CartPole-v1"))
        >>> _ = env.reset(seed=0)
        >>> ends = []
        >>> while len(ends) < 2:
        ...     obs, reward, terminated, truncated, _ = env.step(1)
        ...     if env.autoreset:
        ...         ends.append(terminated)
        >>> ends, env.step(1)[1:4]
        ([True, True], (0.0, False, False))
    """

    def __init__(self, env: gym.Env[Obs, Act]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        self._has_reset = False
        self._autoreset = False
        # Whether the next step is an ordinary one (reset done, no episode end pending): the
        # one flag the step path reads, kept in line with the two by their setters.
        self._ordinary = False
        self._zeros: tuple[Any, Any, Any] = (0.0, False, False)

    @property
    def autoreset(self) -> bool:
        """Whether the next :meth:`step` resets the env (the last one ended an episode)."""
        return self._autoreset

    @autoreset.setter
    def autoreset(self, value: bool) -> None:
        self._autoreset = value
        self._ordinary = self._has_reset and not value

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env; the next step is an ordinary step."""
        result = self.env.reset(seed=seed, options=options)
        self._has_reset = True
        self.autoreset = False
        return result

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env, or reset it if the previous step ended an episode."""
        if not self._ordinary:
            return self._reset_step()
        observation, reward, terminated, truncated, info = self.env.step(action)
        if terminated is False and truncated is False:  # Python flags, the episode goes on
            return observation, reward, terminated, truncated, info
        if not (bool(terminated) or bool(truncated)):
            return observation, reward, terminated, truncated, info
        self._autoreset, self._ordinary = True, False  # the setter's work, without its call
        # array rewards get zeros of their kind for the reset step (a float is no array: no call)
        if type(reward) is not float and compat.is_array_api_obj(reward):
            outputs: tuple[Any, Any, Any] = (reward, terminated, truncated)
            xp = compat.array_namespace(reward)
            self._zeros = (
                xp.zeros_like(outputs[0]), xp.zeros_like(outputs[1]), xp.zeros_like(outputs[2])
            )  # fmt: skip
        return observation, reward, terminated, truncated, info

    def _reset_step(self) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """The step after an episode ended: reset the env, return zero reward and flags."""
        if not self._has_reset:
            raise ResetNeeded(
                f"{type(self).__name__}: Cannot call env.step() before calling env.reset()"
            )
        observation, info = self.env.reset()
        reward, terminated, truncated = self._zeros
        self._autoreset, self._ordinary = False, True  # the setter's work (a reset came first)
        return observation, reward, terminated, truncated, info


class OrderEnforcing(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Raise :class:`gymnasium.error.ResetNeeded` on ``step`` or ``render`` before ``reset``.

    As Gymnasium's: :attr:`has_reset` says whether the env was reset, ``render`` before
    ``reset`` is allowed with ``disable_render_order_enforcing=True``, and :attr:`spec` is the
    inner env's spec with ``order_enforce=True``. Messages keep Gymnasium's wording, prefixed
    with the wrapper's name. Single-env only, as in Gymnasium.

    Args:
        env: The environment.
        disable_render_order_enforcing: Allow ``render`` before the first ``reset``.

    Examples:
        >>> import gymnasium as gym
        >>> env = OrderEnforcing(gym.make("CartPole-v1").unwrapped)
        >>> env.step(0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        gymnasium.error.ResetNeeded: OrderEnforcing: Cannot call env.step() before ...
        >>> _ = env.reset(seed=0)
        >>> env.has_reset
        True
    """

    def __init__(
        self, env: gym.Env[Obs, Act], disable_render_order_enforcing: bool = False
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, disable_render_order_enforcing=disable_render_order_enforcing
        )
        super().__init__(env)
        self._has_reset = False
        self._disable_render_order_enforcing = disable_render_order_enforcing

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env, which must have been reset."""
        if not self._has_reset:
            raise ResetNeeded(
                f"{type(self).__name__}: Cannot call env.step() before calling env.reset()"
            )
        return self.env.step(action)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env."""
        result = self.env.reset(seed=seed, options=options)
        self._has_reset = True
        return result

    def render(self) -> Any:
        """Render the env, which must have been reset unless render order is not enforced."""
        if not self._disable_render_order_enforcing and not self._has_reset:
            raise ResetNeeded(
                f"{type(self).__name__}: Cannot call `env.render()` before calling `env.reset()`, "
                "if this is an intended action, set `disable_render_order_enforcing=True` on the "
                "OrderEnforcer wrapper."
            )
        return self.env.render()

    @property
    def has_reset(self) -> bool:
        """Whether the env has been reset."""
        return self._has_reset

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The inner env's spec with ``order_enforce=True``."""
        return _spec_with(self, order_enforce=True)


class PassiveEnvChecker(Wrapper[Obs, Act, Obs, Act], gym.utils.RecordConstructorArgs):
    """Check the env's spaces, first reset, first steps and first render against Gymnasium's API.

    The checks and their warnings are Gymnasium's (same wording; errors are prefixed with the
    wrapper's name), but observations, rewards and flags may be arrays of any namespace and
    device: dtypes, shapes and bounds are checked with the array's own namespace, on its device
    (one host read of each verdict). Only the first reset, the first two steps (for data reuse)
    and the first render are checked; after that each call is one attribute test. :attr:`spec`
    is the inner env's spec with ``disable_env_checker=False``. Single-env only, as in Gymnasium.

    Args:
        env: The environment.

    Raises:
        TypeError: If ``env`` is not a ``gymnasium.Env`` or a space is not a Gymnasium space.
        AttributeError: If the env has no action or observation space.
        AssertionError: If a space or a first output breaks Gymnasium's API.

    Examples:
        >>> import warnings
        >>> from array_env.envs.cartpole import CartPoleEnv
        >>> env = PassiveEnvChecker(CartPoleEnv(xp="array_api_strict"))
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("error")
        ...     obs, _ = env.reset(seed=0)
        ...     _ = env.step(obs.__array_namespace__().asarray(1))
        >>> env.checked_reset, env.checked_step
        (True, True)
    """

    def __init__(self, env: gym.Env[Obs, Act]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env)
        owner = type(self).__name__
        if not isinstance(env, gym.Env):  # pyright: ignore[reportUnnecessaryIsInstance]
            if str(env.__class__.__base__) == "<class 'gym.core.Env'>":
                raise TypeError(
                    f"{owner}: Gym is incompatible with Gymnasium, please update the environment "
                    "class to `gymnasium.Env`. See "
                    "https://gymnasium.farama.org/introduction/create_custom_env/ for more info."
                )
            raise TypeError(
                f"{owner}: The environment must inherit from the gymnasium.Env class, actual "
                f"class: {type(env)}. See "
                "https://gymnasium.farama.org/introduction/create_custom_env/ for more info."
            )
        for kind in ("action", "observation"):
            if not hasattr(env, f"{kind}_space"):
                raise AttributeError(
                    f"{owner}: The environment must specify an {kind} space. "
                    "https://gymnasium.farama.org/introduction/create_custom_env/"
                )
            check_space(getattr(env, f"{kind}_space"), kind, owner=owner)
        self.checked_reset = False
        self.checked_step = False
        self.checked_render = False
        self.close_called = False
        self.checked_data_reuse = False
        self._previous_data: tuple[Any, dict[str, Any]] | None = None

    def step(self, action: Act) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Step the env; check the first step's outputs, and data reuse over the first two."""
        if self.checked_data_reuse:
            return self.env.step(action)
        result = self.env.step(action)
        if not self.checked_step:
            self.checked_step = True
            check_step(self.env, result, owner=type(self).__name__)
            previous_source = "reset"
        else:
            self.checked_data_reuse = True
            previous_source = "step"
        obs, _, _, _, info = result  # an old 4-tuple fails here, as in Gymnasium
        if self._previous_data is not None:
            warn_on_shared_data(self._previous_data, (obs, info), previous_source, "step")
        self._previous_data = None if self.checked_data_reuse else (obs, info)
        return result

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """Reset the env; check the first reset's signature and outputs."""
        if self.checked_reset:
            return self.env.reset(seed=seed, options=options)
        self.checked_reset = True
        result = check_reset(self.env, owner=type(self).__name__, seed=seed, options=options)
        self._previous_data = result
        return result  # type: ignore[no-any-return]

    def render(self) -> Any:
        """Render the env; check the render metadata and the first frame."""
        if self.checked_render:
            return self.env.render()
        self.checked_render = True
        return check_render(self.env, owner=type(self).__name__)

    def close(self) -> None:
        """Close the env; warn if closing an already closed env raises."""
        if not self.close_called:
            self.close_called = True
            return self.env.close()
        try:
            return self.env.close()
        except Exception:
            gym.logger.warn(
                "Calling `env.close()` on the closed environment should be allowed, but it "
                "raised the following exception."
            )
            raise

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The inner env's spec with ``disable_env_checker=False``."""
        return _spec_with(self, disable_env_checker=False)
