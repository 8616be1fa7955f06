from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import array_env
import array_env.envs  # pyright: ignore[reportUnusedImport] - registers array_env/CartPole-v1
from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import FrameStackObservation as VectorFrameStack
from array_env.vector import NormalizeObservation as VectorNormalizeObservation
from array_env.wrappers import FrameStackObservation as FrameStack
from array_env.wrappers import NormalizeObservation
from tests.autoreset_driver import MODES, drive

NP = resolve_namespace("numpy")


class OnBackend(gym.ObservationWrapper[Any, Any, Any]):
    """Hands the wrapped env's NumPy observations out as arrays of ``backend``."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def observation(self, observation: Any) -> Any:
        return self.backend.asarray(observation, observation.dtype.name)


def _rollout(env: gym.Env[Any, Any], steps: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = [to_host(env.reset(seed=seed)[0])]
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(2)))
        out.append(to_host(obs))
        if terminated or truncated:
            out.append(to_host(env.reset()[0]))
    return out


def test_equals_gymnasium_on_numpy() -> None:
    ours = NormalizeObservation(gym.make("CartPole-v1"))
    # gymnasium's RunningMeanStd (theirs.obs_rms) is untyped: the reference is held as Any
    theirs: Any = gym.wrappers.NormalizeObservation(gym.make("CartPole-v1"))
    a, b = _rollout(ours, 3000, seed=7), _rollout(theirs, 3000, seed=7)
    assert len(a) == len(b) > 3000
    np.testing.assert_allclose(np.stack(a), np.stack(b), rtol=1e-5, atol=1e-5)
    assert all(x.dtype == np.float32 for x in a)
    state = ours.state_dict()
    np.testing.assert_allclose(state["mean"], theirs.obs_rms.mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state["var"], theirs.obs_rms.var, rtol=1e-5)
    assert float(state["count"]) == pytest.approx(theirs.obs_rms.count)


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rollout(NormalizeObservation(gym.make("CartPole-v1")), 300, seed=3)
    env = NormalizeObservation(OnBackend(gym.make("CartPole-v1"), backend))
    got = _rollout(env, 300, seed=3)
    np.testing.assert_allclose(np.stack(got), np.stack(expected), rtol=1e-4, atol=1e-4)
    obs = env.step(0)[0]
    assert_on_backend(obs, backend.xp, backend.device)
    assert str(obs.dtype).endswith("float32")
    assert all(env.observation_space.contains(x) for x in got)
    assert_on_backend(env.state_dict(), backend.xp, backend.device)


def test_frozen_statistics_stay_put() -> None:
    env = NormalizeObservation(gym.make("CartPole-v1"))
    _rollout(env, 50, seed=0)
    env.update_running_mean = False
    before = env.state_dict()
    _rollout(env, 50, seed=1)
    after = env.state_dict()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


def test_observation_space_and_constructor_errors() -> None:
    env = NormalizeObservation(gym.make("CartPole-v1"))
    assert env.observation_space == gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    with pytest.raises(
        InvalidBound,
        match=r"NormalizeObservation: `epsilon` should be strictly positive\. Received -1\.0",
    ):
        NormalizeObservation(gym.make("CartPole-v1"), epsilon=-1.0)
    shapeless = Feed()
    shapeless.observation_space = gym.spaces.Dict(a=gym.spaces.Discrete(2))  # type: ignore[assignment]
    with pytest.raises(
        ValueError, match="requires the observation space to have a shape, got Dict"
    ):
        NormalizeObservation(shapeless)
    with pytest.raises(InvalidBound):
        VectorNormalizeObservation(gym.make_vec("CartPole-v1", 2), epsilon=0.0)


class Feed(gym.Env[Any, Any]):
    """Returns whatever observation it is handed next: for bad-input tests."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.next: Any = np.zeros(3, np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.next, {}

    def step(self, action: Any) -> Any:
        return self.next, 0.0, False, False, {}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(3, np.float64), "dtype float64, expected float32"),
        (np.zeros(4, np.float32), r"shape \(4,\), expected \(3,\)"),
        ([0.0, 0.0, 0.0], "must be a numpy array, got list"),
        ("strict", "must be a numpy array, got a array_api_strict array"),
    ],
)
def test_bad_observation_leaves_state_untouched(bad: Any, message: str) -> None:
    base = Feed()
    env = NormalizeObservation(base)
    base.next = np.asarray([1.0, 2.0, 3.0], np.float32)
    env.reset()
    env.step(0)
    before = env.state_dict()
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray([1.0, 2.0, 3.0], "float32")
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=f"NormalizeObservation: observation.*{message}"):
        env.step(0)
    for key, value in env.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_wrong_device_is_rejected() -> None:
    base = Feed()
    backend = Backend.ARRAY_API_STRICT
    base.next = backend.asarray([1.0, 2.0, 3.0], "float32")
    env = NormalizeObservation(base)
    env.reset()
    before = {k: to_host(v) for k, v in env.state_dict().items()}
    base.next = Backend.ARRAY_API_STRICT_DEVICE1.asarray([1.0, 2.0, 3.0], "float32")
    with pytest.raises(ArrayMismatchError, match="on device device1, expected CPU_DEVICE"):
        env.step(0)
    for key, value in env.state_dict().items():
        np.testing.assert_array_equal(to_host(value), before[key])


@pytest.mark.parametrize("source", list(Backend)[:7], ids=lambda b: b.label)
def test_state_dict_round_trips_through_npz(
    tmp_path: Any, backend: Backend, source: Backend
) -> None:
    for member in (backend, source):
        if member.unavailable_reason:
            pytest.skip(member.unavailable_reason)
    if source is not Backend.NUMPY and backend is not Backend.NUMPY:
        pytest.skip("each backend is paired with NumPy both ways (enough for every pair)")
    trained = NormalizeObservation(OnBackend(gym.make("CartPole-v1"), source))
    _rollout(trained, 100, seed=5)
    path = tmp_path / "stats.npz"
    np.savez(path, **array_env.to_namespace(trained.state_dict(), "numpy"))
    restored = NormalizeObservation(OnBackend(gym.make("CartPole-v1"), backend))
    restored.reset(seed=9)
    restored.load_state_dict(dict(np.load(path, allow_pickle=False)))
    assert_on_backend(restored.state_dict(), backend.xp, backend.device)
    restored.update_running_mean = trained.update_running_mean = False
    a, b = _rollout(trained, 20, seed=6), _rollout(restored, 20, seed=6)
    np.testing.assert_allclose(np.stack(b), np.stack(a), rtol=1e-4, atol=1e-4)


def test_load_state_dict_rejects_bad_keys_and_shapes() -> None:
    env = NormalizeObservation(gym.make("CartPole-v1"))
    with pytest.raises(KeyError, match="NormalizeObservation: state dict has no 'var'"):
        env.load_state_dict({"mean": np.zeros(4), "count": np.asarray(1.0)})
    with pytest.raises(ValueError, match=r"'mean' has shape \(3,\), expected \(4,\)"):
        env.load_state_dict({"mean": np.zeros(3), "var": np.ones(4), "count": np.asarray(1.0)})


def test_vector_equals_gymnasium_next_step() -> None:
    ours = VectorNormalizeObservation(gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"))
    # gymnasium's RunningMeanStd (theirs.obs_rms) is untyped: the reference is held as Any
    theirs: Any = gym.wrappers.vector.NormalizeObservation(
        gym.make_vec("CartPole-v1", 4, vectorization_mode="sync")
    )
    assert _observation_space_of(ours) == theirs.observation_space
    rng = np.random.default_rng(0)
    a, _ = ours.reset(seed=11)
    b, _ = theirs.reset(seed=11)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for _ in range(1500):
        actions = rng.integers(2, size=4)
        a = ours.step(actions)[0]
        b = theirs.step(actions)[0]
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.state_dict()["var"], theirs.obs_rms.var, rtol=1e-4)


def _observation_space_of(envs: Any) -> gym.Space[Any]:
    """``envs.observation_space``: VectorWrapper declares it as a bare (partly unknown) Space."""
    space: gym.Space[Any] = envs.observation_space
    return space


def _compare_nothing(what: str, index: int, vector_value: Any, single_value: Any) -> None:
    """The rollout's outputs are not compared here, only the final statistics."""


def _pooled_priors(singles: list[NormalizeObservation[Any, Any]]) -> None:
    """Split the vector wrapper's prior (count 1e-4) among the singles: their merge equals it."""
    for single in singles:
        state = single.state_dict()
        single.load_state_dict({**state, "count": np.asarray(1e-4 / len(singles))})


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode) -> None:
    def compare(what: str, i: int, vector_value: Any, single_value: Any) -> None:
        if what != "reward":
            np.testing.assert_allclose(
                vector_value, single_value, rtol=1e-5, atol=1e-5, err_msg=what
            )

    make = lambda: gym.make("CartPole-v1", max_episode_steps=25)  # noqa: E731
    vector, singles = drive(
        make,
        VectorNormalizeObservation,
        NormalizeObservation,
        mode=mode,
        num_envs=1,
        steps=400,
        seed=2,
        compare=compare,
    )
    for key, value in vector.state_dict().items():
        np.testing.assert_allclose(value, singles[0].state_dict()[key], rtol=1e-9, err_msg=key)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_statistics_pool_the_single_streams(mode: AutoresetMode) -> None:
    from array_env._ops.running_moments import Moments, merge_moments

    def split_prior(env: gym.Env[Any, Any]) -> NormalizeObservation[Any, Any]:
        wrapped = NormalizeObservation(env)
        _pooled_priors([wrapped] * 3)
        return wrapped

    make = lambda: gym.make("CartPole-v1", max_episode_steps=20)  # noqa: E731
    vector, singles = drive(
        make,
        VectorNormalizeObservation,
        split_prior,
        mode=mode,
        num_envs=3,
        steps=200,
        seed=4,
        compare=_compare_nothing,
    )
    states = [s.state_dict() for s in singles]
    pooled = Moments(states[0]["mean"], states[0]["var"], states[0]["count"])
    for state in states[1:]:
        pooled = merge_moments(
            pooled, state["mean"] - pooled.mean, state["var"], state["count"], xp=NP
        )
    got = vector.state_dict()
    np.testing.assert_allclose(got["count"], pooled.count, rtol=1e-12)
    np.testing.assert_allclose(got["mean"], pooled.mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["var"], pooled.var, rtol=1e-9)


def test_vector_same_step_normalizes_final_obs_without_touching_info() -> None:
    envs = SyncVectorEnv(
        [lambda: gym.make("CartPole-v1", max_episode_steps=5)] * 2,
        autoreset_mode=AutoresetMode.SAME_STEP,
    )
    wrapped = VectorNormalizeObservation(envs)
    wrapped.reset(seed=0)
    for _ in range(4):
        wrapped.step(np.zeros(2, dtype=np.int64))
    *_, infos = wrapped.step(np.zeros(2, dtype=np.int64))
    assert infos["_final_obs"].all()
    assert all(x.dtype == np.float32 for x in infos["final_obs"])


def test_vector_rejects_bad_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    envs = VectorNormalizeObservation(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    before = envs.state_dict()
    flags = np.zeros(2, bool)
    bad: tuple[Any, ...] = (np.zeros((3, 4), np.float32), np.zeros(2), flags, flags, {})

    def bad_step(actions: Any) -> tuple[Any, ...]:
        return bad

    monkeypatch.setattr(envs.env, "step", bad_step)
    with pytest.raises(
        ArrayMismatchError,
        match=r"NormalizeObservation: observations has shape \(3, 4\), expected \(2, 4\)",
    ):
        envs.step(np.zeros(2, dtype=np.int64))
    for key, value in envs.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize(
    ("epsilon", "error", "message"),
    [
        ("1e-8", TypeError, "`epsilon` should be a real number, got str '1e-8'"),
        (None, TypeError, "`epsilon` should be a real number, got NoneType None"),
        (True, TypeError, "`epsilon` should be a real number, got bool True"),
        (float("nan"), InvalidBound, "`epsilon` should be strictly positive. Received nan"),
        (0, InvalidBound, "`epsilon` should be strictly positive. Received 0"),
    ],
)
def test_constructor_argument_types_name_the_wrapper(
    epsilon: Any, error: type[Exception], message: str
) -> None:
    import re

    pattern = f"^NormalizeObservation: {re.escape(message)}$"
    with pytest.raises(error, match=pattern):
        NormalizeObservation(gym.make("CartPole-v1"), epsilon=epsilon)
    with pytest.raises(error, match=pattern):
        VectorNormalizeObservation(gym.make_vec("CartPole-v1", 2), epsilon=epsilon)
    small: Any = np.float32(1e-6)
    NormalizeObservation(gym.make("CartPole-v1"), epsilon=small)  # NumPy reals pass


def test_discrete_observations_are_normalised_as_gymnasium_does() -> None:
    # FrozenLake returns Python ints; Gymnasium accepts every space that has a shape
    ours = NormalizeObservation(gym.make("FrozenLake-v1"))
    theirs = gym.wrappers.NormalizeObservation(gym.make("FrozenLake-v1"))
    assert ours.observation_space == theirs.observation_space
    rng = np.random.default_rng(1)
    a, b = ours.reset(seed=3)[0], theirs.reset(seed=3)[0]
    for _ in range(300):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
        action = int(rng.integers(4))
        a, _, done, cut, _ = ours.step(action)
        b, *_ = theirs.step(action)
        if done or cut:
            a, b = ours.reset()[0], theirs.reset()[0]
    reference: Any = theirs.obs_rms
    assert ours.obs_rms.count == pytest.approx(float(reference.count))


def test_obs_rms_reads_and_assigns_the_device_statistics(backend: Backend) -> None:
    train = NormalizeObservation(OnBackend(gym.make("CartPole-v1"), backend))
    _rollout(train, 60, seed=0)
    reference: Any = gym.wrappers.NormalizeObservation(gym.make("CartPole-v1"))
    _rollout(reference, 60, seed=0)
    np.testing.assert_allclose(to_host(train.obs_rms.mean), reference.obs_rms.mean, rtol=1e-5)
    np.testing.assert_allclose(to_host(train.obs_rms.var), reference.obs_rms.var, rtol=1e-4)
    assert train.obs_rms.count == pytest.approx(reference.obs_rms.count)
    # copy the statistics from a training env to an evaluation env, frozen
    evaluation = NormalizeObservation(OnBackend(gym.make("CartPole-v1"), backend))
    evaluation.obs_rms = train.obs_rms
    evaluation.update_running_mean = False
    for key in ("mean", "var"):
        got, want = getattr(evaluation.obs_rms, key), getattr(train.obs_rms, key)
        np.testing.assert_allclose(to_host(got), to_host(want), rtol=1e-6)
        np.testing.assert_allclose(to_host(evaluation.state_dict()[key]), to_host(want), rtol=1e-6)
    assert evaluation.obs_rms.count == pytest.approx(train.obs_rms.count)
    obs, _ = evaluation.reset(seed=5)
    raw, _ = gym.make("CartPole-v1").reset(seed=5)
    mean, var = to_host(train.obs_rms.mean), to_host(train.obs_rms.var)
    expected = (raw - mean) / np.sqrt(var + evaluation.epsilon)
    np.testing.assert_allclose(to_host(obs), expected, rtol=1e-4, atol=1e-4)
    # single attributes, and Gymnasium's RunningMeanStd as a source
    evaluation.obs_rms.var = np.full(4, 4.0)
    np.testing.assert_allclose(to_host(evaluation.state_dict()["var"]), 4.0)
    evaluation.obs_rms = reference.obs_rms
    assert evaluation.obs_rms.count == pytest.approx(reference.obs_rms.count)
    with pytest.raises(ValueError, match="NormalizeObservation"):
        evaluation.obs_rms.var = np.full(4, -1.0)
    np.testing.assert_allclose(to_host(evaluation.obs_rms.var), reference.obs_rms.var, rtol=1e-5)
    vector = VectorNormalizeObservation(gym.make_vec("CartPole-v1", 2))
    vector.obs_rms = train.obs_rms
    np.testing.assert_allclose(to_host(vector.obs_rms.mean), to_host(train.obs_rms.mean))


def test_autograd_never_reaches_the_statistics() -> None:
    torch = pytest.importorskip("torch")
    import copy

    weight = torch.ones(4, requires_grad=True)

    class Encoder(gym.ObservationWrapper[Any, Any, Any]):
        """A learned encoder: its first few outputs are part of a graph."""

        def __init__(self, env: gym.Env[Any, Any]) -> None:
            super().__init__(env)
            self.calls = 0

        def observation(self, observation: Any) -> Any:
            self.calls += 1
            tensor = torch.as_tensor(observation)
            return tensor * weight if self.calls <= 3 else tensor

    wrappers: list[Any] = [
        NormalizeObservation(Encoder(gym.make("CartPole-v1"))),
        FrameStack(Encoder(gym.make("CartPole-v1")), 3),
    ]
    for env in wrappers:
        obs, _ = env.reset(seed=0)
        for _ in range(30):
            obs, *_ = env.step(0)
        assert not obs.requires_grad  # later outputs are plain tensors again
        obs.numpy()
        state: dict[str, Any] = env.state_dict() if hasattr(env, "state_dict") else {}
        for value in [*state.values(), *_ring_frames(env)]:
            assert not value.requires_grad
            assert value.grad_fn is None
        copy.deepcopy(env)


def _ring_frames(env: Any) -> list[Any]:
    rings: list[Any] = getattr(env, "_rings", None) or []
    return [ring.frames for ring in rings]


@pytest.mark.parametrize(
    ("mask", "error", "message"),
    [
        (np.ones(1, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(1,\)"),
        (np.ones(4, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(4,\)"),
        ([True, False, True], TypeError, "must be a boolean array of shape"),
        (True, TypeError, "must be a boolean array of shape"),
        (np.ones(3, np.int64), TypeError, "must have `dtype=bool`"),
    ],
)
def test_vector_reset_mask_is_checked_before_the_env_resets(
    mask: Any, error: type[Exception], message: str
) -> None:
    def frame_stack(envs: Any) -> Any:
        return VectorFrameStack(envs, 3)

    wrappers: list[Any] = [VectorNormalizeObservation, frame_stack]
    for wrap in wrappers:
        base = gym.make_vec(
            "array_env/CartPole-v1", 3, vectorization_mode="vector_entry_point",
            autoreset_mode=AutoresetMode.DISABLED,
        )  # fmt: skip
        envs: Any = wrap(base)
        envs.reset(seed=0)
        for _ in range(3):
            envs.step(np.zeros(3, np.int64))
        before = copy_state(envs)
        with pytest.raises(
            error, match=f"(NormalizeObservation|FrameStackObservation): .*{message}"
        ):
            envs.reset(options={"reset_mask": mask})
        after = copy_state(envs)
        for got, want in zip(after, before, strict=True):
            np.testing.assert_array_equal(got, want)
        fresh: Any = wrap(
            gym.make_vec("array_env/CartPole-v1", 3, vectorization_mode="vector_entry_point")
        )
        with pytest.raises(error, match=f"Observation: .*{message}"):  # the very first reset too
            fresh.reset(seed=0, options={"reset_mask": mask})


def copy_state(envs: Any) -> list[np.ndarray]:
    """The wrapper's state and the inner env's, as host copies."""
    inner = [np.array(to_host(x), copy=True) for x in envs.unwrapped.state]
    if hasattr(envs, "state_dict"):
        return inner + [np.array(to_host(v), copy=True) for v in envs.state_dict().values()]
    return inner + [np.array(to_host(ring.frames), copy=True) for ring in envs._rings]


@pytest.mark.parametrize("native", [True, False], ids=["native_stacked", "sync_object_array"])
def test_vector_same_step_final_obs_is_counted_and_normalised(native: bool) -> None:
    """``final_obs`` (a native env's stacked array, or SyncVectorEnv's object array) against
    Gymnasium's RunningMeanStd fed by hand: counted before the new observations, normalised."""
    from gymnasium.wrappers.utils import RunningMeanStd

    class Recorder(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        last: Any = None

        def reset(self, **kwargs: Any) -> Any:
            self.last = self.env.reset(**kwargs)
            return self.last

        def step(self, actions: Any) -> Any:
            self.last = self.env.step(actions)
            return self.last

    if native:
        base: Any = gym.make_vec(
            "array_env/CartPole-v1", 3, vectorization_mode="vector_entry_point",
            autoreset_mode=AutoresetMode.SAME_STEP,
        )  # fmt: skip
    else:
        base = SyncVectorEnv(
            [lambda: gym.make("CartPole-v1")] * 3, autoreset_mode=AutoresetMode.SAME_STEP
        )
    recorder = Recorder(base)
    envs = VectorNormalizeObservation(recorder)
    rms: Any = RunningMeanStd(shape=(4,))  # type: ignore[no-untyped-call]
    obs, _ = envs.reset(seed=0)
    rms.update(np.asarray(recorder.last[0]))
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(150):
        obs, *_, infos = envs.step(rng.integers(0, 2, 3))
        raw, *_, raw_infos = recorder.last
        mask = np.asarray(raw_infos.get("_final_obs", np.zeros(3, bool)))
        if mask.any():
            rows = np.flatnonzero(mask)
            final = np.stack([np.asarray(raw_infos["final_obs"][i]) for i in rows])
            rms.update(final)
            expected = (final - rms.mean) / np.sqrt(rms.var + envs.epsilon)
            got = np.stack([np.asarray(infos["final_obs"][i]) for i in rows])
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
            finished += len(rows)
        rms.update(np.asarray(raw))
        np.testing.assert_allclose(
            obs, (raw - rms.mean) / np.sqrt(rms.var + envs.epsilon), rtol=1e-4, atol=1e-4
        )
    assert finished >= 3
    assert envs.obs_rms.count == pytest.approx(rms.count)


def test_check_finite_rejects_before_the_statistics_change() -> None:
    base = Feed()
    env = NormalizeObservation(base, check_finite=True)
    base.next = np.asarray([1.0, 2.0, 3.0], np.float32)
    env.reset()
    before = env.state_dict()
    for bad in (np.asarray([1.0, np.nan, 0.0], np.float32), np.asarray([np.inf, 0, 0], np.float32)):
        base.next = bad
        with pytest.raises(ValueError, match="NormalizeObservation: observation is not finite"):
            env.step(0)
        for key, value in env.state_dict().items():
            np.testing.assert_array_equal(value, before[key])
    feed = Feed()
    unchecked = NormalizeObservation(feed)  # the default is Gymnasium's: poisoned, silently
    unchecked.reset()
    feed.next = np.asarray([np.nan, 0.0, 0.0], np.float32)
    unchecked.step(0)
    assert np.isnan(unchecked.state_dict()["mean"][0])
    vector = VectorNormalizeObservation(gym.make_vec("CartPole-v1", 2), check_finite=True)
    vector.reset(seed=0)
    assert vector.check_finite


def test_cores_run_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    from array_env._ops.running_moments import Moments
    from array_env.wrappers.observation import normalize_observation

    xp = resolve_namespace("jax")
    moments = Moments(xp.asarray([1.0, -2.0]), xp.asarray([4.0, 0.25]), xp.asarray(10.0))
    batch = xp.asarray([[3.0, -2.0], [1.0, -1.5]])

    def core(mean: Any, var: Any, count: Any, x: Any) -> Any:
        return normalize_observation(
            Moments(mean, var, count), x, epsilon=1e-8, dtype=xp.float32, xp=xp
        )

    eager = core(*moments[:3], batch)
    jitted = jax.jit(core)(*moments[:3], batch)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(eager), [[1.0, 0.0], [0.0, 1.0]], rtol=1e-6)


def test_assigning_epsilon_takes_effect_on_the_next_step() -> None:
    """epsilon is uploaded once as an array: assigning a new value must still be used."""
    env = NormalizeObservation(gym.make("CartPole-v1"))
    env.reset(seed=0)
    for _ in range(5):
        env.step(1)
    env.epsilon = 4.0
    env.update_running_mean = False
    obs, *_ = env.step(0)
    cartpole: Any = env.unwrapped
    raw = np.asarray(cartpole.state, dtype=np.float32)
    state = env.state_dict()
    expected = (raw - state["mean"]) / np.sqrt(state["var"] + 4.0)
    np.testing.assert_allclose(obs, expected.astype(np.float32), rtol=1e-6)


def test_fused_update_and_normalize_equals_the_two_cores(backend: Backend) -> None:
    from array_env._ops.fast_namespace import fast_namespace
    from array_env._ops.running_moments import init_moments, update_moments
    from array_env.wrappers.observation import normalize_observation, update_and_normalize

    xp = fast_namespace(backend.xp)
    rng = np.random.default_rng(5)
    separate = fused = init_moments((3,), xp=xp, device=backend.device)
    for step, n in enumerate((1, 7, 64, 2, 300)):
        host = rng.normal([1e3, -2.0, 0.0], [1.0, 5.0, 1e-3], size=(n, 3)).astype(np.float32)
        batch = backend.asarray(host, "float32")
        separate = update_moments(separate, batch, xp=xp)
        expected = normalize_observation(separate, batch, epsilon=1e-8, dtype=xp.float32, xp=xp)
        fused, got = update_and_normalize(fused, batch, epsilon=1e-8, dtype=xp.float32, xp=xp)
        assert_on_backend(got, backend.xp, backend.device)
        np.testing.assert_array_equal(to_host(batch), host, err_msg="input written")
        np.testing.assert_allclose(to_host(got), to_host(expected), rtol=1e-6, atol=1e-6)
        for a, b in zip(fused[:3], separate[:3], strict=True):
            np.testing.assert_allclose(to_host(a), to_host(b), rtol=1e-12, err_msg=f"step {step}")


def test_fused_update_and_normalize_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    from array_env._ops.running_moments import Moments
    from array_env.wrappers.observation import update_and_normalize

    xp = resolve_namespace("jax")
    moments = Moments(xp.asarray([1.0, -2.0]), xp.asarray([4.0, 0.25]), xp.asarray(10.0))
    batch = xp.asarray([[3.0, -2.0], [1.0, -1.5], [0.5, 0.5]])

    def core(mean: Any, var: Any, count: Any, x: Any) -> Any:
        return update_and_normalize(
            Moments(mean, var, count), x, epsilon=1e-8, dtype=xp.float32, xp=xp
        )

    eager = core(*moments[:3], batch)
    jitted = jax.jit(core)(*moments[:3], batch)
    leaves = zip(jax.tree_util.tree_leaves(jitted), jax.tree_util.tree_leaves(eager), strict=True)
    for a, b in leaves:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
