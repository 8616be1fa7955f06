"""AtariPreprocessing: Gymnasium's Atari 2600 preprocessing on frames of any backend and device.

The emulator (ale-py) runs on the host; its frames can be converted at the edge (e.g. with
:class:`array_env.wrappers.NumpyToTorch`) and everything after that (greyscale, max-pooling of
the last two frames, the area resize and scaling) runs on the frames' namespace and device with
pure cores:

* :func:`ale_grey`: the ALE's own greyscale (``getScreenGrayscale``), which is not the luminance
  of :class:`~array_env.wrappers.GrayscaleObservation`: ``round(0.2989 R + 0.587 G + 0.114 B)``,
  computed exactly (integer weights, sums below 2**24 in float32);
* :func:`preprocess_frame`: ``max(latest, previous)``, then
  :func:`array_env._ops.resize.resize_images` (OpenCV's ``INTER_AREA``, the resize core
  shared with ``ResizeObservation``) and the scaling; the wrappers build it once per frame
  shape as :func:`frame_processor` (over :func:`array_env._ops.resize.image_resizer`).

The shell replays Gymnasium's control flow exactly (its frame buffers included: a step that ends
early keeps the previous frames, and the pooled frame replaces the latest one, as Gymnasium's
in-place ``np.maximum`` does), so observations equal Gymnasium's frame for frame. The vector
twin is :class:`array_env.vector.AtariPreprocessing`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.spaces import Box

from array_env._ops.resize import ResizePlan, image_resizer, resize_plan
from array_env.core import Wrapper
from array_env.typing import Namespace
from array_env.wrappers._contract import ArrayContract, contract_for

__all__ = [
    "AtariFrames",
    "AtariPreprocessing",
    "ale_grey",
    "ale_screen_source",
    "grey_weights",
    "atari_space",
    "check_atari_arguments",
    "frame_processor",
    "preprocess_frame",
]

Act = TypeVar("Act")

_ALE_WEIGHTS = (
    2989,
    5870,
    1140,
)  # the ALE's greyscale palette: round(0.2989 r + 0.587 g + 0.114 b)


def grey_weights(*, xp: Namespace[Any], device: Any) -> Any:
    """The ALE's integer greyscale weights as a float32 array on ``device`` (built once)."""
    return xp.asarray(_ALE_WEIGHTS, dtype=xp.float32, device=device)


def ale_grey(frames: Any, weights: Any, *, xp: Namespace[Any]) -> Any:
    """Convert uint8 RGB frames ``(..., 3)`` to the ALE's greyscale ``(...)``, exactly.

    One matrix-vector product with the integer weights in float32: the weighted sum is an
    integer below 2**24, so float32 holds it exactly, and ``floor((sum + 5000) / 10000)``
    rounds half up as the ALE's palette does (a quotient ``k - 1e-4`` is still below ``k`` in
    float32 here). The quotient is non-negative, so the cast to uint8, which truncates, is
    that floor.

    Examples:
        >>> import numpy as np
        >>> rgb = np.asarray([[255, 255, 255], [200, 72, 72], [0, 0, 0]], np.uint8)
        >>> ale_grey(rgb, grey_weights(xp=np, device="cpu"), xp=np)
        array([255, 110,   0], dtype=uint8)
    """
    # matmul with a vector: BLAS in NumPy, five times faster than vecdot over an axis of 3
    weighted = xp.matmul(xp.astype(frames, xp.float32), weights)
    weighted += 5000.0
    weighted /= 10000.0
    return xp.astype(weighted, xp.uint8)


def _observation_passers() -> tuple[type[Any], ...]:
    """Wrappers that hand the observation of the env below up unchanged (gym.make's stack)."""
    from array_env.wrappers.common import RecordEpisodeStatistics
    from array_env.wrappers.lifecycle import OrderEnforcing, PassiveEnvChecker, TimeLimit

    return (
        gym.wrappers.OrderEnforcing, gym.wrappers.PassiveEnvChecker, gym.wrappers.TimeLimit,
        gym.wrappers.RecordEpisodeStatistics, OrderEnforcing, PassiveEnvChecker, TimeLimit,
        RecordEpisodeStatistics,
    )  # fmt: skip


def ale_screen_source(env: gym.Env[Any, Any]) -> Any:
    """The ALE whose RGB screen ``env`` returns as its observation unchanged, else ``None``.

    True for an ale-py env with ``obs_type="rgb"`` under any number of the wrappers
    ``gym.make`` adds (order enforcing, the passive checker, time limit, episode statistics):
    each step's observation is then ``ale.getScreenRGB()``, and its greyscale is exactly the
    emulator's ``getScreenGrayscale()`` (the palette :func:`ale_grey` computes), which costs
    no arithmetic. Any other wrapper between (a conversion to torch, an observation wrapper)
    returns ``None``: its observations are what is preprocessed.
    """
    passers = _observation_passers()
    inner: Any = env
    while type(inner) in passers:
        inner = inner.env
    if isinstance(inner, gym.Wrapper):  # another wrapper: not known to pass frames through
        return None
    if getattr(inner, "_obs_type", None) != "rgb":
        return None
    return getattr(inner, "ale", None)


def frame_processor(
    plan: ResizePlan, shape: tuple[int, ...], *, rgb: bool, pool: bool, scale: bool,
    newaxis: bool, xp: Namespace[Any],
) -> Callable[[Any, Any], tuple[Any, Any]]:  # fmt: skip
    """Return :func:`preprocess_frame` specialised to frames of one ``shape`` (built once).

    The resize (:func:`array_env._ops.resize.image_resizer`) and every shape are worked out
    here, so the returned ``process(latest, previous) -> (pooled, observation)`` is only the
    array calls: right after the emulator's steps, on a single frame, the Python around them
    costs as much as the arithmetic.

    Args:
        plan: From :func:`~array_env._ops.resize.resize_plan` for the frames' height and width.
        shape: The frames' shape, ``(*batch, H, W, 3)`` when ``rgb``, else ``(*batch, H, W)``.
        rgb: RGB frames (else greyscale ones).
        pool: Take the maximum of the two frames (Gymnasium pools when ``frame_skip > 1``).
        scale: float32 observations in ``[0, 1]``.
        newaxis: Give greyscale observations a channel axis of 1.
        xp: The frames' namespace.

    Examples:
        >>> import numpy as np
        >>> from array_env._ops.resize import resize_plan
        >>> plan = resize_plan((4, 4), (2, 2), xp=np, device="cpu")
        >>> process = frame_processor(
        ...     plan, (4, 4), rgb=False, pool=True, scale=True, newaxis=False, xp=np
        ... )
        >>> pooled, obs = process(np.zeros((4, 4), np.uint8), np.full((4, 4), 51, np.uint8))
        >>> obs.tolist()
        [[0.2, 0.2], [0.2, 0.2]]
    """
    resize = image_resizer(plan, shape, channel_axis=rgb, xp=xp)
    add_axis = newaxis and not rgb
    observed_shape = (*shape[:-2], *plan.target, 1)
    maximum, reshape, astype, float32 = xp.maximum, xp.reshape, xp.astype, xp.float32

    def process(latest: Any, previous: Any) -> tuple[Any, Any]:
        pooled = maximum(latest, previous) if pool else latest
        observation = resize(pooled)
        if add_axis:
            observation = reshape(observation, observed_shape)
        if scale:
            observation = astype(observation, float32) / 255.0
        return pooled, observation

    return process


def preprocess_frame(
    latest: Any, previous: Any, plan: ResizePlan, *, rgb: bool, pool: bool, scale: bool,
    newaxis: bool, xp: Namespace[Any],
) -> tuple[Any, Any]:  # fmt: skip
    """Max-pool two frames, resize, scale: returns ``(pooled, observation)``.

    Frames are ``(*batch, H, W, 3)`` when ``rgb``, else greyscale ``(*batch, H, W)`` (given a
    channel axis of 1 when ``newaxis``). ``pooled`` is the new latest frame, as Gymnasium's
    in-place ``np.maximum(buffer[0], buffer[1], out=buffer[0])`` leaves it. The wrappers build
    :func:`frame_processor` once and call that.

    Examples:
        >>> import numpy as np
        >>> from array_env._ops.resize import resize_plan
        >>> a = np.zeros((4, 4), np.uint8); b = np.full((4, 4), 8, np.uint8)
        >>> plan = resize_plan((4, 4), (2, 2), xp=np, device="cpu")
        >>> pooled, obs = preprocess_frame(
        ...     a, b, plan, rgb=False, pool=True, scale=False, newaxis=True, xp=np
        ... )
        >>> obs.shape, int(obs.max())
        ((2, 2, 1), 8)
    """
    process = frame_processor(
        plan, tuple(latest.shape), rgb=rgb, pool=pool, scale=scale, newaxis=newaxis, xp=xp
    )
    return process(latest, previous)


class AtariFrames(NamedTuple):
    """The two frames the max-pool needs: the latest (pooled once observed) and the one before."""

    latest: Any
    previous: Any


def check_atari_arguments(
    owner: str, env: Any, noop_max: int, frame_skip: int, screen_size: int | tuple[int, int]
) -> tuple[int, int]:
    """Gymnasium's argument checks, with ``owner`` and the value received; returns ``(w, h)``."""
    if frame_skip <= 0:
        raise ValueError(f"{owner}: expect the `frame_skip` to be positive, actually: {frame_skip}")
    size: Any = screen_size  # checked as Gymnasium does, whatever the caller passed
    if not (
        (isinstance(size, int) and size > 0)
        or (
            isinstance(size, tuple)
            and len(size) == 2  # pyright: ignore[reportUnknownArgumentType]
            and all(isinstance(side, int) and side > 0 for side in size)  # pyright: ignore[reportUnknownVariableType]
        )
    ):
        raise ValueError(
            f"{owner}: expect the `screen_size` to be positive, actually: {screen_size}"
        )
    own_skip = getattr(env.unwrapped, "_frameskip", None)
    if frame_skip > 1 and own_skip != 1:
        raise ValueError(
            f"{owner}: disable frame-skipping in the original env (frameskip=1). Otherwise, "
            f"more than one frame-skip will happen as through this wrapper; the env's "
            f"frameskip is {own_skip}"
        )
    if noop_max < 0:
        raise ValueError(f"{owner}: expect the `noop_max` to be non-negative, actually: {noop_max}")
    if noop_max > 0:
        meanings = env.unwrapped.get_action_meanings()
        if meanings[0] != "NOOP":
            raise ValueError(
                f"{owner}: when noop_max > 0, the first action meaning must be 'NOOP', "
                f"got '{meanings[0]}'"
            )
    return (screen_size, screen_size) if isinstance(screen_size, int) else screen_size


def atari_space(
    owner: str, space: gym.Space[Any], size: tuple[int, int], *, grayscale: bool, newaxis: bool,
    scale: bool,
) -> Box:  # fmt: skip
    """The observation space Gymnasium declares; the env's must be a Box of frames."""
    if not isinstance(space, Box):
        raise TypeError(f"{owner} requires a Box observation space, got {type(space)}")
    shape = space.shape
    if len(shape) not in (2, 3) or (len(shape) == 2 and not grayscale):
        raise ValueError(
            f"{owner} requires RGB frames (H, W, 3), or greyscale frames (H, W) with "
            f"grayscale_obs=True, got an observation space of shape {shape}"
        )
    low, high, dtype = (0, 1, np.float32) if scale else (0, 255, np.uint8)
    out: tuple[int, ...] = (size[1], size[0], 1 if grayscale else 3)
    if grayscale and not newaxis:
        out = out[:-1]
    return Box(low=low, high=high, shape=out, dtype=dtype)


FrameReader = Callable[[Any], Any]


def _frame_readers(
    contract: ArrayContract, owner: str, screen: Any, shape: tuple[int, int], *, convert: bool
) -> tuple[FrameReader, FrameReader]:
    """The readers of the latest and of the previous frame: check the env's frame, grey it.

    With the emulator's ``screen`` (:func:`ale_screen_source`), the env's frame is not read
    at all (it is that emulator's own RGB screen, unchanged, so there is nothing to check):
    each reader copies the greyscale screen into a buffer of its own, reused every step as
    Gymnasium's ``obs_buffer`` is. The previous frame's buffer is only overwritten when the
    next previous frame is read (the wrapper's own state, never handed out: observations are
    new arrays), and the latest frame's buffer is read once by the max-pool, which makes a
    new array (without frame skip it is the kept latest frame, replaced by the next read).
    """
    matches, check = contract.matches, contract.check

    def checked(observation: Any) -> None:
        if not matches(observation):
            check(observation, owner=owner, name="observation")

    if screen is not None:  # greyscale from the emulator: the same values as ale_grey
        grey_screen = screen.getScreenGrayscale

        def screen_reader(buffer: Any) -> FrameReader:
            def read(observation: Any) -> Any:
                grey_screen(buffer)
                return buffer

            return read

        return (
            screen_reader(np.empty(shape, dtype=np.uint8)),
            screen_reader(np.empty(shape, dtype=np.uint8)),
        )
    if convert:
        weights = grey_weights(xp=contract.xp, device=contract.device)
        fast_xp = contract.fast_xp

        def grey(observation: Any) -> Any:
            checked(observation)
            return ale_grey(observation, weights, xp=fast_xp)

        return grey, grey

    def frame(observation: Any) -> Any:
        checked(observation)
        return observation

    return frame, frame


class AtariPreprocessing(Wrapper[Any, Act, Any, Act], gym.utils.RecordConstructorArgs):
    """Gymnasium's Atari 2600 preprocessing: no-op reset, frame skip, max-pool, resize, greyscale.

    Same parameters, checks and observations as Gymnasium's ``AtariPreprocessing`` (equal frame
    for frame on Pong and Breakout): up to ``noop_max`` no-ops after a reset, the action repeated
    ``frame_skip`` times with the rewards summed, the maximum of the last two frames, resized as
    OpenCV's ``INTER_AREA`` to ``screen_size``, optionally greyscale (the ALE's palette) and scaled
    to ``[0, 1]``. The frames are the env's observations, so an env converted to torch or JAX
    (CPU or GPU) is preprocessed there; the ALE must produce RGB frames (``obs_type="rgb"``,
    the default) or, with ``grayscale_obs=True``, greyscale ones. The emulator's flags and lives
    are host values, so the frame-skip loop decides on the host. When the frames are the
    emulator's own NumPy RGB screen (only ``gym.make``'s wrappers between, see
    :func:`ale_screen_source`), the greyscale frame is read from the emulator, as Gymnasium
    does, with the same values as converting the frame. The vector twin is
    :class:`array_env.vector.AtariPreprocessing`.

    Args:
        env: An ALE env created with ``frameskip=1``.
        noop_max: The most no-ops after a reset (0 turns them off).
        frame_skip: Frames per step (at least 1).
        screen_size: The output side, or ``(width, height)``.
        terminal_on_life_loss: ``terminated`` when a life is lost.
        grayscale_obs: Greyscale observations instead of RGB.
        grayscale_newaxis: Keep a channel axis of 1 for greyscale observations.
        scale_obs: float32 observations in ``[0, 1]``.

    Raises:
        ValueError: For a non-positive ``frame_skip`` or ``screen_size``, a negative
            ``noop_max``, an env with its own frame skip, or no ``NOOP`` action.
        TypeError: If the observation space is not a Box.

    Examples:
        >>> import gymnasium as gym
        >>> import ale_py
        >>> gym.register_envs(ale_py)
        >>> env = AtariPreprocessing(gym.make("ALE/Pong-v5", frameskip=1))
        >>> obs, _ = env.reset(seed=0)
        >>> obs.shape, obs.dtype
        ((84, 84), dtype('uint8'))
    """

    def __init__(
        self,
        env: gym.Env[Any, Act],
        noop_max: int = 30,
        frame_skip: int = 4,
        screen_size: int | tuple[int, int] = 84,
        terminal_on_life_loss: bool = False,
        grayscale_obs: bool = True,
        grayscale_newaxis: bool = False,
        scale_obs: bool = False,
    ) -> None:
        owner = type(self).__name__
        size = check_atari_arguments(owner, env, noop_max, frame_skip, screen_size)
        space = atari_space(
            owner, env.observation_space, size, grayscale=grayscale_obs,
            newaxis=grayscale_newaxis, scale=scale_obs,
        )  # fmt: skip
        gym.utils.RecordConstructorArgs.__init__(
            self, noop_max=noop_max, frame_skip=frame_skip, screen_size=screen_size,
            terminal_on_life_loss=terminal_on_life_loss, grayscale_obs=grayscale_obs,
            grayscale_newaxis=grayscale_newaxis, scale_obs=scale_obs,
        )  # fmt: skip
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = space
        self.noop_max = noop_max
        self.frame_skip = frame_skip
        self.screen_size: tuple[int, int] = size
        self.terminal_on_life_loss = terminal_on_life_loss
        self.grayscale_obs = grayscale_obs
        self.grayscale_newaxis = grayscale_newaxis
        self.scale_obs = scale_obs
        self.lives = 0
        self.game_over = False
        source = tuple(env.observation_space.shape or ())
        self._source_shape: tuple[int, ...] = source
        self._convert_grey = grayscale_obs and len(source) == 3
        self._frames: AtariFrames | None = None
        self._contract: ArrayContract | None = None
        # built at first contact: the frame check and greyscale, and the image core
        self._readers: tuple[FrameReader, FrameReader] | None = None  # (latest, previous)
        self._screen_ale: Any = None  # the emulator read for greyscale frames, if any
        self._process: Callable[[Any, Any], tuple[Any, Any]] | None = None

    @property
    def ale(self) -> Any:
        """The emulator of the unwrapped ALE env (as Gymnasium's property)."""
        unwrapped: Any = self.env.unwrapped
        return unwrapped.ale

    def _frame(self, observation: Any) -> Any:
        """Check one emulator frame (fixing the contract at first contact) and convert it."""
        readers = self._readers
        if readers is None:
            return self._first_contact(observation)(observation)
        return readers[0](observation)

    def _first_contact(self, observation: Any) -> FrameReader:
        """Fix the frames' contract, build the image core and the frame readers for them.

        Returns the reader of the latest frame.
        """
        owner = type(self).__name__
        contract = contract_for(
            observation, owner=owner, name="observation", host_dtype=np.uint8,
            shape=self._source_shape,
        )  # fmt: skip
        height, width = self._source_shape[:2]
        plan = resize_plan(
            (height, width), (self.screen_size[1], self.screen_size[0]),
            channels=1 if self.grayscale_obs else 3, xp=contract.xp, device=contract.device,
        )  # fmt: skip
        self._process = frame_processor(
            plan, (height, width) if self.grayscale_obs else (height, width, 3),
            rgb=not self.grayscale_obs, pool=self.frame_skip > 1, scale=self.scale_obs,
            newaxis=self.grayscale_newaxis, xp=contract.fast_xp,
        )  # fmt: skip
        self._contract = contract
        if self._frames is not None:  # an unpickled copy: its frames come back from the host
            self._frames = AtariFrames(
                *(contract.xp.asarray(f, device=contract.device) for f in self._frames)
            )
        screen = None
        if self._convert_grey and compat.is_numpy_namespace(contract.xp):
            screen = ale_screen_source(self.env)
        self._screen_ale = screen
        self._readers = _frame_readers(
            contract, owner, screen, (height, width), convert=self._convert_grey
        )
        return self._readers[0]

    def _observe(self, latest: Any, previous: Any) -> Any:
        """Pool, resize and scale; keep the pooled frame as the latest (Gymnasium's buffer)."""
        process = self._process
        assert process is not None
        pooled, observation = process(latest, previous)
        self._frames = AtariFrames(pooled, previous)
        return observation

    def step(self, action: Act) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Repeat the action ``frame_skip`` times; return the pooled, resized frame."""
        if self._frames is None:
            raise gym.error.ResetNeeded(
                f"{type(self).__name__}: cannot call env.step() before calling env.reset()"
            )
        total_reward: Any = 0.0
        terminated: Any = False
        truncated: Any = False
        info: dict[str, Any] = {}
        latest: Any = None
        previous: Any = None
        second_last = self.frame_skip - 2
        readers = self._readers
        for t in range(self.frame_skip):
            observation, reward, terminated, truncated, info = self.env.step(action)
            if readers is None:  # an unpickled copy: its first frame fixes the contract
                self._first_contact(observation)
                readers = self._readers
                assert readers is not None
            total_reward = total_reward + reward
            self.game_over = bool(terminated)
            if self.terminal_on_life_loss:
                new_lives = self.ale.lives()
                terminated = bool(terminated) or new_lives < self.lives
                self.game_over = terminated
                self.lives = new_lives
            if terminated or truncated:
                break
            if t == second_last:
                previous = readers[1](observation)
            elif t > second_last:
                latest = readers[0](observation)
        # frames not replaced keep the buffer's (read now: a first contact may have moved them)
        kept = self._frames
        if latest is None:
            latest = kept.latest
        if previous is None:
            previous = kept.previous
        return self._observe(latest, previous), total_reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset, then take a random number of no-ops (Gymnasium's ``NoopReset``)."""
        observation, reset_info = self.env.reset(seed=seed, options=options)
        noops = (
            self.env.unwrapped.np_random.integers(1, self.noop_max + 1) if self.noop_max > 0 else 0
        )
        for _ in range(noops):
            noop: Any = 0
            observation, _, terminated, truncated, step_info = self.env.step(noop)
            reset_info.update(step_info)
            if terminated or truncated:
                observation, reset_info = self.env.reset(seed=seed, options=options)
        self.lives = self.ale.lives()
        latest = self._frame(observation)
        assert self._contract is not None
        return self._observe(latest, self._contract.fast_xp.zeros_like(latest)), reset_info

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = None
        state["_readers"] = state["_screen_ale"] = None
        state["_process"] = None
        if self._frames is not None:  # frames to the host; the copy uploads them again
            from array_env.convert import to_namespace

            state["_frames"] = AtariFrames(*to_namespace(tuple(self._frames), "numpy"))
        return state
