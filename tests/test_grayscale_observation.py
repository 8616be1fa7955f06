"""GrayscaleObservation, single and vector, against Gymnasium's and across backends."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
from array_env._checks import ArrayMismatchError
from array_env._ops.fast_namespace import fast_namespace
from array_env._ops.grayscale import LUMINANCE, grey_table, rgb_to_grey
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import GrayscaleObservation as VectorGrayscale
from array_env.wrappers import GrayscaleObservation
from tests._image_envs import OnBackend, RandomFrames, rollout
from tests.autoreset_driver import MODES


def _all_colours() -> np.ndarray:
    keys = np.arange(2**24, dtype=np.int64)
    return np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=-1).astype(np.uint8)


def _gymnasium_grey(rgb: np.ndarray) -> np.ndarray:
    grey: np.ndarray = np.sum(np.multiply(rgb, np.array(LUMINANCE)), axis=-1).astype(np.uint8)
    return grey


@pytest.mark.parametrize("float64", [True, False], ids=["float64", "int32-table"])
def test_core_equals_gymnasium_on_every_colour(float64: bool) -> None:
    colours = _all_colours()
    xp = fast_namespace(Backend.NUMPY.xp)  # the plain numpy module, typed as a namespace
    table = grey_table(xp=xp, device="cpu", float64=float64)
    np.testing.assert_array_equal(
        rgb_to_grey(colours, table, keep_dim=False, xp=xp), _gymnasium_grey(colours)
    )


def test_core_under_jax_jit_equals_eager() -> None:
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    colours = jnp.asarray(_all_colours()[::7])  # pyright: ignore[reportUnknownMemberType]
    for float64 in (False, True) if jax.config.values["jax_enable_x64"] else (False,):
        table = grey_table(xp=jnp, device=jax.devices()[0], float64=float64)
        eager = rgb_to_grey(colours, table, keep_dim=True, xp=jnp)
        jitted = jax.jit(lambda c, t: rgb_to_grey(c, t, keep_dim=True, xp=jnp))(colours, table)  # pyright: ignore[reportUnknownArgumentType, reportUnknownLambdaType]
        np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))
        np.testing.assert_array_equal(
            np.asarray(jitted)[..., 0], _gymnasium_grey(np.asarray(colours))
        )


@pytest.mark.parametrize("keep_dim", [False, True])
def test_equals_gymnasium_on_numpy(keep_dim: bool) -> None:
    ours = GrayscaleObservation(RandomFrames((96, 96, 3)), keep_dim=keep_dim)
    theirs = gym.wrappers.GrayscaleObservation(RandomFrames((96, 96, 3)), keep_dim=keep_dim)
    assert ours.observation_space == theirs.observation_space
    assert ours.keep_dim == theirs.keep_dim
    expected = rollout(theirs, 3000, seed=4)
    actual = rollout(ours, 3000, seed=4)
    assert len(actual) == len(expected) > 3000
    for got, want in zip(actual, expected, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert got in ours.observation_space


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_on_numpy(mode: AutoresetMode) -> None:
    """Gymnasium's vector wrapper where it runs (not same-step), its single one per sub-env."""

    def make() -> gym.Env[Any, Any]:
        return RandomFrames((48, 40, 3), mean_length=10)

    single = gym.wrappers.GrayscaleObservation(make(), keep_dim=True)
    ours = VectorGrayscale(SyncVectorEnv([make] * 3, autoreset_mode=mode), keep_dim=True)
    raw = SyncVectorEnv([make] * 3, autoreset_mode=mode)
    theirs = None
    if mode is not AutoresetMode.SAME_STEP:
        theirs = gym.wrappers.vector.GrayscaleObservation(
            SyncVectorEnv([make] * 3, autoreset_mode=mode), keep_dim=True
        )
        assert ours.observation_space == theirs.observation_space  # pyright: ignore[reportUnknownMemberType]
    assert ours.single_observation_space == single.observation_space  # pyright: ignore[reportUnknownMemberType]

    def check(mine: Any, reference: Any, gymnasium_vector: Any) -> None:
        expected = np.stack([single.observation(frame) for frame in reference])
        np.testing.assert_array_equal(mine, expected)
        if gymnasium_vector is not None:
            np.testing.assert_array_equal(mine, gymnasium_vector)

    check(ours.reset(seed=2)[0], raw.reset(seed=2)[0], theirs and theirs.reset(seed=2)[0])
    rng = np.random.default_rng(2)
    for _ in range(1000):
        actions = rng.integers(0, 3, 3)
        mine, reference = ours.step(actions), raw.step(actions)
        check(mine[0], reference[0], theirs and theirs.step(actions)[0])
        done = np.logical_or(mine[2], mine[3])
        if mode is AutoresetMode.SAME_STEP and done.any():
            for row in np.flatnonzero(done):
                np.testing.assert_array_equal(
                    mine[4]["final_obs"][row], single.observation(reference[4]["final_obs"][row])
                )
        if mode is AutoresetMode.DISABLED and done.any():
            options = {"reset_mask": done}
            check(
                ours.reset(options=dict(options))[0],
                raw.reset(options=dict(options))[0],
                theirs and theirs.reset(options=dict(options))[0],
            )


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = rollout(GrayscaleObservation(RandomFrames((24, 20, 3))), 60, seed=3)
    env = GrayscaleObservation(OnBackend(RandomFrames((24, 20, 3)), backend))
    actual = rollout(env, 60, seed=3)
    assert_on_backend(actual[0], backend.xp, backend.device)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(to_host(got), want)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_native_vector_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")

    def run(member: Backend) -> list[np.ndarray]:
        envs = gym.make_vec(
            "array_env/Catch-v0", 3, vectorization_mode="vector_entry_point",
            xp=member.namespace_name, device=member.device_spec, autoreset_mode=mode,
        )  # fmt: skip
        envs = VectorGrayscale(envs)
        obs, _ = envs.reset(seed=1)
        assert_on_backend(obs, member.xp, member.device)
        out = [to_host(obs)]
        rng = np.random.default_rng(1)
        for _ in range(25):
            actions = member.asarray(
                rng.integers(0, 3, 3), "int64" if member.has_float64 else "int32"
            )
            obs, _, terminated, truncated, infos = envs.step(actions)
            out.append(to_host(obs))
            if mode is AutoresetMode.SAME_STEP and "final_obs" in infos:
                out.append(to_host(infos["final_obs"]))
            done = np.logical_or(to_host(terminated), to_host(truncated))
            if mode is AutoresetMode.DISABLED and done.any():
                out.append(to_host(envs.reset(options={"reset_mask": member.asarray(done)})[0]))
        return out

    expected, actual = run(Backend.NUMPY), run(backend)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_constructor_errors_match_gymnasium() -> None:
    cases: list[gym.Env[Any, Any]] = [
        gym.make("CartPole-v1"),
        RandomFrames((10, 10)),
        RandomFrames((10, 10, 4)),
    ]
    float_frames = RandomFrames((10, 10, 3))
    float_frames.observation_space = gym.spaces.Box(0, 255, (10, 10, 3), np.float32)
    cases.append(float_frames)
    for env in cases:
        with pytest.raises(Exception) as theirs:
            gym.wrappers.GrayscaleObservation(env)
        with pytest.raises(type(theirs.value), match=r"^GrayscaleObservation requires") as ours:
            GrayscaleObservation(env)
        assert str(ours.value).startswith(str(theirs.value).split(", got")[0])


class _Feed(gym.Env[Any, Any]):
    observation_space = gym.spaces.Box(0, 255, (4, 5, 3), np.uint8)
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.next: Any = np.zeros((4, 5, 3), np.uint8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.next, {}

    def step(self, action: Any) -> Any:
        return self.next, 0.0, False, False, {}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((4, 5, 3), np.float32), "dtype float32, expected uint8"),
        (np.zeros((4, 5, 4), np.uint8), r"shape \(4, 5, 4\), expected \(4, 5, 3\)"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
    ],
)
def test_bad_observation_is_rejected_and_contract_kept(bad: Any, message: str) -> None:
    base = _Feed()
    env = GrayscaleObservation(base)
    env.reset()
    contract = env._contract  # pyright: ignore[reportPrivateUsage]
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray(np.zeros((4, 5, 3), np.uint8))
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=f"GrayscaleObservation: observation.*{message}"):
        env.step(0)
    assert env._contract is contract  # pyright: ignore[reportPrivateUsage]
    base.next = np.full((4, 5, 3), 200, np.uint8)
    assert int(env.step(0)[0][0, 0]) == 200


def test_pickles_and_deep_copies() -> None:
    env = GrayscaleObservation(RandomFrames((8, 8, 3)))
    env.reset(seed=0)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        np.testing.assert_array_equal(clone.reset(seed=5)[0], env.reset(seed=5)[0])
