"""The xp environments' surface: registration, spaces, rendering, bad input, pickling, GPU syncs."""

from __future__ import annotations

import pickle
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import EnvSpec

import array_env.envs as envs
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, backend_params, no_host_sync, to_host

SAME_AS_NUMPY = pytest.mark.skip_backend(
    Backend.NUMPY_READONLY, reason="the env makes its own arrays: identical to numpy"
)
IDS = [
    "array_env/CartPole-v1",
    "array_env/Pendulum-v1",
    "array_env/Catch-v0",
    "array_env/NestedCatch-v0",
]


def _kwargs(backend: Backend) -> dict[str, Any]:
    return {"xp": backend.namespace_name, "device": backend.device_spec}


def _action(env: Any, backend: Backend, rng: np.random.Generator, batch: int | None = None) -> Any:
    space: Any = env.single_action_space if batch is not None else env.action_space
    shape = () if batch is None else (batch,)
    if isinstance(space, gym.spaces.Discrete):
        n = int(space.n)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        return backend.asarray(rng.integers(0, n, size=shape).tolist())
    values = rng.uniform(-2, 2, size=(*shape, *space.shape)).astype(np.float32)
    return backend.asarray(values, "float32")


def _host_tree(tree: Any) -> Any:
    if isinstance(tree, dict):
        mapping: dict[Any, Any] = tree  # pyright: ignore[reportUnknownVariableType]
        return {k: _host_tree(v) for k, v in mapping.items()}
    if isinstance(tree, tuple):
        items: tuple[Any, ...] = tree  # pyright: ignore[reportUnknownVariableType]
        return tuple(_host_tree(v) for v in items)
    host = to_host(tree)
    if host.dtype == np.int32:  # jax without x64 has no int64 (documented)
        host = host.astype(np.int64)
    return host


@SAME_AS_NUMPY
@pytest.mark.parametrize("env_id", IDS)
def test_make_single_outputs_on_backend_and_in_space(env_id: str, backend: Backend) -> None:
    env: Any = gym.make(env_id, render_mode="rgb_array", **_kwargs(backend))
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(8):
        assert env.observation_space.contains(_host_tree(obs))
        obs, reward, terminated, truncated, _ = env.step(_action(env, backend, rng))
        assert_on_backend((obs, reward, terminated, truncated), backend.xp, backend.device)
        assert reward.shape == ()
        assert terminated.shape == ()
        if bool(terminated):
            obs, _info = env.reset()
    frame = env.render()
    assert_on_backend(frame, backend.xp, backend.device)
    assert frame.dtype == backend.xp.uint8
    assert frame.ndim == 3
    assert frame.shape[-1] == 3


@SAME_AS_NUMPY
@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_outputs_on_backend_and_in_space(env_id: str, backend: Backend) -> None:
    n = 5
    envs_ = gym.make_vec(
        env_id,
        num_envs=n,
        vectorization_mode="vector_entry_point",
        render_mode="rgb_array",
        **_kwargs(backend),
    )
    assert isinstance(envs_, envs.ArrayVectorEnv)
    obs, _ = envs_.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(8):
        assert envs_.observation_space.contains(_host_tree(obs))  # pyright: ignore[reportUnknownMemberType]
        obs, reward, terminated, truncated, _ = envs_.step(_action(envs_, backend, rng, n))
        assert_on_backend((obs, reward, terminated, truncated), backend.xp, backend.device)
        assert reward.shape == (n,)
        assert reward.dtype == backend.xp.float32
        assert terminated.dtype == backend.xp.bool
        assert truncated.dtype == backend.xp.bool
    frames = envs_.render()
    assert_on_backend(frames, backend.xp, backend.device)
    assert frames.shape[0] == n
    assert frames.dtype == backend.xp.uint8


@pytest.mark.parametrize("env_id", IDS)
def test_spec_round_trips(env_id: str) -> None:
    env = gym.make(env_id, xp="array_api_strict", device="device1")
    assert env.spec is not None
    assert EnvSpec.from_json(env.spec.to_json()) == env.spec
    again = gym.make(env.spec)
    assert again.spec == env.spec
    assert getattr(again.unwrapped, "device") == getattr(env.unwrapped, "device")  # noqa: B009
    vec = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point", xp="numpy")
    assert vec.spec is not None
    rebuilt = gym.make_vec(vec.spec)
    assert rebuilt.spec == vec.spec
    assert rebuilt.num_envs == 3


def test_time_limits_follow_gymnasium() -> None:
    assert gym.spec("array_env/CartPole-v1").max_episode_steps == 500
    assert gym.spec("array_env/Pendulum-v1").max_episode_steps == 200
    vec = gym.make_vec("array_env/CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")
    assert vec.unwrapped.max_episode_steps == 500  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


@pytest.mark.parametrize("env_id", IDS)
def test_step_before_reset_raises_reset_needed(env_id: str) -> None:
    spec = gym.spec(env_id)
    for env in (spec.make(), gym.make(env_id).unwrapped):
        space: Any = env.action_space
        with pytest.raises(gym.error.ResetNeeded):
            env.step(np.zeros(space.shape, space.dtype))
    vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
    vec_space: Any = vec.action_space  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    with pytest.raises(gym.error.ResetNeeded, match="call reset"):
        vec.step(np.zeros(vec_space.shape, vec_space.dtype))


def _bad_actions() -> list[tuple[str, Any, type[Exception], str]]:
    import array_api_strict as xps

    return [
        ("python int", 1, ArrayMismatchError, "must be a numpy array, got int"),
        ("other namespace", xps.asarray(1), ArrayMismatchError, "got a array_api_strict array"),
        ("shape", np.array([1]), ArrayMismatchError, r"shape \(1,\), expected \(\)"),
        ("dtype", np.array(1.0), ArrayMismatchError, "expected an integer dtype"),
        ("value", np.array(2), envs.ActionOutsideSpaceError, "outside the action space"),
    ]


@pytest.mark.parametrize("case", _bad_actions(), ids=lambda c: c[0])
def test_bad_cartpole_action_is_rejected_and_state_kept(case: Any) -> None:
    _, action, error, message = case
    env, twin = envs.CartPoleEnv(), envs.CartPoleEnv()
    env.reset(seed=1)
    twin.reset(seed=1)
    with pytest.raises(error, match=f"CartPoleEnv: .*{message}"):
        env.step(action)
    # the rejected action left the state bit-identical to the untouched twin's
    for got, want in zip(env.state, twin.state, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(env.step(np.array(1))[0], twin.step(np.array(1))[0])


def test_bad_device_and_pendulum_bounds() -> None:
    import array_api_strict as xps

    env = envs.PendulumEnv(xp=xps, device="device1")
    env.reset(seed=0)
    with pytest.raises(
        ArrayMismatchError,
        match="PendulumEnv: action is on device CPU_DEVICE, expected device1",
    ):
        env.step(xps.asarray([0.0], dtype=xps.float32))
    inside = xps.asarray([0.0], dtype=xps.float32, device=env.device)
    with pytest.raises(ArrayMismatchError, match=r"dtype array_api_strict\.float64, expected"):
        env.step(xps.asarray([0.0], dtype=xps.float64, device=env.device))
    with pytest.raises(envs.ActionOutsideSpaceError, match=r"PendulumEnv: .*outside"):
        env.step(xps.asarray([2.5], dtype=xps.float32, device=env.device))
    with pytest.raises(envs.ActionOutsideSpaceError):
        env.step(xps.asarray([float("nan")], dtype=xps.float32, device=env.device))
    env.step(inside)
    unchecked = envs.PendulumEnv(check_action_values=False)
    unchecked.reset(seed=0)
    unchecked.step(np.array([2.5], dtype=np.float32))  # clipped, as in Gymnasium


def test_vector_action_checks_name_the_env() -> None:
    vec = envs.CartPoleVectorEnv(num_envs=3)
    vec.reset(seed=0)
    with pytest.raises(
        ArrayMismatchError,
        match=r"CartPoleVectorEnv: action has shape \(2,\), expected \(3,\)",
    ):
        vec.step(np.array([0, 1]))
    with pytest.raises(envs.ActionOutsideSpaceError, match="CartPoleVectorEnv"):
        vec.step(np.array([0, 1, -1]))


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="CatchEnv: render_mode must be one of"):
        envs.CatchEnv(render_mode="human")
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'"):
        envs.CatchEnv(xp="tensorflow")


@pytest.mark.parametrize("member", [Backend.NUMPY, Backend.TORCH], ids=lambda b: b.label)
def test_disabled_mode_resets_only_the_mask(member: Backend) -> None:
    vec = envs.CatchVectorEnv(num_envs=4, autoreset_mode="Disabled", **_kwargs(member))
    vec.reset(seed=0)
    for _ in range(3):
        vec.step(member.asarray(np.ones(4, dtype=np.int64)))
    mask = np.array([True, False, True, False])
    before = to_host(vec.state.ball_row)
    vec.reset(options={"reset_mask": mask})  # a NumPy mask is sent to the device
    after = to_host(vec.state.ball_row)
    np.testing.assert_array_equal(after, np.where(mask, 0, before))
    assert before.tolist() == [3, 3, 3, 3]
    with pytest.raises(ArrayMismatchError, match=r"reset_mask.*shape \(2,\), expected \(4,\)"):
        vec.reset(options={"reset_mask": member.asarray(np.array([True, False]))})


def test_catch_rules_against_a_plain_python_reference() -> None:
    env = envs.CatchEnv()
    rng = np.random.default_rng(5)
    for episode in range(20):
        obs, _ = env.reset(seed=episode)
        _, ball, paddle = (int(v[0]) for v in env.state)
        for row in range(1, 12):
            action = int(rng.integers(3))
            obs, reward, terminated, _, _ = env.step(np.array(action))
            paddle = min(max(paddle + action - 1, 0), 11)
            assert bool(terminated) == (row == 11)
            expected = (1.0 if paddle == ball else -1.0) if row == 11 else 0.0
            assert float(reward) == expected
            cell = obs[row * 7 : row * 7 + 7, ball * 7 : ball * 7 + 7]
            assert (cell == [255, 64, 64]).all(), "the ball is drawn in its cell"
            assert (obs[77:, paddle * 7 : paddle * 7 + 7] != 0).all(), "the paddle is drawn"
            lit = (obs != 0).any(axis=-1).sum()
            assert lit == (49 if paddle == ball and row == 11 else 98)


def test_nested_catch_observation_is_consistent_with_catch() -> None:
    nested, plain = envs.NestedCatchEnv(), envs.CatchEnv()
    obs, _ = nested.reset(seed=3)
    frame, _ = plain.reset(seed=3)
    for _ in range(5):
        image, flags, rows_left = obs["sensors"]
        np.testing.assert_array_equal(image, frame[3::7, 3::7])
        ball_row, ball, paddle = (int(v[0]) for v in nested.state)
        assert flags.tolist() == [ball < paddle, ball > paddle]
        assert int(rows_left) == 11 - ball_row
        assert rows_left.dtype == np.int64
        np.testing.assert_allclose(obs["position"], np.array([ball_row, ball, paddle]) / 11)
        obs, *_ = nested.step(np.array(2))
        frame, *_ = plain.step(np.array(2))


def _colour_pixels(frame: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.argwhere((frame == rgb).all(axis=-1))


def test_cartpole_frame_shows_cart_pole_and_track() -> None:
    env = envs.CartPoleEnv(render_mode="rgb_array")
    env.reset(seed=0)
    env.state = env.state._replace(x=np.array([1.2]), theta=np.array([0.3]))
    frame = to_host(env.render())
    assert frame.shape == (400, 600, 3)
    cart_column = 1.2 * 125 + 300
    cart = _colour_pixels(frame, (0, 0, 0))
    body = cart[(cart[:, 0] < 299) | (cart[:, 0] > 300)]  # the track is black rows 299-300
    assert abs(body[:, 1].mean() - cart_column) < 1
    assert len(body) > 1000
    pole = _colour_pixels(frame, (202, 152, 101))
    top = pole[pole[:, 0].argmin()]
    assert top[1] > cart_column + 30, "the pole leans right for a positive angle"
    assert len(_colour_pixels(frame, (129, 132, 203))) > 20, "the axle is drawn"


def test_pendulum_frame_points_the_rod_along_the_angle() -> None:
    pytest.importorskip("torch", reason="torch is not installed")
    env = envs.PendulumEnv(render_mode="rgb_array", xp="torch")
    env.reset(seed=0)
    for theta, side in ((0.0, "up"), (np.pi / 2, "left"), (np.pi, "down")):
        env.state = env.state._replace(theta=env.xp.asarray([theta], dtype=env.xp.float64))
        rod = _colour_pixels(to_host(env.render()), (204, 77, 77))
        rows, cols = rod[:, 0].mean() - 250, rod[:, 1].mean() - 250
        assert {"up": rows < -40, "down": rows > 40, "left": cols < -40}[side]


@pytest.mark.parametrize(
    "member",
    [Backend.NUMPY, Backend.ARRAY_API_STRICT_DEVICE1, Backend.TORCH, Backend.JAX],
    ids=lambda b: b.label,
)
@pytest.mark.parametrize("vector", [False, True])
def test_pickle_keeps_trajectory(member: Backend, vector: bool) -> None:
    env: Any = (
        envs.CartPoleVectorEnv(num_envs=3, **_kwargs(member))
        if vector
        else envs.CartPoleEnv(**_kwargs(member))
    )
    env.reset(seed=0)
    clone = pickle.loads(pickle.dumps(env))
    assert clone.device == env.device
    action = member.asarray([1, 1, 1] if vector else 1)
    np.testing.assert_array_equal(to_host(clone.step(action)[0]), to_host(env.step(action)[0]))


@pytest.mark.parametrize(
    "gpu", backend_params([Backend.TORCH_CUDA, Backend.JAX_CUDA]), ids=lambda b: b.label
)
@pytest.mark.parametrize("env_id", IDS)
def test_no_device_to_host_sync_on_gpu(gpu: Backend, env_id: str) -> None:
    rng = np.random.default_rng(0)
    single = gym.make(env_id, **_kwargs(gpu)).unwrapped
    vec = gym.make_vec(env_id, num_envs=64, vectorization_mode="vector_entry_point", **_kwargs(gpu))
    single_actions = [_action(single, gpu, rng) for _ in range(12)]
    vec_actions = [_action(vec, gpu, rng, 64) for _ in range(12)]
    single.reset(seed=0)  # warm-up: compilation and allocation outside the guard
    vec.reset(seed=0)
    single.step(single_actions[0])
    vec.step(vec_actions[0])
    with no_host_sync(gpu):
        single.reset(seed=1)
        vec.reset(seed=1)
        for single_action, vec_action in zip(single_actions, vec_actions, strict=True):
            single.step(single_action)
            vec.step(vec_action)


def test_array_mismatch_error_is_exported_and_caught_from_the_package() -> None:
    import array_env

    env = envs.CartPoleEnv()
    env.reset(seed=0)
    with pytest.raises(array_env.ArrayMismatchError, match="CartPoleEnv"):
        env.step(np.array(1.0))
    assert "ArrayMismatchError" in array_env.__all__
