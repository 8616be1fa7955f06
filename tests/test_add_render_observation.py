"""AddRenderObservation, single and vector, against Gymnasium's and across backends."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import AddRenderObservation as VectorAddRender
from array_env.wrappers import AddRenderObservation
from tests._image_envs import RandomFrames, rollout
from tests.autoreset_driver import MODES


class _DictFrames(RandomFrames):
    """RandomFrames whose observation is a dict, for the dict layout."""

    def __init__(self, render_mode: str | None = "rgb_array") -> None:
        super().__init__((6, 5, 3), render_mode=render_mode)
        self._frames = self.observation_space
        self.observation_space = gym.spaces.Dict({"image": self._frames})  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        obs, info = super().reset(seed=seed, options=options)
        return {"image": obs}, info

    def step(self, action: int) -> Any:
        obs, *rest = super().step(action)
        return ({"image": obs}, *rest)


def _leaves(obs: Any) -> list[np.ndarray]:
    if isinstance(obs, dict):
        return [to_host(obs[key]) for key in sorted(obs)]  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    return [to_host(obs)]


@pytest.mark.parametrize("render_only", [True, False])
@pytest.mark.parametrize(
    "make", [lambda: RandomFrames((12, 9, 3), render_mode="rgb_array"), _DictFrames]
)
def test_equals_gymnasium_on_numpy(render_only: bool, make: Any) -> None:
    ours = AddRenderObservation(make(), render_only=render_only)
    theirs = gym.wrappers.AddRenderObservation(make(), render_only=render_only)
    assert ours.observation_space == theirs.observation_space
    expected = rollout(theirs, 2000, seed=8)
    actual = rollout(ours, 2000, seed=8)
    assert len(actual) == len(expected) > 2000
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, dict):
            assert list(got) == list(want)  # pyright: ignore[reportUnknownArgumentType]
        for a, b in zip(_leaves(got), _leaves(want), strict=True):
            np.testing.assert_array_equal(a, b)
        assert got in ours.observation_space


def test_render_frames_stay_on_every_backend(backend: Backend) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the reference env builds its own arrays: same as numpy")

    def run(member: Backend) -> list[Any]:
        env = gym.make(
            "array_env/CartPole-v1", xp=member.namespace_name, device=member.device_spec,
            render_mode="rgb_array",
        )  # fmt: skip
        env = AddRenderObservation(env, render_only=False)
        obs, _ = env.reset(seed=4)
        assert_on_backend(obs, member.xp, member.device)
        out = _leaves(obs)
        for _ in range(15):
            obs, *_ = env.step(member.asarray(1, "int64" if member.has_float64 else "int32"))
            out.extend(_leaves(obs))
        return out

    expected, actual = run(Backend.NUMPY), run(backend)
    for got, want in zip(actual, expected, strict=True):
        if got.dtype == np.uint8:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    """Gymnasium has no vector version: each sub-env's frame is its own render()."""
    envs = VectorAddRender(
        SyncVectorEnv([lambda: RandomFrames((7, 6, 3), 8, "rgb_array")] * 3, autoreset_mode=mode),
        render_only=False,
    )
    assert (
        envs.single_observation_space  # pyright: ignore[reportUnknownMemberType]
        == gym.wrappers.AddRenderObservation(
            RandomFrames((7, 6, 3), 8, "rgb_array"), render_only=False
        ).observation_space
    )
    sync: Any = envs.env
    obs, _ = envs.reset(seed=1)
    rng = np.random.default_rng(1)
    for _ in range(500):
        for i, sub in enumerate(sync.envs):
            np.testing.assert_array_equal(obs["pixels"][i], sub.render())
        np.testing.assert_array_equal(obs["pixels"], obs["state"])  # RandomFrames renders its obs
        obs, _, terminated, truncated, _ = envs.step(rng.integers(0, 3, 3))
        done = np.logical_or(terminated, truncated)
        if mode is AutoresetMode.DISABLED and done.any():
            obs, _ = envs.reset(options={"reset_mask": done})


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_native_vector_frames_equal_single_renders(mode: AutoresetMode) -> None:
    envs = gym.make_vec(
        "array_env/Catch-v0", 2, vectorization_mode="vector_entry_point", xp="numpy",
        render_mode="rgb_array", autoreset_mode=mode,
    )  # fmt: skip
    wrapped = VectorAddRender(envs)
    obs, _ = wrapped.reset(seed=3)
    raw: Any = envs.unwrapped
    raw_obs = raw.model.observe(raw.state)
    np.testing.assert_array_equal(obs, raw_obs)  # Catch renders its observation frame


def test_constructor_errors_match_gymnasium() -> None:
    for render_mode in (None, "human"):

        def make(mode: str | None = render_mode) -> RandomFrames:
            return RandomFrames((4, 4, 3), render_mode=mode)

        with pytest.raises(ValueError, match="requires render_mode to be not None") as theirs:
            gym.wrappers.AddRenderObservation(make())
        with pytest.raises(ValueError, match=r"^AddRenderObservation requires render_mode") as ours:
            AddRenderObservation(make())
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="render_key 'image' already exists"):
        AddRenderObservation(_DictFrames(), render_only=False, render_key="image")

    class NoFrame(RandomFrames):
        def render(self) -> Any:
            return [[0]]

    with pytest.raises(TypeError, match=r"AddRenderObservation expects env\.render"):
        AddRenderObservation(NoFrame((4, 4, 3), render_mode="rgb_array"))
    with pytest.raises(ValueError, match=r"^AddRenderObservation requires render_mode"):
        VectorAddRender(SyncVectorEnv([lambda: RandomFrames((4, 4, 3))]))
