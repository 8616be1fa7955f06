"""ResizeObservation, single and vector, against Gymnasium's (OpenCV) and across backends."""

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
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import ResizeObservation as VectorResize
from array_env.wrappers import ResizeObservation
from tests._image_envs import OnBackend, RandomFrames, rollout
from tests.autoreset_driver import MODES

pytest.importorskip("cv2", reason="Gymnasium's ResizeObservation needs opencv (the `test` extra)")

# (frame shape, target, largest grey-level difference from Gymnasium's cv2 path)
CASES = [
    ((210, 160, 3), (84, 84), 0),
    ((250, 160), (84, 84), 0),
    ((96, 96, 3), (84, 84), 0),
    ((40, 30, 3), (64, 48), 1),  # enlarging: within one grey level
]


@pytest.mark.parametrize(("shape", "target", "tolerance"), CASES)
def test_equals_gymnasium_on_numpy(
    shape: tuple[int, ...], target: tuple[int, int], tolerance: int
) -> None:
    ours = ResizeObservation(RandomFrames(shape), target)
    theirs = gym.wrappers.ResizeObservation(RandomFrames(shape), target)
    assert ours.observation_space == theirs.observation_space
    assert (ours.shape, ours.cv2_shape) == (theirs.shape, theirs.cv2_shape)
    steps = 2000 if shape[0] > 100 else 3000
    expected = rollout(theirs, steps, seed=6)
    actual = rollout(ours, steps, seed=6)
    assert len(actual) == len(expected) > steps
    worst = 0
    for got, want in zip(actual, expected, strict=True):
        assert got.dtype == want.dtype
        assert got.shape == want.shape
        worst = max(worst, int(np.abs(got.astype(int) - want.astype(int)).max()))
        assert got in ours.observation_space
    assert worst <= tolerance


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_on_numpy(mode: AutoresetMode) -> None:
    """Gymnasium's vector wrapper where it runs (not same-step), its single one per sub-env."""

    def make() -> gym.Env[Any, Any]:
        return RandomFrames((63, 50, 3), mean_length=10)

    single = gym.wrappers.ResizeObservation(make(), (21, 20))
    ours = VectorResize(SyncVectorEnv([make] * 3, autoreset_mode=mode), (21, 20))
    raw = SyncVectorEnv([make] * 3, autoreset_mode=mode)
    theirs = None
    if mode is not AutoresetMode.SAME_STEP:
        theirs = gym.wrappers.vector.ResizeObservation(
            SyncVectorEnv([make] * 3, autoreset_mode=mode), (21, 20)
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
    expected = rollout(ResizeObservation(RandomFrames((50, 40, 3)), (21, 17)), 40, seed=3)
    env = ResizeObservation(OnBackend(RandomFrames((50, 40, 3)), backend), (21, 17))
    actual = rollout(env, 40, seed=3)
    assert_on_backend(actual[0], backend.xp, backend.device)
    for got, want in zip(actual, expected, strict=True):
        # float32 sums in another order may cross a rounding tie, by one level at most
        assert np.abs(to_host(got).astype(int) - want.astype(int)).max() <= 1


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_native_vector_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")

    def run(member: Backend) -> list[np.ndarray]:
        envs = gym.make_vec(
            "array_env/Catch-v0", 3, vectorization_mode="vector_entry_point",
            xp=member.namespace_name, device=member.device_spec, autoreset_mode=mode,
        )  # fmt: skip
        envs = VectorResize(envs, (30, 50))
        obs, _ = envs.reset(seed=1)
        assert_on_backend(obs, member.xp, member.device)
        out = [to_host(obs)]
        rng = np.random.default_rng(1)
        for _ in range(25):
            dtype = "int64" if member.has_float64 else "int32"
            obs, _, terminated, truncated, infos = envs.step(
                member.asarray(rng.integers(0, 3, 3), dtype)
            )
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
        assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


def _float_frames() -> gym.Env[Any, Any]:
    env = RandomFrames((10, 10, 3))
    env.observation_space = gym.spaces.Box(0, 255, (10, 10, 3), np.float32)
    return env


def _bounded_frames() -> gym.Env[Any, Any]:
    env = RandomFrames((10, 10, 3))
    env.observation_space = gym.spaces.Box(0, 100, (10, 10, 3), np.uint8)
    return env


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: gym.make("FrozenLake-v1"), (5, 5)),
        (lambda: RandomFrames((10,)), (5, 5)),
        (_bounded_frames, (5, 5)),
        (_float_frames, (5, 5)),
        (lambda: RandomFrames((10, 10, 3)), [5, 5]),
        (lambda: RandomFrames((10, 10, 3)), (5, 5, 3)),
        (lambda: RandomFrames((10, 10, 3)), (5.0, 5)),
        (lambda: RandomFrames((10, 10, 3)), (0, 5)),
        (lambda: RandomFrames((10, 10, 3)), (5, -1)),
    ],
)
def test_constructor_errors_match_gymnasium(make: Any, shape: Any) -> None:
    with pytest.raises(Exception) as theirs:
        gym.wrappers.ResizeObservation(make(), shape)
    with pytest.raises(type(theirs.value), match=r"^ResizeObservation requires") as ours:
        ResizeObservation(make(), shape)
    assert str(ours.value).startswith(str(theirs.value).split(", got")[0])
    if ", got" in str(theirs.value):  # the value received, as Gymnasium words it
        assert str(ours.value).endswith(str(theirs.value).split(", got")[-1])
    with pytest.raises(type(theirs.value), match=r"^ResizeObservation requires"):
        VectorResize(SyncVectorEnv([make]), shape)


class _Feed(gym.Env[Any, Any]):
    observation_space = gym.spaces.Box(0, 255, (8, 6), np.uint8)
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.next: Any = np.zeros((8, 6), np.uint8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.next, {}

    def step(self, action: Any) -> Any:
        return self.next, 0.0, False, False, {}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((8, 6), np.int16), "dtype int16, expected uint8"),
        (np.zeros((8, 6, 1), np.uint8), r"shape \(8, 6, 1\), expected \(8, 6\)"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
    ],
)
def test_bad_observation_is_rejected_and_contract_kept(bad: Any, message: str) -> None:
    base = _Feed()
    env = ResizeObservation(base, (4, 3))
    env.reset()
    contract = env._contract  # pyright: ignore[reportPrivateUsage]
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray(np.zeros((8, 6), np.uint8))
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=f"ResizeObservation: observation.*{message}"):
        env.step(0)
    assert env._contract is contract  # pyright: ignore[reportPrivateUsage]
    base.next = np.full((8, 6), 77, np.uint8)
    np.testing.assert_array_equal(env.step(0)[0], np.full((4, 3), 77, np.uint8))


def test_pickles_and_deep_copies() -> None:
    env = ResizeObservation(RandomFrames((16, 16, 3)), (5, 7))
    env.reset(seed=0)
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        np.testing.assert_array_equal(clone.reset(seed=5)[0], env.reset(seed=5)[0])
