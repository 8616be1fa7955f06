"""Vector AtariPreprocessing against Gymnasium's single wrapper per sub-env, on real ALE games."""
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownLambdaType=false

from __future__ import annotations

import copy
import functools
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env._checks import ArrayMismatchError
from array_env.testing import to_host
from array_env.vector import AtariPreprocessing
from array_env.vector.atari import KEEP_LATEST, KEEP_NONE, KEEP_PREVIOUS, SkipState, skip_repeat

ale_py = pytest.importorskip("ale_py", reason="ale-py (the atari extra) is not installed")
gym.register_envs(ale_py)

NP: Any = np


class Counting(gym.Wrapper[Any, Any, Any, Any]):
    """Counts the emulator frames of one outer step; remembers whether the env's episode ended."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.frames = 0
        self.ended = False

    def step(self, action: Any) -> Any:
        out = self.env.step(action)
        self.frames += 1
        self.ended = bool(out[2] or out[3])
        return out


STAND_IN = "stand-in"
"""The conformance suite's stand-in ALE env: rewards on every step, episodes of 3 to 5 steps."""


def _stand_in(n: int | None, mode: AutoresetMode, index: int = 0) -> Any:
    from conformance.cases.atari import (
        _ACTIONS,  # pyright: ignore[reportPrivateUsage]
        _FRAMES,  # pyright: ignore[reportPrivateUsage]
        _AtariLike,  # pyright: ignore[reportPrivateUsage]
        _AtariLikeVector,  # pyright: ignore[reportPrivateUsage]
    )

    if n is None:
        return _AtariLike("numpy", _FRAMES, _ACTIONS, index=index)
    return _AtariLikeVector("numpy", n, mode, _FRAMES, _ACTIONS)


def _vector(game: str, n: int, mode: AutoresetMode, **kwargs: Any) -> Any:
    if game == STAND_IN:
        return AtariPreprocessing(_stand_in(n, mode), **kwargs)
    envs = gym.make_vec(
        game, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode},
        frameskip=1, repeat_action_probability=0.0,
    )  # fmt: skip
    return AtariPreprocessing(envs, **kwargs)


def _references(game: str, n: int, **kwargs: Any) -> tuple[list[Counting], list[Any]]:
    if game == STAND_IN:
        inners = [Counting(_stand_in(None, AutoresetMode.NEXT_STEP, i)) for i in range(n)]
    else:
        inners = [
            Counting(gym.make(game, frameskip=1, repeat_action_probability=0.0)) for _ in range(n)
        ]
    return inners, [gym.wrappers.AtariPreprocessing(inner, **kwargs) for inner in inners]


def _lockstep(
    game: str, mode: AutoresetMode, steps: int, seed: int, n: int = 2, **kwargs: Any
) -> dict[str, int]:
    """Our vector wrapper vs Gymnasium's single wrapper per sub-env, every output of every step.

    The reference replays the documented lockstep rule: after an episode end on repeat ``r``,
    its env takes the remaining frames with the same action, as the vector env's autoreset does
    (next-step mode: after the reset step). Returns counts of the ends seen.
    """
    skip = kwargs.get("frame_skip", 4)
    vector = _vector(game, n, mode, **kwargs)
    inners, refs = _references(game, n, **kwargs)
    obs, _ = vector.reset(seed=seed)
    for i, ref in enumerate(refs):
        np.testing.assert_array_equal(obs[i], ref.reset(seed=seed + i)[0])
    rng = np.random.default_rng(seed)
    owed: list[tuple[int, int] | None] = [None] * n  # next-step: (leftover frames, their action)
    seen = {"early": 0, "last": 0, "life": 0}
    for step in range(steps):
        actions = rng.integers(0, vector.single_action_space.n, n)
        obs, rewards, terminated, truncated, infos = vector.step(actions)
        for i, ref in enumerate(refs):
            at, action = f"step {step}, sub-env {i}", int(actions[i])
            debt = owed[i]
            if debt is not None:  # next-step mode: the outer step of the reset step
                leftover, old_action = debt
                owed[i] = None
                np.testing.assert_array_equal(obs[i], ref.reset()[0], err_msg=at)
                assert (rewards[i], terminated[i], truncated[i]) == (0.0, False, False), at
                for _ in range(leftover):
                    inners[i].step(old_action)
                for _ in range(skip - (1 if leftover < 0 else 0)):
                    inners[i].step(action)
                continue
            inners[i].frames = 0
            ref_obs, reward, term, trunc, _ = ref.step(action)
            assert rewards[i] == reward, at
            assert (bool(terminated[i]), bool(truncated[i])) == (term, trunc), at
            rest = skip - inners[i].frames  # the repeats the vector env still made
            if (term or trunc) and inners[i].ended:
                seen["early" if rest else "last"] += 1
                if mode is AutoresetMode.SAME_STEP:
                    np.testing.assert_array_equal(infos["final_obs"][i], ref_obs, err_msg=at)
                    assert infos["_final_obs"][i], at
                    np.testing.assert_array_equal(obs[i], ref.reset()[0], err_msg=at)
                    for _ in range(rest):
                        inners[i].step(action)
                else:  # reset step on repeat ``skip - rest`` (this outer step) or the next one
                    np.testing.assert_array_equal(obs[i], ref_obs, err_msg=at)
                    owed[i] = (rest - 1, action) if rest else (-1, action)
                continue
            np.testing.assert_array_equal(obs[i], ref_obs, err_msg=at)
            if term:  # a life loss: the game goes on for the remaining repeats
                seen["life"] += 1
                for _ in range(rest):
                    inners[i].step(action)
    return seen


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize(
    ("game", "kwargs", "steps"),
    [
        ("ALE/Pong-v5", {"noop_max": 0}, 2000),
        ("ALE/Breakout-v5", {"noop_max": 0, "n": 3}, 1500),
        ("ALE/Breakout-v5", {"noop_max": 0, "terminal_on_life_loss": True}, 1000),
        (
            "ALE/Pong-v5",
            {
                "noop_max": 0,
                "grayscale_obs": False,
                "scale_obs": True,
                "frame_skip": 3,
                "screen_size": (64, 48),
            },
            300,
        ),
    ],
    ids=["pong", "breakout", "breakout-life-loss", "pong-rgb-scaled-3skip"],
)
def test_equals_gymnasium_single_per_sub_env(
    game: str, kwargs: dict[str, Any], steps: int, mode: AutoresetMode
) -> None:
    seen = _lockstep(game, mode, steps, seed=11, **kwargs)  # n: the number of sub-envs
    if game == "ALE/Breakout-v5":
        if kwargs.get("terminal_on_life_loss"):
            assert seen["life"] >= 5
        elif mode is AutoresetMode.SAME_STEP:  # episode ends before and on the last repeat
            assert seen["early"] >= 1
            assert seen["last"] >= 1
        else:
            assert seen["early"] + seen["last"] >= 5
    if game == "ALE/Pong-v5" and steps >= 2000:
        assert seen["early"] + seen["last"] >= 2


@pytest.mark.parametrize(
    ("skip", "mode"),
    [(2, AutoresetMode.NEXT_STEP), (2, AutoresetMode.SAME_STEP), (3, AutoresetMode.SAME_STEP)],
)
def test_equals_gymnasium_single_on_short_episodes(skip: int, mode: AutoresetMode) -> None:
    # the stand-in's episodes of 3 to 5 steps end on every repeat, with a reward on each step;
    # skips short enough that no episode fits in the masked repeats after an end (documented)
    kwargs = {"noop_max": 0, "frame_skip": skip, "screen_size": (6, 4)}
    seen = _lockstep(STAND_IN, mode, 60, seed=3, n=3, **kwargs)
    assert seen["early"] >= 5
    assert seen["last"] >= 5


def test_disabled_mode_equals_until_an_end_then_partial_reset() -> None:
    game, n = "ALE/Breakout-v5", 3
    vector = _vector(game, n, AutoresetMode.DISABLED, noop_max=0)
    _, refs = _references(game, n, noop_max=0)
    obs, _ = vector.reset(seed=5)
    for i, ref in enumerate(refs):
        np.testing.assert_array_equal(obs[i], ref.reset(seed=5 + i)[0])
    rng = np.random.default_rng(5)
    for _step in range(400):
        actions = rng.integers(0, 4, n)
        obs, rewards, terminated, truncated, _ = vector.step(actions)
        outs = [ref.step(int(a)) for ref, a in zip(refs, actions, strict=True)]
        done = terminated | truncated
        for i, (ref_obs, reward, term, trunc, _) in enumerate(outs):
            if done.any() and not done[i]:
                continue  # the repeats stopped early for it: it differs from here on
            np.testing.assert_array_equal(obs[i], ref_obs)
            assert (rewards[i], bool(terminated[i]), bool(truncated[i])) == (reward, term, trunc)
        if done.any():
            kept = obs.copy()
            obs, _ = vector.reset(options={"reset_mask": done})
            for i in range(n):
                expected = refs[i].reset()[0] if done[i] else kept[i]
                np.testing.assert_array_equal(obs[i], expected)
            return
    pytest.fail("no episode ended")


def test_noop_reset_observations_equal_gymnasium() -> None:
    vector = _vector("ALE/Breakout-v5", 3, AutoresetMode.NEXT_STEP, noop_max=30)
    _, refs = _references("ALE/Breakout-v5", 3, noop_max=30)
    for seed in (0, 1, 2):
        obs, _ = vector.reset(seed=seed)
        for i, ref in enumerate(refs):
            np.testing.assert_array_equal(obs[i], ref.reset(seed=seed + i)[0])


def test_one_sub_env_with_noops_equals_gymnasium() -> None:
    # one sub-env: its count is the batch maximum, so the no-ops equal Gymnasium's exactly
    _lockstep("ALE/Breakout-v5", AutoresetMode.SAME_STEP, 300, seed=3, n=1, noop_max=0)
    vector = _vector("ALE/Breakout-v5", 1, AutoresetMode.SAME_STEP, noop_max=30)
    _, (ref,) = _references("ALE/Breakout-v5", 1, noop_max=30)
    obs, _ = vector.reset(seed=4)
    np.testing.assert_array_equal(obs[0], ref.reset(seed=4)[0])
    for action in np.random.default_rng(0).integers(0, 4, 150):
        obs, rewards, terminated, *_ = vector.step(np.asarray([action]))
        ref_obs, reward, term, *_ = ref.step(int(action))
        np.testing.assert_array_equal(obs[0], ref_obs)
        assert (rewards[0], bool(terminated[0])) == (reward, term)
        if term:
            break


def _atari_vector_env(game: str, n: int, grayscale: bool = False) -> Any:
    return ale_py.AtariVectorEnv(
        game, n, frameskip=1, stack_num=1, img_height=210, img_width=160, grayscale=grayscale,
        maxpool=False, noop_max=0, reward_clipping=False, use_fire_reset=False,
        repeat_action_probability=0.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("game", "rom", "grayscale"),
    [("ALE/Pong-v5", "pong", False), ("ALE/Breakout-v5", "breakout", False),
     ("ALE/Breakout-v5", "breakout", True)],
)  # fmt: skip
def test_over_ale_vector_env_equals_sync(game: str, rom: str, grayscale: bool) -> None:
    # greyscale: its (1, 210, 160) frames are the ALE's palette, used as they are
    raw = _atari_vector_env(rom, 2, grayscale)
    ours = AtariPreprocessing(raw, noop_max=0, terminal_on_life_loss=True)
    sync = _vector(game, 2, AutoresetMode.NEXT_STEP, noop_max=0, terminal_on_life_loss=True)
    assert ours.single_observation_space == sync.single_observation_space
    a, _ = ours.reset(seed=2)
    b, _ = sync.reset(seed=2)
    np.testing.assert_array_equal(a, b)
    ends = 0
    for actions in np.random.default_rng(2).integers(0, 4, (1500, 2)):
        a, r_a, te_a, tr_a, _ = ours.step(actions)
        b, r_b, te_b, tr_b, _ = sync.step(actions)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(r_a, r_b)
        np.testing.assert_array_equal(te_a, te_b)
        np.testing.assert_array_equal(tr_a, tr_b)
        ends += int(te_a.sum())
    assert ends >= 2


def test_over_async_vector_env() -> None:
    with pytest.raises(ValueError, match=r"AtariPreprocessing: disable frame-skipping.*is 4"):
        AtariPreprocessing(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="async"))
    envs = gym.make_vec(
        "ALE/Pong-v5", 2, vectorization_mode="async", frameskip=1, repeat_action_probability=0.0
    )
    try:
        ours = AtariPreprocessing(envs, noop_max=0)
        sync = _vector("ALE/Pong-v5", 2, AutoresetMode.NEXT_STEP, noop_max=0)
        a, _ = ours.reset(seed=0)
        b, _ = sync.reset(seed=0)
        np.testing.assert_array_equal(a, b)
        for actions in np.random.default_rng(0).integers(0, 6, (20, 2)):
            np.testing.assert_array_equal(ours.step(actions)[0], sync.step(actions)[0])
    finally:
        envs.close()


@pytest.mark.parametrize("obs_type", ["grayscale", "rgb"])
def test_env_reusing_its_observation_array_equals_copying_env(obs_type: str) -> None:
    # SyncVectorEnv(copy=False) hands out the same array every step, overwritten by the next:
    # a frame kept across an env step must be a copy (the NumPy shortcut copies only those)
    def make(copy_obs: bool) -> Any:
        envs = gym.make_vec(
            "ALE/Pong-v5", 2, vectorization_mode="sync", vector_kwargs={"copy": copy_obs},
            frameskip=1, repeat_action_probability=0.0, obs_type=obs_type,
        )  # fmt: skip
        return AtariPreprocessing(envs, noop_max=0)

    reusing, copying = make(False), make(True)
    np.testing.assert_array_equal(reusing.reset(seed=5)[0], copying.reset(seed=5)[0])
    for actions in np.random.default_rng(5).integers(0, 6, (60, 2)):
        np.testing.assert_array_equal(reusing.step(actions)[0], copying.step(actions)[0])


def test_torch_at_the_edge_equals_numpy() -> None:
    torch = pytest.importorskip("torch")
    from array_env.vector import NumpyToTorch

    def make(on_torch: bool) -> Any:
        envs: Any = gym.make_vec(
            "ALE/Breakout-v5", 2, vectorization_mode="sync", frameskip=1,
            repeat_action_probability=0.0,
        )  # fmt: skip
        return AtariPreprocessing(
            NumpyToTorch(envs) if on_torch else envs, noop_max=10, terminal_on_life_loss=True
        )

    reference, subject = make(False), make(True)
    expected, _ = reference.reset(seed=1)
    got, _ = subject.reset(seed=1)
    assert isinstance(got, torch.Tensor)
    np.testing.assert_array_equal(got.numpy(), expected)
    for actions in np.random.default_rng(1).integers(0, 4, (300, 2)):
        expected, r_e, te_e, tr_e, _ = reference.step(actions)
        got, r_g, te_g, tr_g, _ = subject.step(torch.from_numpy(actions))
        assert isinstance(got, torch.Tensor)
        assert isinstance(te_g, torch.Tensor)
        np.testing.assert_array_equal(got.numpy(), expected)
        np.testing.assert_array_equal(r_g.numpy(), r_e)
        np.testing.assert_array_equal(te_g.numpy(), te_e)
        np.testing.assert_array_equal(tr_g.numpy(), tr_e)


def test_pickles_and_deep_copies() -> None:
    make = functools.partial(gym.make, "ALE/Pong-v5", frameskip=1)
    ours = AtariPreprocessing(gym.vector.SyncVectorEnv([make, make]), noop_max=0)
    ours.reset(seed=1)
    for _ in range(3):
        ours.step(np.asarray([2, 3]))
    copiers: list[Any] = [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy]
    for copier in copiers:
        duplicate = copier(ours)
        np.testing.assert_array_equal(duplicate._latest, ours._latest)  # pyright: ignore[reportPrivateUsage]
        obs, *_ = duplicate.step(np.asarray([0, 0]))
        assert obs.shape == (2, 84, 84)


class _DiscreteVector(gym.vector.VectorEnv[Any, Any, Any]):
    _frameskip = 1
    num_envs = 2
    single_observation_space: Any = gym.spaces.Discrete(3)
    single_action_space: Any = gym.spaces.Discrete(2)

    def get_action_meanings(self) -> list[str]:
        return ["NOOP", "FIRE"]


def test_bad_construction() -> None:
    with pytest.raises(
        ValueError, match=r"AtariPreprocessing: disable frame-skipping.*frameskip is 4"
    ):
        AtariPreprocessing(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync"))
    envs = gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1)
    with pytest.raises(
        ValueError, match="AtariPreprocessing: expect the `frame_skip` to be positive, actually: 0"
    ):
        AtariPreprocessing(envs, frame_skip=0)
    with pytest.raises(ValueError, match="`screen_size` to be positive, actually: -3"):
        AtariPreprocessing(envs, screen_size=-3)
    with pytest.raises(ValueError, match="`noop_max` to be non-negative, actually: -1"):
        AtariPreprocessing(envs, noop_max=-1)
    with pytest.raises(TypeError, match="AtariPreprocessing requires a Box observation space"):
        AtariPreprocessing(_DiscreteVector())
    grey = gym.make_vec(
        "ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1, obs_type="grayscale"
    )
    with pytest.raises(
        ValueError, match=r"requires RGB frames .* got an observation space of shape \(210, 160\)"
    ):
        AtariPreprocessing(grey, grayscale_obs=False)


def test_step_before_reset_and_missing_lives() -> None:
    ours = _vector("ALE/Pong-v5", 2, AutoresetMode.NEXT_STEP)
    with pytest.raises(gym.error.ResetNeeded, match="AtariPreprocessing"):
        ours.step(np.asarray([0, 0]))


class _OtherNamespace(gym.vector.VectorWrapper[Any, Any, Any, Any]):
    """Hands out array-api-strict frames once ``switch`` is set."""

    switch = False

    def step(self, actions: Any) -> Any:
        obs, *rest = self.env.step(actions)
        if self.switch:
            import array_api_strict as xps

            obs = xps.asarray(obs)
        return (obs, *rest)


def test_bad_frame_rejected_state_kept() -> None:
    pytest.importorskip("array_api_strict")
    envs = _OtherNamespace(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1))
    ours = AtariPreprocessing(envs, noop_max=0)
    ours.reset(seed=0)
    ours.step(np.asarray([1, 2]))
    before = {k: copy.deepcopy(v) for k, v in vars(ours).items() if k.startswith("_") and
              isinstance(v, np.ndarray)}  # fmt: skip
    envs.switch = True
    with pytest.raises(ArrayMismatchError, match="AtariPreprocessing: observations"):
        ours.step(np.asarray([0, 0]))
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(ours, name), value, err_msg=name)


def test_life_loss_needs_lives_in_info() -> None:
    class NoLives(gym.vector.VectorWrapper[Any, Any, Any, Any]):
        def reset(self, **kwargs: Any) -> Any:
            obs, _ = self.env.reset(**kwargs)
            return obs, {}

    envs = NoLives(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1))
    ours = AtariPreprocessing(envs, noop_max=0, terminal_on_life_loss=True)
    with pytest.raises(ValueError, match=r'AtariPreprocessing: .*info\["lives"\].*got info keys'):
        ours.reset(seed=0)


def _random_state(rng: np.random.Generator, n: int = 4) -> tuple[SkipState, tuple[Any, ...]]:
    frames = rng.integers(0, 255, (n, 6, 5), dtype=np.uint8)
    state = SkipState(
        rng.random(n) < 0.7, rng.normal(size=n).astype(np.float32), rng.random(n) < 0.3,
        rng.random(n) < 0.3, rng.random(n) < 0.3, frames, frames[::-1].copy(),
        rng.integers(0, 5, n),
    )  # fmt: skip
    step = (
        rng.normal(size=n).astype(np.float32), rng.random(n) < 0.3, rng.random(n) < 0.2,
        rng.integers(0, 255, (n, 6, 5), dtype=np.uint8), rng.integers(0, 5, n),
    )  # fmt: skip
    return state, step


def test_skip_repeat_masks_like_the_single_loop() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        state, (rewards, term, trunc, frames, lives) = _random_state(rng)
        for keep in (KEEP_NONE, KEEP_PREVIOUS, KEEP_LATEST):
            for life_loss in (False, True):
                out = skip_repeat(state, rewards, term, trunc, frames, lives, keep=keep,
                                  life_loss=life_loss, xp=NP)  # fmt: skip
                for i in range(len(rewards)):  # the single wrapper's loop body, one sub-env
                    if not state.active[i]:
                        assert out.total[i] == state.total[i]
                        assert not out.active[i]
                        np.testing.assert_array_equal(out.latest[i], state.latest[i])
                        np.testing.assert_array_equal(out.previous[i], state.previous[i])
                        continue
                    ended = bool(term[i]) or (life_loss and lives[i] < state.lives[i])
                    assert out.total[i] == np.float32(state.total[i] + rewards[i])
                    assert out.terminated[i] == ended
                    assert out.truncated[i] == trunc[i]
                    assert out.env_ended[i] == (state.env_ended[i] or term[i] or trunc[i])
                    stored = not (ended or trunc[i])
                    assert out.active[i] == stored
                    expect_latest = frames[i] if keep == KEEP_LATEST and stored else state.latest[i]
                    expect_prev = (
                        frames[i] if keep == KEEP_PREVIOUS and stored else state.previous[i]
                    )
                    np.testing.assert_array_equal(out.latest[i], expect_latest)
                    np.testing.assert_array_equal(out.previous[i], expect_prev)


@pytest.mark.parametrize("life_loss", [False, True])
def test_skip_repeat_runs_under_jit(life_loss: bool) -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    state, step = _random_state(np.random.default_rng(1))
    eager = skip_repeat(state, *step, keep=KEEP_LATEST, life_loss=life_loss, xp=NP)

    def core(s: Any, *args: Any) -> Any:
        return skip_repeat(SkipState(*s), *args, keep=KEEP_LATEST, life_loss=life_loss, xp=jnp)

    jitted = jax.jit(core)(tuple(jnp.asarray(x) for x in state), *map(jnp.asarray, step))
    for name, want, got in zip(SkipState._fields, eager, jitted, strict=True):
        np.testing.assert_array_equal(np.asarray(got), want, err_msg=name)


def test_backend_frames_stay_on_their_backend() -> None:
    torch = pytest.importorskip("torch")
    from array_env.vector import NumpyToTorch

    envs: Any = gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="sync", frameskip=1)
    ours = AtariPreprocessing(NumpyToTorch(envs), noop_max=0, scale_obs=True)
    obs, _ = ours.reset(seed=0)
    assert obs.dtype == torch.float32
    obs, rewards, *_ = ours.step(torch.tensor([1, 2]))
    assert isinstance(rewards, torch.Tensor)
    assert float(to_host(obs).max()) <= 1.0
