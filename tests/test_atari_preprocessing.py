"""AtariPreprocessing against Gymnasium's on real ALE games, and on every backend."""
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownLambdaType=false

from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from array_env._checks import ArrayMismatchError
from array_env._ops.resize import resize_plan
from array_env.convert import to_namespace
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.wrappers import AtariPreprocessing
from array_env.wrappers.atari import ale_grey, grey_weights, preprocess_frame


class OnBackend(gym.ObservationWrapper[Any, Any, Any]):
    """Hands the ALE's frames out as arrays of ``backend`` (converted at the edge)."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def observation(self, observation: Any) -> Any:
        if self.backend is Backend.NUMPY_READONLY:
            return self.backend.asarray(observation)
        return to_namespace(observation, self.backend.xp, self.backend.device)


NP: Any = np  # NumPy as an array namespace (its stubs are not the protocol)

ale_py = pytest.importorskip("ale_py", reason="ale-py (the atari extra) is not installed")
gym.register_envs(ale_py)


def _pair(game: str, env_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Any, Any]:
    extra = env_kwargs or {}
    theirs = gym.wrappers.AtariPreprocessing(gym.make(game, frameskip=1, **extra), **kwargs)
    ours = AtariPreprocessing(gym.make(game, frameskip=1, **extra), **kwargs)
    return theirs, ours


def _lockstep(theirs: Any, ours: Any, steps: int, seed: int) -> tuple[int, int]:
    """Run both with the same seeds and actions; assert every output equal. Returns resets."""
    rng = np.random.default_rng(seed)
    a, info_a = theirs.reset(seed=seed)
    b, info_b = ours.reset(seed=seed)
    resets = 0
    for step in range(steps):
        assert a.dtype == b.dtype
        assert a.shape == b.shape
        np.testing.assert_array_equal(b, a, err_msg=f"step {step}")
        assert info_a == info_b
        action = int(rng.integers(theirs.action_space.n))
        a, r_a, te_a, tr_a, info_a = theirs.step(action)
        b, r_b, te_b, tr_b, info_b = ours.step(action)
        assert (r_b, te_b, tr_b) == (r_a, te_a, tr_a), f"step {step}"
        if te_a or tr_a:
            resets += 1
            a, info_a = theirs.reset(seed=seed + resets)
            b, info_b = ours.reset(seed=seed + resets)
    return resets, steps


@pytest.mark.parametrize(
    ("game", "kwargs", "steps"),
    [
        ("ALE/Pong-v5", {}, 800),
        ("ALE/Breakout-v5", {"terminal_on_life_loss": True}, 800),
        ("ALE/Breakout-v5", {"grayscale_obs": False, "noop_max": 5}, 250),
        (
            "ALE/Pong-v5",
            {
                "scale_obs": True,
                "grayscale_newaxis": True,
                "screen_size": (64, 48),
                "frame_skip": 3,
            },
            250,
        ),
        ("ALE/Breakout-v5", {"frame_skip": 1, "noop_max": 0}, 150),
    ],
    ids=["pong", "breakout-life-loss", "breakout-rgb", "pong-scaled-3skip", "breakout-no-skip"],
)
def test_equals_gymnasium_frame_for_frame(game: str, kwargs: dict[str, Any], steps: int) -> None:
    theirs, ours = _pair(game, **kwargs)
    assert ours.observation_space == theirs.observation_space
    resets, _ = _lockstep(theirs, ours, steps, seed=7)
    if kwargs.get("terminal_on_life_loss"):
        assert resets >= 5  # the life-loss path ran


def test_ale_grey_is_exact_on_every_colour() -> None:
    keys = np.arange(2**24, dtype=np.int64)
    colours = np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=-1).astype(np.uint8)
    exact = (colours.astype(np.int64) @ np.asarray([2989, 5870, 1140]) + 5000) // 10000
    got = ale_grey(colours, grey_weights(xp=NP, device="cpu"), xp=NP)
    np.testing.assert_array_equal(got, exact.astype(np.uint8))


def test_ale_grey_equals_the_emulators_palette() -> None:
    env = gym.make("ALE/MsPacman-v5", frameskip=1)
    env.reset(seed=0)
    unwrapped: Any = env.unwrapped
    ale = unwrapped.ale
    for _ in range(60):
        env.step(env.action_space.sample())
        grey = ale_grey(ale.getScreenRGB(), grey_weights(xp=NP, device="cpu"), xp=NP)
        np.testing.assert_array_equal(grey, ale.getScreenGrayscale())


def test_every_backend_equals_numpy(backend: Backend) -> None:
    def make(member: Backend | None) -> Any:
        env: Any = gym.make("ALE/Breakout-v5", frameskip=1)
        return AtariPreprocessing(env if member is None else OnBackend(env, member), noop_max=3)

    reference, subject = make(None), make(backend)
    expected, _ = reference.reset(seed=3)
    got, _ = subject.reset(seed=3)
    for step in range(12):
        assert_on_backend(got, backend.xp, backend.device)
        np.testing.assert_array_equal(to_host(got), expected, err_msg=f"step {step}")
        expected, *_ = reference.step(step % 4)
        got, *_ = subject.step(step % 4)


@pytest.mark.parametrize("rgb", [False, True])
def test_core_runs_under_jit(rgb: bool) -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    shape = (210, 160, 3) if rgb else (210, 160)
    latest, previous = (rng.integers(0, 255, shape, dtype=np.uint8) for _ in range(2))
    plan_np = resize_plan((210, 160), (84, 84), xp=NP, device="cpu")
    plan_jax = resize_plan((210, 160), (84, 84), xp=jnp, device=None)
    options = {"rgb": rgb, "pool": True, "scale": False, "newaxis": False}
    _, eager = preprocess_frame(latest, previous, plan_np, xp=NP, **options)

    def core(a: Any, b: Any) -> Any:
        return preprocess_frame(a, b, plan_jax, xp=jnp, **options)[1]

    jitted = np.asarray(jax.jit(core)(latest, previous)).astype(np.int16)
    # XLA fuses the resize's multiply-adds, which can move a sum across a rounding tie on random
    # noise: one grey level at most, on a small fraction of pixels
    assert np.abs(jitted - eager).max() <= 1
    assert np.mean(jitted == eager) > 0.99
    colours = latest if rgb else latest[..., None].repeat(3, -1)
    weights = grey_weights(xp=jnp, device=None)
    grey = jax.jit(lambda x: ale_grey(x, weights, xp=jnp))(jnp.asarray(colours))
    np.testing.assert_array_equal(
        np.asarray(grey), ale_grey(colours, grey_weights(xp=NP, device="cpu"), xp=NP)
    )


def test_pickles_and_deep_copies_as_gymnasium() -> None:
    # ale-py pickles an env without its emulator state, so a copy does not continue the
    # original's game (Gymnasium's copy neither): it must continue exactly like Gymnasium's copy
    theirs, ours = _pair("ALE/Pong-v5", {"repeat_action_probability": 0.0})
    theirs.reset(seed=1)
    ours.reset(seed=1)
    for _ in range(5):
        theirs.step(2)
        ours.step(2)
    copiers: list[Any] = [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy]
    for copier in copiers:
        their_copy, our_copy = copier(theirs), copier(ours)
        for _ in range(5):
            a, *_ = their_copy.step(3)
            b, *_ = our_copy.step(3)
            np.testing.assert_array_equal(b, a)


class _EndsAtOnce(gym.Wrapper[Any, Any, Any, Any]):
    """Terminates every step once ``ending`` is set: a step that ends at its first repeat."""

    ending = False

    def step(self, action: Any) -> Any:
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, reward, terminated or self.ending, truncated, info


def test_a_copy_whose_first_step_ends_at_once(backend: Backend) -> None:
    # a pickled copy fixes its frames' contract on its first frame; when that step ends at the
    # first repeat, no frame is read and the buffer's frames (uploaded again) are pooled
    ours: Any = AtariPreprocessing(
        _EndsAtOnce(OnBackend(gym.make("ALE/Pong-v5", frameskip=1), backend)), noop_max=0
    )
    ours.reset(seed=0)
    for _ in range(3):
        ours.step(2)
    copies = [pickle.loads(pickle.dumps(ours)), copy.deepcopy(ours)]
    ours.env.ending = True
    expected, _, terminated, _, _ = ours.step(0)
    assert terminated
    for copied in copies:
        copied.env.ending = True
        got, _, terminated, _, _ = copied.step(0)
        assert terminated
        assert_on_backend(got, backend.xp, backend.device)
        np.testing.assert_array_equal(to_host(got), to_host(expected))


def test_bad_construction() -> None:
    with pytest.raises(
        ValueError, match=r"AtariPreprocessing: disable frame-skipping.*frameskip is 4"
    ):
        AtariPreprocessing(gym.make("ALE/Pong-v5"))
    env = gym.make("ALE/Pong-v5", frameskip=1)
    with pytest.raises(
        ValueError, match="AtariPreprocessing: expect the `frame_skip` to be positive, actually: 0"
    ):
        AtariPreprocessing(env, frame_skip=0)
    with pytest.raises(ValueError, match="`screen_size` to be positive, actually: -3"):
        AtariPreprocessing(env, screen_size=-3)
    with pytest.raises(ValueError, match="`noop_max` to be non-negative, actually: -1"):
        AtariPreprocessing(env, noop_max=-1)
    with pytest.raises(TypeError, match="AtariPreprocessing requires a Box observation space"):
        AtariPreprocessing(_DiscreteObs())
    grey_env = gym.make("ALE/Pong-v5", frameskip=1, obs_type="grayscale")
    with pytest.raises(
        ValueError, match=r"requires RGB frames .* got an observation space of shape \(210, 160\)"
    ):
        AtariPreprocessing(grey_env, grayscale_obs=False)


class _DiscreteObs(gym.Env[int, int]):
    observation_space: Any = gym.spaces.Discrete(3)
    action_space: Any = gym.spaces.Discrete(2)
    _frameskip = 1

    def get_action_meanings(self) -> list[str]:
        return ["NOOP", "FIRE"]


def test_bad_frame_rejected_state_kept() -> None:
    env = OnBackend(gym.make("ALE/Pong-v5", frameskip=1), Backend.NUMPY)
    ours = AtariPreprocessing(env, noop_max=0)
    ours.reset(seed=0)
    before = copy.deepcopy(ours._frames)  # pyright: ignore[reportPrivateUsage]
    env.backend = Backend.ARRAY_API_STRICT  # the env starts handing out another namespace
    with pytest.raises(ArrayMismatchError, match="AtariPreprocessing: observation"):
        ours.step(0)
    after = ours._frames  # pyright: ignore[reportPrivateUsage]
    assert before is not None
    assert after is not None
    np.testing.assert_array_equal(before.latest, after.latest)
    np.testing.assert_array_equal(before.previous, after.previous)


def test_step_before_reset() -> None:
    _, ours = _pair("ALE/Pong-v5")
    with pytest.raises(gym.error.ResetNeeded, match="AtariPreprocessing"):
        ours.step(0)


def test_greyscale_env_frames_are_used_directly() -> None:
    theirs = gym.wrappers.AtariPreprocessing(gym.make("ALE/Pong-v5", frameskip=1))
    ours = AtariPreprocessing(gym.make("ALE/Pong-v5", frameskip=1, obs_type="grayscale"))
    _lockstep(theirs, ours, 60, seed=2)


def test_emulator_greyscale_only_under_observation_passing_wrappers() -> None:
    from array_env.wrappers import OrderEnforcing, TimeLimit

    def source(env: Any) -> Any:
        ours = AtariPreprocessing(env, noop_max=0)
        ours.reset(seed=0)
        return ours._screen_ale  # pyright: ignore[reportPrivateUsage]

    plain: Any = gym.make("ALE/Pong-v5", frameskip=1)  # OrderEnforcing, PassiveEnvChecker, ...
    assert source(plain) is plain.unwrapped.ale
    ours_stack = TimeLimit(OrderEnforcing(gym.make("ALE/Pong-v5", frameskip=1)), 100)
    assert source(ours_stack) is not None
    identity = gym.wrappers.TransformObservation(
        gym.make("ALE/Pong-v5", frameskip=1), lambda o: o, None
    )
    assert source(identity) is None  # any other wrapper: its frames are preprocessed
    inverted = AtariPreprocessing(
        gym.wrappers.TransformObservation(
            gym.make("ALE/Pong-v5", frameskip=1), lambda o: 255 - o, None
        ),
        noop_max=0,
    )
    plain_obs, _ = AtariPreprocessing(gym.make("ALE/Pong-v5", frameskip=1), noop_max=0).reset(
        seed=0
    )
    inverted_obs, _ = inverted.reset(seed=0)
    assert int(np.abs(inverted_obs.astype(int) - (255 - plain_obs.astype(int))).max()) <= 1
    assert source(gym.make("ALE/Pong-v5", frameskip=1, obs_type="grayscale")) is None
    assert source(OnBackend(gym.make("ALE/Pong-v5", frameskip=1), Backend.NUMPY)) is None


@pytest.mark.parametrize("game", ["ALE/Pong-v5", "ALE/Breakout-v5"])
def test_emulator_greyscale_equals_the_frames_greyscale(game: str) -> None:
    # the emulator's screen (read under gym.make's wrappers) against ale_grey of the frames
    # (forced by a wrapper that is not known to pass observations through), step for step
    def make(through_frames: bool) -> Any:
        env: Any = gym.make(game, frameskip=1)
        if through_frames:
            env = gym.wrappers.TransformObservation(env, lambda o: o, None)
        return AtariPreprocessing(env, terminal_on_life_loss=game.endswith("Breakout-v5"))

    screen, frames = make(False), make(True)
    resets, _ = _lockstep(frames, screen, 1500, seed=11)
    assert screen._screen_ale is not None
    assert frames._screen_ale is None
    assert resets >= 1
