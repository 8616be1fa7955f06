"""AtariPreprocessing for vector envs: lockstep frame skip with per-sub-env masks.

Gymnasium has only the single wrapper. A vector env steps all its sub-envs together, so the
frame-skip loop repeats the batched action on the whole vector env and keeps, per sub-env, the
reward sum, flags and the two frames the single wrapper would keep, with masks instead of a
``break``. The image work (greyscale, max-pool, resize, scale) is the single wrapper's
:func:`~array_env.wrappers.atari.frame_processor` on the whole batch; the per-repeat
bookkeeping is the pure core :func:`skip_repeat`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import gymnasium as gym
import numpy as np
from gymnasium.spaces import Box
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from array_env._ops.resize import resize_plan
from array_env.convert import convert_array
from array_env.typing import Namespace
from array_env.vector._autoreset import autoreset_mode, checked_reset_mask
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers.atari import (
    ale_grey,
    atari_space,
    check_atari_arguments,
    frame_processor,
    grey_weights,
)

__all__ = ["AtariPreprocessing", "SkipState", "select_rows", "skip_repeat"]

Act = TypeVar("Act")

KEEP_NONE, KEEP_PREVIOUS, KEEP_LATEST = 0, 1, 2
"""Which frame a repeat stores: none, the one before the last (``skip - 2``), the last."""


class SkipState(NamedTuple):
    """What one outer step has gathered so far, per sub-env (leading axis ``num_envs``)."""

    active: Any
    """bool: the sub-env's episode (as the wrapper reports it) has not ended in this step."""
    total: Any
    """The rewards of its active repeats, summed."""
    terminated: Any
    """bool: ``terminated`` of its last active repeat (a life loss counts when asked)."""
    truncated: Any
    """bool: ``truncated`` of its last active repeat."""
    env_ended: Any
    """bool: the env's own episode ended on an active repeat (the env autoresets it)."""
    latest: Any
    """The frame of repeat ``skip - 1`` (or the one kept from before)."""
    previous: Any
    """The frame of repeat ``skip - 2`` (or the one kept from before)."""
    lives: Any
    """The lives after the last repeat (``info["lives"]``)."""


def skip_repeat(
    state: SkipState, rewards: Any, terminated: Any, truncated: Any, frames: Any, lives: Any,
    *, keep: int, life_loss: bool, xp: Namespace[Any],
) -> SkipState:  # fmt: skip
    """Fold one repeat of the vector env into ``state``: the single wrapper's loop body, masked.

    A sub-env takes the repeat's reward and flags while ``active``; a life loss (``lives`` below
    the previous repeat's) terminates it when ``life_loss``; it stores the repeat's frame in the
    slot ``keep`` names only if the repeat did not end it (the single wrapper breaks first), and
    is inactive from the repeat that ends it on.

    Examples:
        >>> import numpy as np
        >>> zeros = np.zeros((2, 1, 1), np.uint8)
        >>> state = SkipState(np.array([True, True]), np.zeros(2), np.zeros(2, bool),
        ...                   np.zeros(2, bool), np.zeros(2, bool), zeros, zeros, np.array([3, 3]))
        >>> state = skip_repeat(state, np.array([1.0, 2.0]), np.array([False, True]),
        ...                     np.zeros(2, bool), np.full((2, 1, 1), 9, np.uint8),
        ...                     np.array([3, 3]), keep=KEEP_LATEST, life_loss=False, xp=np)
        >>> state.total.tolist(), state.active.tolist(), state.latest.ravel().tolist()
        ([1.0, 2.0], [True, False], [9, 0])
    """
    active = state.active
    env_done = xp.logical_or(terminated, truncated)
    if life_loss:
        lost = xp.logical_and(active, lives < state.lives)
        ended_here = xp.logical_or(terminated, lost)
        stops = xp.logical_or(ended_here, truncated)
        lives_now = lives
    else:
        ended_here, stops, lives_now = terminated, env_done, state.lives
    total = xp.where(active, state.total + rewards, state.total)
    terminated_out = xp.where(active, ended_here, state.terminated)
    truncated_out = xp.where(active, truncated, state.truncated)
    env_ended = xp.logical_or(state.env_ended, xp.logical_and(active, env_done))
    still = xp.logical_and(active, xp.logical_not(stops))
    latest, previous = state.latest, state.previous
    if keep == KEEP_PREVIOUS:
        previous = select_rows(still, frames, previous, xp=xp)
    elif keep == KEEP_LATEST:
        latest = select_rows(still, frames, latest, xp=xp)
    return SkipState(
        still, total, terminated_out, truncated_out, env_ended, latest, previous, lives_now
    )


def select_rows(mask: Any, new: Any, old: Any, *, xp: Namespace[Any]) -> Any:
    """Per sub-env (leading axis), ``new`` where ``mask`` else ``old``.

    uint8 frames are blended with a bit mask of all ones or all zeros per sub-env, ``old ^
    ((new ^ old) & bits)``: NumPy's ``where`` on uint8 frames is slow (8 Atari frames: 114 µs,
    the three bitwise passes 24 µs). Other dtypes use ``where``.

    Examples:
        >>> import numpy as np
        >>> new, old = np.full((2, 3), 7, np.uint8), np.full((2, 3), 200, np.uint8)
        >>> select_rows(np.array([True, False]), new, old, xp=np).tolist()
        [[7, 7, 7], [200, 200, 200]]
    """
    rows = xp.reshape(mask, (-1,) + (1,) * (new.ndim - 1))
    if new.dtype != xp.uint8 or old.dtype != xp.uint8:
        return xp.where(rows, new, old)
    bits = xp.astype(rows, xp.uint8) * 255
    blend = new ^ old  # one new array, then in place: few large temporaries
    blend &= bits
    blend ^= old
    return blend


class _SubEnvProbe:
    """What ``check_atari_arguments`` reads of an ALE env, answered for the sub-envs."""

    def __init__(self, frameskip: Any, meanings: Any) -> None:
        self._frameskip = frameskip
        self._meanings = meanings

    @property
    def unwrapped(self) -> _SubEnvProbe:
        return self

    def get_action_meanings(self) -> list[str]:
        meanings: list[str] = self._meanings()
        return meanings


def _probe(env: VectorEnv[Any, Any, Any]) -> _SubEnvProbe:
    """The sub-envs' frame skip and action meanings, from any vector env of ALE games."""
    base: Any = env.unwrapped
    subs = getattr(base, "envs", None)
    if subs is not None:  # SyncVectorEnv
        skips = sorted({getattr(e.unwrapped, "_frameskip", None) for e in subs}, key=str)
        return _SubEnvProbe(
            skips[0] if len(skips) == 1 else skips, lambda: subs[0].unwrapped.get_action_meanings()
        )
    if isinstance(base, gym.vector.AsyncVectorEnv):
        skips = sorted(set(base.get_attr("_frameskip")), key=str)
        return _SubEnvProbe(
            skips[0] if len(skips) == 1 else skips,
            lambda: base.call("get_action_meanings")[0],
        )
    ale = getattr(base, "ale", None)
    if ale is not None and hasattr(ale, "get_action_set") and not hasattr(base, "_frameskip"):
        # ale-py's AtariVectorEnv keeps its frame skip in C++ and does not expose it: it is
        # taken as configured (frameskip=1); its observation space is checked instead
        return _SubEnvProbe(1, lambda: [action.name for action in ale.get_action_set()])
    return _SubEnvProbe(
        getattr(base, "_frameskip", None), lambda: base.get_action_meanings()
    )  # a vector env of its own, exposing what a single ALE env does


def _frame_space(owner: str, space: Any) -> tuple[Any, bool]:
    """The single frame space, and whether the env's frames carry a stack axis of one.

    ale-py's ``AtariVectorEnv(stack_num=1)`` hands out ``(1, H, W)`` or ``(1, H, W, 3)``.
    """
    if not isinstance(space, Box):
        raise TypeError(f"{owner} requires a Box observation space, got {type(space)}")
    shape: tuple[int, ...] = space.shape
    stacked = shape[:1] == (1,) and (len(shape) == 4 or (len(shape) == 3 and shape[-1] != 3))
    if stacked:
        return Box(0, 255, shape[1:], np.uint8), True
    return cast("Any", space), False


class AtariPreprocessing(VectorWrapper[Any, Act, Any, Act, Any], gym.utils.RecordConstructorArgs):
    """Gymnasium's Atari 2600 preprocessing on a vector env of ALE games, with masks.

    The vector twin of :class:`array_env.wrappers.AtariPreprocessing`, same parameters, checks
    and observation space (per sub-env). Each step repeats the batched action ``frame_skip``
    times on the whole vector env; per sub-env it sums the rewards of the repeats up to and
    including the one that ends its episode, keeps the frames of repeats ``frame_skip - 2`` and
    ``frame_skip - 1`` made before that end (earlier frames stay, as in Gymnasium's buffer),
    returns that end's flags, and max-pools, greys (the ALE's palette), resizes and scales the
    whole batch on the frames' namespace and device. With ``terminal_on_life_loss``, a life
    loss is read from ``info["lives"]`` (ALE envs report it) and terminates the sub-env's
    episode as the wrapper reports it; the env's own game goes on (a vector env cannot reset
    one sub-env inside a step), so no autoreset follows it, except in disabled mode where the
    caller resets it as Gymnasium's user would.

    A sub-env whose episode ends before the last repeat cannot be held back: the env's
    autoreset carries it into its next episode for the remaining repeats, whose rewards, flags
    and frames are masked out. Under each autoreset mode:

    * next-step: the outer step after an episode end returns the new episode's first frame as
      the single wrapper's ``reset`` does (max-pooled with zeros), reward 0, flags false; the
      env's reset step is a repeat of the ending outer step (when the end came early) or the
      first repeat of this one, and the other repeats advance the new episode;
    * same-step: the outer step that ends an episode returns the new episode's first frame,
      processed as ``reset`` does, and the finished episode's observation in
      ``info["final_obs"]`` (masked by ``info["_final_obs"]``); the repeats after the end
      advance the new episode;
    * disabled: the repeats stop for every sub-env at the first that ends (a finished sub-env
      may not step again; one host read per repeat), and ``reset(options={"reset_mask": m})``
      resets the sub-envs in ``m`` (others keep their observation).

    So each outer step up to and including a sub-env's episode end equals Gymnasium's single
    wrapper on it; after an end on repeat ``r``, it equals Gymnasium's single wrapper whose env
    also took the remaining ``frame_skip - 1 - r`` frames (next-step mode: less the reset step)
    with the same action. Infos are the last repeat's. An episode shorter than the masked
    repeats that follow an end (next-step mode: also the outer step of the reset) would start
    and end unseen; no ALE game ends that fast.

    No-ops: a full ``reset`` draws each sub-env's count in ``[1, noop_max]`` from its own
    ``np_random`` where the vector env exposes its sub-envs (``SyncVectorEnv``, as Gymnasium's
    single wrapper draws), else from a generator seeded by ``reset(seed=...)``; the vector env
    then takes the largest count of NOOP steps. A sub-env's reset observation is its frame
    after its own count (later no-op frames are masked out), but its game has advanced the
    batch maximum. Episodes reset by autoreset, or by a partial ``reset`` (disabled mode), take
    no no-ops: no vector env can step one sub-env alone. With ``noop_max=0`` (or one sub-env)
    none of this differs from Gymnasium.

    Envs: a Gymnasium vector env of ALE games made with ``frameskip=1`` (e.g.
    ``gym.make_vec("ALE/Pong-v5", n, vectorization_mode="sync", frameskip=1)``; every sub-env's
    frame skip is checked), or ale-py's ``AtariVectorEnv(game, n, frameskip=1, stack_num=1,
    img_height=210, img_width=160, grayscale=False, maxpool=False, noop_max=0,
    reward_clipping=False, use_fire_reset=False)``, whose frames (a stack axis of one) equal
    the Gymnasium env's; it does not expose its frame skip, so that one cannot be checked
    there. Frames may be converted to torch or JAX at the edge
    (:class:`array_env.vector.NumpyToTorch`), infos included.

    Args:
        env: The vector env of ALE games, each with ``frameskip=1``.
        noop_max: The most no-ops after a full reset (0 turns them off).
        frame_skip: Frames per step (at least 1).
        screen_size: The output side, or ``(width, height)``.
        terminal_on_life_loss: ``terminated`` when a life is lost.
        grayscale_obs: Greyscale observations instead of RGB.
        grayscale_newaxis: Keep a channel axis of 1 for greyscale observations.
        scale_obs: float32 observations in ``[0, 1]``.

    Raises:
        ValueError: For a non-positive ``frame_skip`` or ``screen_size``, a negative
            ``noop_max``, sub-envs with their own frame skip, or no ``NOOP`` action.
        TypeError: If the observation space is not a Box.

    Examples:
        >>> import gymnasium as gym
        >>> import ale_py
        >>> import numpy as np
        >>> gym.register_envs(ale_py)
        >>> envs = gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1)
        >>> envs = AtariPreprocessing(envs, noop_max=0)
        >>> obs, _ = envs.reset(seed=0)
        >>> obs, rewards, terminated, truncated, _ = envs.step(np.array([0, 1]))
        >>> obs.shape, obs.dtype, rewards.tolist()
        ((2, 84, 84), dtype('uint8'), [0.0, 0.0])
    """

    def __init__(
        self,
        env: VectorEnv[Any, Act, Any],
        noop_max: int = 30,
        frame_skip: int = 4,
        screen_size: int | tuple[int, int] = 84,
        terminal_on_life_loss: bool = False,
        grayscale_obs: bool = True,
        grayscale_newaxis: bool = False,
        scale_obs: bool = False,
    ) -> None:
        owner = type(self).__name__
        size = check_atari_arguments(owner, _probe(env), noop_max, frame_skip, screen_size)
        frames, stacked = _frame_space(owner, env.single_observation_space)  # pyright: ignore[reportUnknownMemberType]
        space = atari_space(
            owner, frames, size, grayscale=grayscale_obs, newaxis=grayscale_newaxis,
            scale=scale_obs,
        )  # fmt: skip
        gym.utils.RecordConstructorArgs.__init__(
            self, noop_max=noop_max, frame_skip=frame_skip, screen_size=screen_size,
            terminal_on_life_loss=terminal_on_life_loss, grayscale_obs=grayscale_obs,
            grayscale_newaxis=grayscale_newaxis, scale_obs=scale_obs,
        )  # fmt: skip
        VectorWrapper.__init__(self, env)
        self.single_observation_space = space
        self.observation_space = batch_space(space, self.num_envs)
        self.noop_max = noop_max
        self.frame_skip = frame_skip
        self.screen_size: tuple[int, int] = size
        self.terminal_on_life_loss = terminal_on_life_loss
        self.grayscale_obs = grayscale_obs
        self.grayscale_newaxis = grayscale_newaxis
        self.scale_obs = scale_obs
        self._stacked = stacked
        source: tuple[int, ...] = tuple(env.single_observation_space.shape or ())  # pyright: ignore[reportUnknownMemberType]
        self._source_shape = (self.num_envs, *source)
        self._convert_grey = grayscale_obs and len(frames.shape) == 3
        self._mode = autoreset_mode(env)
        self._noop_rng: np.random.Generator | None = None
        self._contract: ArrayContract | None = None
        self._flags: ArrayContract | None = None
        self._process: Callable[[Any, Any], tuple[Any, Any]] | None = None
        self._weights: Any = None
        # per-sub-env state (arrays of the frames' namespace once started)
        self._latest: Any = None  # the latest frame (pooled once observed), Gymnasium's buffer[0]
        self._previous: Any = None  # the frame before it, buffer[1]
        self._lives: Any = None  # info["lives"] after the last vector step
        self._done_last: Any = None  # the env's episode ended on the last vector step
        self._pending: Any = None  # next-step: the episode ended in the last outer step
        self._first: Any = None  # the new episodes' first (raw) frames, caught on their reset step

    # --- first contact and checks -------------------------------------------------------

    def _frames(self, observations: Any, name: str = "observations") -> Any:
        """Check one batch of emulator frames (fixing the contract first); drop a stack axis."""
        contract = self._contract
        if contract is None:
            contract = contract_for(
                observations, owner=type(self).__name__, name=name, host_dtype=np.uint8,
                shape=self._source_shape,
            )  # fmt: skip
            height, width = self._source_shape[2:4] if self._stacked else self._source_shape[1:3]
            plan = resize_plan(
                (height, width), (self.screen_size[1], self.screen_size[0]),
                channels=1 if self.grayscale_obs else 3, xp=contract.xp, device=contract.device,
            )  # fmt: skip
            frames = (self.num_envs, height, width) + (() if self.grayscale_obs else (3,))
            self._process = frame_processor(
                plan, frames, rgb=not self.grayscale_obs, pool=self.frame_skip > 1,
                scale=self.scale_obs, newaxis=self.grayscale_newaxis, xp=contract.fast_xp,
            )  # fmt: skip
            self._weights = grey_weights(xp=contract.xp, device=contract.device)
            self._flags = contract._replace(dtype=None, shape=(self.num_envs,))
            for slot in _STATE:  # an unpickled copy: its state comes back from the host
                if getattr(self, slot) is not None:
                    moved = convert_array(
                        getattr(self, slot), xp=contract.xp, device=contract.device
                    )
                    setattr(self, slot, moved)
            self._contract = contract
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name=name)
        return observations[:, 0, ...] if self._stacked else observations

    def _grey(self, frames: Any) -> Any:
        """The frames the wrapper keeps: the ALE's greyscale of RGB frames where asked."""
        if self._convert_grey:
            assert self._contract is not None
            return ale_grey(frames, self._weights, xp=self._contract.fast_xp)
        return frames

    def _check_flags(self, terminated: Any, truncated: Any) -> None:
        flags = self._flags
        assert flags is not None
        for name, value in (("terminated", terminated), ("truncated", truncated)):
            if not flags.matches(value):
                flags.check(value, owner=type(self).__name__, name=name)

    def _lives_of(self, infos: dict[str, Any], current: Any) -> Any:
        """``info["lives"]`` on the frames' namespace (only read with terminal_on_life_loss)."""
        if not self.terminal_on_life_loss:
            return current
        if "lives" not in infos:
            raise ValueError(
                f"{type(self).__name__}: terminal_on_life_loss reads the lives from "
                f'info["lives"], which the vector env does not report; got info keys '
                f"{sorted(infos)}"
            )
        assert self._contract is not None
        return convert_array(infos["lives"], xp=self._contract.xp, device=self._contract.device)

    def _observe(self, latest: Any, previous: Any) -> tuple[Any, Any]:
        assert self._process is not None
        return self._process(latest, previous)

    # --- reset and step --------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the sub-envs; a full reset takes the no-ops (see the class docstring)."""
        contract = self._contract
        mask = checked_reset_mask(
            type(self).__name__, options, self.num_envs,
            xp=None if contract is None else contract.xp,
            device=None if contract is None else contract.device,
        )  # fmt: skip
        observations, infos = self.env.reset(seed=seed, options=options)
        raw = self._frames(observations)
        if seed is not None or self._noop_rng is None:
            self._noop_rng = np.random.default_rng(seed)
        contract = self._contract
        assert contract is not None
        xp = contract.fast_xp
        if mask is None and self.noop_max > 0:
            raw, infos = self._noops(raw, infos)
        frames = self._grey(raw)
        lives = self._lives_of(infos, None)
        zeros = xp.zeros_like(frames)
        if mask is None or self._latest is None:
            latest, previous = frames, zeros
            pending = done_last = xp.zeros((self.num_envs,), dtype=xp.bool, device=contract.device)
            first = raw
        else:
            mask = convert_array(mask, xp=contract.xp, device=contract.device)
            latest = select_rows(mask, frames, self._latest, xp=xp)
            previous = select_rows(mask, zeros, self._previous, xp=xp)
            keep = xp.logical_not(mask)
            pending = xp.logical_and(self._pending, keep)
            done_last = xp.logical_and(self._done_last, keep)
            first = self._first
            if lives is not None:
                lives = xp.where(mask, lives, self._lives)
        pooled, observation = self._observe(latest, previous)
        self._latest, self._previous, self._lives = pooled, previous, lives
        self._pending, self._done_last, self._first = pending, done_last, first
        return observation, infos

    def _noops(self, frames: Any, infos: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """NOOP steps to the largest count; each sub-env keeps the frame of its own count."""
        assert self._contract is not None
        xp, n = self._contract.fast_xp, self.num_envs
        subs = getattr(self.env.unwrapped, "envs", None)
        if subs is not None:  # the sub-envs' own generators, as Gymnasium's single wrapper
            counts = np.asarray(
                [e.unwrapped.np_random.integers(1, self.noop_max + 1) for e in subs]
            )
        else:
            assert self._noop_rng is not None
            counts = self._noop_rng.integers(1, self.noop_max + 1, size=n)
        dtype = getattr(xp, np.dtype(self.env.action_space.dtype).name)  # pyright: ignore[reportUnknownMemberType]
        noop = xp.zeros((n,), dtype=dtype, device=self._contract.device)
        on_device = convert_array(counts, xp=self._contract.xp, device=self._contract.device)
        for count in range(1, int(counts.max()) + 1):
            observations, _, _, _, step_infos = self.env.step(noop)
            raw = self._frames(observations)
            frames = select_rows(on_device == count, raw, frames, xp=xp)
            infos = {**infos, **step_infos}
        return frames, infos

    def step(self, actions: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Repeat the actions ``frame_skip`` times, with per-sub-env masks."""
        if self._latest is None:
            raise gym.error.ResetNeeded(
                f"{type(self).__name__}: cannot call env.step() before calling env.reset()"
            )
        skip = self.frame_skip
        mode = self._mode
        state: SkipState | None = None
        first: Any = None  # raw frames; read after the first check (a pickled copy moves them)
        done_last: Any = None
        infos: dict[str, Any] = {}
        same_step_end = False
        last_frames: Any = None  # next-step: the last repeat's frames, reset frames where pending
        xp: Any = None
        for repeat in range(skip):
            observations, rewards, terminated, truncated, infos = self.env.step(actions)
            raw = self._frames(observations)
            self._check_flags(terminated, truncated)
            assert self._contract is not None
            xp = self._contract.fast_xp
            if state is None:  # the per-step start, on the namespace now known
                active = (
                    xp.logical_not(self._pending)
                    if mode is AutoresetMode.NEXT_STEP
                    else xp.ones_like(terminated)
                )
                first, done_last = self._first, self._done_last
                no = xp.zeros_like(terminated)
                state = SkipState(
                    active, xp.zeros_like(rewards), no, no, no, self._latest, self._previous,
                    self._lives,
                )  # fmt: skip
            lives = self._lives_of(infos, None)
            keep = (
                KEEP_PREVIOUS
                if repeat == skip - 2
                else KEEP_LATEST
                if repeat == skip - 1
                else KEEP_NONE
            )
            if mode is AutoresetMode.NEXT_STEP:  # this repeat was a reset step where one ended
                if _may_hold_true(done_last):
                    first = select_rows(done_last, raw, first, xp=xp)
                if keep == KEEP_LATEST and _may_hold_true(self._pending):
                    # the frame shown by sub-envs in their reset outer step
                    raw = select_rows(self._pending, first, raw, xp=xp)
            # greyscale only the frames kept (the costly part of a repeat)
            frames = raw if keep == KEEP_NONE else self._grey(raw)
            ended_before = state.env_ended
            on_host = keep != KEEP_NONE and _on_host(frames)
            state = skip_repeat(
                state, rewards, terminated, truncated, frames, lives,
                keep=KEEP_NONE if on_host else keep, life_loss=self.terminal_on_life_loss, xp=xp,
            )  # fmt: skip
            if on_host:  # the core's frame selection, with a NumPy shortcut when all are kept
                if keep == KEEP_PREVIOUS:  # the env steps again: its array may be reused
                    state = state._replace(
                        previous=_kept(state.active, frames, state.previous, xp=xp)
                    )
                else:  # read once by the max-pool, which makes a new array (frame skip > 1)
                    latest = _kept(state.active, frames, state.latest, xp=xp, copy=skip == 1)
                    state = state._replace(latest=latest)
            if mode is AutoresetMode.NEXT_STEP:
                last_frames = frames
            elif mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
                just = xp.logical_and(state.env_ended, xp.logical_not(ended_before))
                first = select_rows(just, raw, first, xp=xp)
                same_step_end = True
            done_last = xp.logical_or(terminated, truncated)
            if (
                mode is AutoresetMode.DISABLED
                and repeat < skip - 1
                and bool(xp.any(xp.logical_not(state.active)))
            ):
                break  # a finished sub-env may not step again before the caller resets it
        assert state is not None
        latest, previous = state.latest, state.previous
        terminated_out, truncated_out, total = state.terminated, state.truncated, state.total
        if mode is AutoresetMode.NEXT_STEP and _may_hold_true(self._pending):
            # sub-envs whose episode ended last outer step show their new episode's first frame
            pending = self._pending
            latest = select_rows(pending, last_frames, latest, xp=xp)
            previous = select_rows(pending, xp.zeros_like(previous), previous, xp=xp)
        pooled, observation = self._observe(latest, previous)
        if same_step_end:
            ended = state.env_ended
            zeros = xp.zeros_like(previous)
            first_pooled, first_obs = self._observe(self._grey(first), zeros)
            infos = {**infos, "final_obs": observation, "_final_obs": ended}
            observation = select_rows(ended, first_obs, observation, xp=xp)
            pooled = select_rows(ended, first_pooled, pooled, xp=xp)
            previous = select_rows(ended, zeros, previous, xp=xp)
        self._latest, self._previous, self._lives = pooled, previous, state.lives
        self._done_last, self._first = done_last, first
        self._pending = state.env_ended if mode is AutoresetMode.NEXT_STEP else self._pending
        return observation, total, terminated_out, truncated_out, infos

    def __getstate__(self) -> dict[str, Any]:
        from array_env.convert import to_namespace

        state = dict(self.__dict__)
        state["_contract"] = state["_flags"] = state["_process"] = state["_weights"] = None
        for slot in _STATE:
            state[slot] = to_namespace(state[slot], "numpy")
        return state


def _may_hold_true(mask: Any) -> bool:
    """Whether ``mask`` may select a sub-env: False only for a NumPy mask selecting none.

    A free host test that skips a full-frame ``where``; other masks are not read (a sync).
    """
    return not (_on_host(mask) and not mask.any())


def _on_host(frames: Any) -> bool:
    """Whether ``frames`` is a NumPy array, whose masks can be read for free."""
    return isinstance(frames, np.ndarray)


def _kept(still: Any, frames: Any, old: Any, *, xp: Namespace[Any], copy: bool = True) -> Any:
    """NumPy: ``select_rows(still, frames, old)``, the frames themselves when all are kept.

    The common case costs one copy (the env may reuse its array) or, where the caller only
    reads the frames before the env steps again (``copy=False``), nothing.
    """
    if int(xp.count_nonzero(still)) == still.shape[0]:  # a host read: NumPy only
        return xp.asarray(frames, copy=True) if copy else frames
    return select_rows(still, frames, old, xp=xp)


_STATE = ("_latest", "_previous", "_lives", "_done_last", "_pending", "_first")
