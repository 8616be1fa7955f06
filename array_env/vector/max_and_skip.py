"""MaxAndSkipObservation for vector envs: ``skip`` lockstep repeats, per-sub-env masks.

Gymnasium has no vector version. A vector env steps all its sub-envs together, so a sub-env
whose episode ends before the last repeat cannot wait for the others: the env's own autoreset
carries it into its next episode for the remaining repeats. The wrapper masks those repeats out
of that sub-env's reward, frames and flags, so each outer step reports what the single wrapper
reports for the episode that ended. What follows differs from the single wrapper, whose next
episode starts fresh after ``reset``; see :class:`MaxAndSkipObservation` for the exact rules.
"""

from __future__ import annotations

from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from array_env.convert import convert_array
from array_env.vector._autoreset import autoreset_mode, reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.max_and_skip import FramePair, check_skip, max_frame, zero_pair

__all__ = ["MaxAndSkipObservation"]

A = TypeVar("A")
Act = TypeVar("Act")


def _rows(mask: Any, frame_ndim: int, *, xp: Any) -> Any:
    """Reshape a ``(num_envs,)`` mask to broadcast over frames."""
    return xp.reshape(mask, (-1,) + (1,) * frame_ndim) if frame_ndim else mask


class MaxAndSkipObservation(VectorWrapper[A, Act, A, Act, A], gym.utils.RecordConstructorArgs):
    """Repeat the actions ``skip`` times; per sub-env, the max of its last two frames.

    The vector twin of :class:`array_env.wrappers.MaxAndSkipObservation`, with masks instead
    of a loop over sub-envs. Per sub-env, an outer step sums the rewards of the repeats up to
    and including the one that ends its episode, keeps the frames of repeats ``skip - 2`` and
    ``skip - 1`` made before that end (earlier frames stay, as in Gymnasium's buffer) and
    returns that end's ``terminated``/``truncated``. Under each autoreset mode:

    * next-step: a sub-env whose previous outer step ended makes its reset step on the first
      repeat; the outer step returns that first observation, reward 0, flags false (the single
      wrapper's ``reset``);
    * same-step: the outer step that ends an episode returns the new episode's first
      observation and puts the max frame in ``info["final_obs"]`` (a stacked array);
    * disabled: ``reset(options={"reset_mask": m})`` resets the sub-envs in ``m``. A finished
      sub-env may not step again before that reset (Gymnasium's vector envs refuse), so the
      repeats stop for every sub-env at the first that ends: one host read per repeat.

    Each outer step up to and including the one that ends a sub-env's episode equals the single
    wrapper on that sub-env (in disabled mode, until any sub-env ends). After it, the sub-env
    equals the single wrapper only if its episodes end on the last repeat and, in next-step
    mode, not even then: the repeats that follow an earlier end (or, in next-step mode, the
    reset step) advance the sub-env's next episode with the actions given, where the single
    wrapper would have waited for ``reset``.

    Args:
        env: The vector environment; its single observation space must have a shape.
        skip: The number of repeats per step, at least 2.

    Raises:
        TypeError: If ``skip`` is not an integer.
        ValueError: If ``skip < 2`` or the observation space has no shape.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")
        >>> envs = MaxAndSkipObservation(envs, skip=3)
        >>> obs, _ = envs.reset(seed=0)
        >>> obs, rewards, terminated, truncated, _ = envs.step(np.array([0, 1]))
        >>> obs.shape, rewards.tolist()
        ((2, 4), [3.0, 3.0])
    """

    def __init__(self, env: VectorEnv[A, Act, A], skip: int = 4) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, skip=skip)
        single = env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        shape = check_skip(single, skip)  # pyright: ignore[reportUnknownArgumentType]
        VectorWrapper.__init__(self, env)
        self._skip = int(skip)
        self._shape = (self.num_envs, *shape)
        self._pair: FramePair = zero_pair(single, (self.num_envs,))  # pyright: ignore[reportUnknownArgumentType]
        self._mode = autoreset_mode(env)
        self._contract: ArrayContract | None = None
        self._started = False
        self._flags: ArrayContract | None = None
        self._pending: Any = None  # next-step mode: sub-envs whose episode ended last step
        self._reset_known: Any = None  # ... and already made their reset step in it
        self._reset_frames: Any = None  # ... whose first observations are these

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[A, dict[str, Any]]:
        """Reset the sub-envs (the kept frames stay, as in Gymnasium)."""
        mask = reset_mask(options)
        observations, infos = self.env.reset(seed=seed, options=options)
        contract = self._check(observations, "observations")
        self._started = True
        if self._pending is not None:
            if mask is None:
                self._pending = None
            else:
                mask = convert_array(mask, xp=contract.xp, device=contract.device)
                xp = contract.fast_xp
                self._pending = xp.logical_and(self._pending, xp.logical_not(mask))
                self._reset_known = xp.logical_and(self._reset_known, xp.logical_not(mask))
        return observations, infos

    def step(self, actions: Act) -> tuple[A, Any, Any, Any, dict[str, Any]]:
        """Repeat the actions ``skip`` times, with per-sub-env masks."""
        if not self._started:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        frame_ndim = len(self._shape) - 1
        older: Any = None
        newer: Any = None
        pending: Any = None  # read after the first check (a pickled copy moves it to the device)
        xp: Any = None
        next_step = self._mode is AutoresetMode.NEXT_STEP
        active: Any = None  # sub-envs whose episode has not ended in this outer step
        total = terminated_out = truncated_out = ended = first_obs = ended_last = None
        final_obs_seen = False
        infos: dict[str, Any] = {}
        for repeat in range(self._skip):
            observations, rewards, terminated, truncated, infos = self.env.step(actions)
            contract = self._check(observations, "observations")
            xp = contract.fast_xp
            flags = self._flags
            assert flags is not None
            for name, value in (("terminated", terminated), ("truncated", truncated)):
                if not flags.matches(value):
                    flags.check(value, owner=type(self).__name__, name=name)
            frames = observations
            if self._mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
                frames = self._final_frames(infos["final_obs"], observations, contract)
                final_obs_seen = True
            done = xp.logical_or(terminated, truncated)
            if repeat == 0:
                pending = self._pending
                older, newer = self._pair
                active = xp.ones_like(done) if pending is None else xp.logical_not(pending)
                total = xp.where(active, rewards, xp.zeros_like(rewards))
                terminated_out, truncated_out = terminated, truncated
                ended = just_ended = xp.logical_and(active, done)
                first_obs = observations
            else:
                total = total + xp.where(active, rewards, xp.zeros_like(rewards))
                terminated_out = xp.where(active, terminated, terminated_out)
                truncated_out = xp.where(active, truncated, truncated_out)
                just_ended = xp.logical_and(active, done)
                # the new episode's first observation: same-step returns it on the ending
                # repeat, next-step on the repeat after (its reset step)
                starts = ended_last if next_step else just_ended
                first_obs = xp.where(_rows(starts, frame_ndim, xp=xp), observations, first_obs)
                ended = xp.logical_or(ended, just_ended)
            ended_last = just_ended
            rows = _rows(active, frame_ndim, xp=xp)
            if repeat == self._skip - 2:
                older = xp.where(rows, frames, older)
            elif repeat == self._skip - 1:
                newer = xp.where(rows, frames, newer)
            active = xp.logical_and(active, xp.logical_not(done))
            if (
                self._mode is AutoresetMode.DISABLED
                and repeat < self._skip - 1
                and bool(xp.any(done))
            ):
                break  # a finished sub-env may not step again before the caller resets it
        self._pair = FramePair(older, newer)
        maxed = max_frame(self._pair, xp=xp)
        out = maxed
        if next_step:
            if pending is not None:
                # sub-envs that ended early made their reset step in the previous outer step
                early = xp.logical_and(pending, self._reset_known)
                first = xp.where(_rows(early, frame_ndim, xp=xp), self._reset_frames, first_obs)
                out = xp.where(_rows(pending, frame_ndim, xp=xp), first, maxed)
            self._pending = ended
            self._reset_known = xp.logical_and(ended, xp.logical_not(ended_last))
            self._reset_frames = first_obs
        elif self._mode is AutoresetMode.SAME_STEP:
            out = xp.where(_rows(ended, frame_ndim, xp=xp), first_obs, maxed)
            if final_obs_seen:  # the last repeat's infos, with this outer step's final frames
                infos = {**infos, "final_obs": maxed, "_final_obs": ended}
        return out, total, terminated_out, truncated_out, infos

    def _check(self, observations: Any, name: str) -> ArrayContract:
        contract = self._contract
        if contract is None:
            space = self.env.single_observation_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            contract = contract_for(
                observations, owner=type(self).__name__, name=name,
                host_dtype=space.dtype, shape=self._shape,
            )  # fmt: skip
            self._pair = FramePair(*(_on_device(zero, contract) for zero in self._pair))
            for name in ("_pending", "_reset_known", "_reset_frames"):  # a copy made by pickle
                if getattr(self, name) is not None:
                    moved = convert_array(
                        getattr(self, name), xp=contract.xp, device=contract.device
                    )
                    setattr(self, name, moved)
            self._flags = contract._replace(dtype=None, shape=(self.num_envs,))
            self._contract = contract
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name=name)
        return contract

    def _final_frames(self, final: Any, observations: Any, contract: ArrayContract) -> Any:
        """The finished episodes' last frames as one batch (observations elsewhere)."""
        if not (compat.is_numpy_array(final) and final.dtype == object):
            contract.check(final, owner=type(self).__name__, name='info["final_obs"]')
            return final
        # Gymnasium's SyncVectorEnv: a host object array, None where no episode finished
        frames = [observations[i] if f is None else f for i, f in enumerate(final)]
        batch = contract.xp.stack(frames)
        contract.check(batch, owner=type(self).__name__, name='info["final_obs"]')
        return batch

    def __getstate__(self) -> dict[str, Any]:
        from array_env.convert import to_namespace

        state = dict(self.__dict__)
        state["_contract"] = state["_flags"] = None
        state["_pair"] = FramePair(*to_namespace(tuple(self._pair), "numpy"))
        for name in ("_pending", "_reset_known", "_reset_frames"):
            state[name] = to_namespace(state[name], "numpy")
        return state


def _on_device(host: np.ndarray, contract: ArrayContract) -> Any:
    moved = convert_array(host, xp=contract.xp, device=contract.device)
    return contract.xp.astype(moved, contract.dtype)
