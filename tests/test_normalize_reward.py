from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import InvalidBound
from gymnasium.vector import AutoresetMode

import array_env
from array_env import resolve_namespace
from array_env._checks import ArrayMismatchError
from array_env._ops.running_moments import Moments, merge_moments
from array_env.testing import Backend, assert_on_backend, to_host
from array_env.vector import NormalizeReward as VectorNormalizeReward
from array_env.wrappers import NormalizeReward
from tests.autoreset_driver import MODES, drive

NP = resolve_namespace("numpy")


class RewardOnBackend(gym.Wrapper[Any, Any, Any, Any]):
    """Hands the wrapped env's rewards out as 0-d arrays of ``backend`` (float32)."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, self.backend.asarray(float(reward), "float32"), terminated, truncated, info


def _rewards(env: gym.Env[Any, Any], steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    out: list[float] = []
    for _ in range(steps):
        _, reward, terminated, truncated, _ = env.step(
            rng.uniform(-2, 2, size=(1,)).astype(np.float32)
        )
        out.append(float(to_host(reward)) if not isinstance(reward, float) else reward)
        if terminated or truncated:
            env.reset()
    return np.asarray(out)


def _compare_nothing(what: str, index: int, vector_value: Any, single_value: Any) -> None:
    """The rollout's outputs are not compared here, only the final statistics."""


def _pendulum() -> gym.Env[Any, Any]:
    return gym.make("Pendulum-v1", max_episode_steps=60)


@pytest.mark.parametrize("gamma", [0.99, 0.5])
def test_equals_gymnasium_on_numpy(gamma: float) -> None:
    ours = NormalizeReward(_pendulum(), gamma=gamma)
    # gymnasium's RunningMeanStd (theirs.return_rms) is untyped: the reference is held as Any
    theirs: Any = gym.wrappers.NormalizeReward(_pendulum(), gamma=gamma)
    a, b = _rewards(ours, 3000, seed=1), _rewards(theirs, 3000, seed=1)
    np.testing.assert_allclose(a, b, rtol=1e-9)
    state = ours.state_dict()
    assert float(state["var"]) == pytest.approx(float(theirs.return_rms.var), rel=1e-9)
    assert float(state["returns"]) == pytest.approx(float(theirs.discounted_reward[0]), rel=1e-9)


def test_terminations_drop_the_return_like_gymnasium() -> None:
    ours = NormalizeReward(gym.make("CartPole-v1"), gamma=0.9)
    theirs = gym.wrappers.NormalizeReward(gym.make("CartPole-v1"), gamma=0.9)
    for env in (ours, theirs):
        env.reset(seed=0)
    for _ in range(2000):
        a = ours.step(1)
        b = theirs.step(1)
        assert float(a[1]) == pytest.approx(float(b[1]), rel=1e-9)
        assert a[2] == b[2]
        if a[2] or a[3]:
            ours.reset()
            theirs.reset()


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rewards(NormalizeReward(_pendulum()), 400, seed=2)
    env = NormalizeReward(RewardOnBackend(_pendulum(), backend))
    got = _rewards(env, 400, seed=2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    reward = env.step(np.zeros(1, np.float32))[1]
    assert_on_backend(reward, backend.xp, backend.device)
    assert str(reward.dtype).endswith("float32")
    assert_on_backend(env.state_dict(), backend.xp, backend.device)


def test_constructor_errors() -> None:
    with pytest.raises(
        InvalidBound,
        match=r"NormalizeReward: `gamma` should be in the interval \[0, 1\]\. Received -0\.1",
    ):
        NormalizeReward(gym.make("CartPole-v1"), gamma=-0.1)
    with pytest.raises(
        InvalidBound,
        match=r"NormalizeReward: `epsilon` should be strictly positive\. Received -1e-08",
    ):
        NormalizeReward(gym.make("CartPole-v1"), epsilon=-1e-8)
    with pytest.raises(InvalidBound, match="gamma"):
        VectorNormalizeReward(gym.make_vec("CartPole-v1", 2), gamma=1.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epsilon": "1e-8"}, "`epsilon` should be a real number, got str '1e-8'"),
        ({"gamma": None}, "`gamma` should be a real number, got NoneType None"),
        ({"epsilon": True}, "`epsilon` should be a real number, got bool True"),
        ({"gamma": 1j}, "`gamma` should be a real number, got complex"),
    ],
)
def test_constructor_argument_types_name_the_wrapper(kwargs: dict[str, Any], message: str) -> None:
    # Callable[..., object]: the wrong argument types are the point of the test
    single: Any = NormalizeReward
    vector: Any = VectorNormalizeReward
    with pytest.raises(TypeError, match=f"^NormalizeReward: {message}"):
        single(gym.make("CartPole-v1"), **kwargs)
    with pytest.raises(TypeError, match=f"^NormalizeReward: {message}"):
        vector(gym.make_vec("CartPole-v1", 2), **kwargs)
    # NumPy scalars are real numbers, as Gymnasium's comparisons take them
    gamma: Any = np.float32(0.5)
    epsilon: Any = np.int64(1)
    env = NormalizeReward(gym.make("CartPole-v1"), gamma=gamma, epsilon=epsilon)
    assert (env.gamma, env.epsilon) == (0.5, 1)


def test_bad_reward_leaves_state_untouched() -> None:
    rewards = RewardOnBackend(_pendulum(), Backend.ARRAY_API_STRICT)
    env = NormalizeReward(rewards)
    _rewards(env, 10, seed=0)
    before = {k: to_host(v) for k, v in env.state_dict().items()}
    rewards.backend = Backend.ARRAY_API_STRICT_DEVICE1
    with pytest.raises(ArrayMismatchError, match="NormalizeReward: reward is on device device1"):
        env.step(np.zeros(1, np.float32))
    rewards.backend = Backend.NUMPY
    with pytest.raises(
        ArrayMismatchError, match="NormalizeReward: reward must be a array_api_strict"
    ):
        env.step(np.zeros(1, np.float32))
    for key, value in env.state_dict().items():
        np.testing.assert_array_equal(to_host(value), before[key])


def test_frozen_statistics_still_scale() -> None:
    env = NormalizeReward(_pendulum())
    _rewards(env, 100, seed=0)
    env.update_running_mean = False
    var = float(env.state_dict()["var"])
    rewards = _rewards(env, 50, seed=1)
    assert float(env.state_dict()["var"]) == var
    raw = _rewards(_pendulum(), 50, seed=1)
    np.testing.assert_allclose(rewards, raw / np.sqrt(var + 1e-8), rtol=1e-9)


def test_state_dict_npz_round_trip_across_backends(tmp_path: Any) -> None:
    trained = NormalizeReward(RewardOnBackend(_pendulum(), Backend.ARRAY_API_STRICT_DEVICE1))
    _rewards(trained, 200, seed=3)
    path = tmp_path / "reward.npz"
    np.savez(path, **array_env.to_namespace(trained.state_dict(), "numpy"))
    for target in (Backend.NUMPY, Backend.ARRAY_API_STRICT_NO_FLOAT64, Backend.TORCH):
        if target.unavailable_reason:
            continue
        restored = NormalizeReward(RewardOnBackend(_pendulum(), target))
        restored.reset(seed=0)
        restored.step(np.zeros(1, np.float32))
        restored.load_state_dict(dict(np.load(path)))
        assert_on_backend(restored.state_dict(), target.xp, target.device)
        got = restored.state_dict()
        for key, value in trained.state_dict().items():
            np.testing.assert_allclose(to_host(got[key]), to_host(value), rtol=1e-6, err_msg=key)


def test_vector_equals_gymnasium_next_step() -> None:
    ours = VectorNormalizeReward(
        gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"), gamma=0.9
    )
    theirs = gym.wrappers.vector.NormalizeReward(
        gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"), gamma=0.9
    )
    rng = np.random.default_rng(0)
    ours.reset(seed=3)
    theirs.reset(seed=3)
    for _ in range(2000):
        actions = rng.integers(2, size=4)
        np.testing.assert_allclose(ours.step(actions)[1], theirs.step(actions)[1], rtol=1e-6)
    np.testing.assert_allclose(ours.state_dict()["returns"], theirs.accumulated_reward, rtol=1e-6)


def _make() -> gym.Env[Any, Any]:
    return gym.make("CartPole-v1", max_episode_steps=15)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode) -> None:
    def compare(what: str, i: int, vector_value: Any, single_value: Any) -> None:
        if what == "reward":
            assert float(vector_value) == pytest.approx(float(single_value), rel=1e-9), what

    vector, singles = drive(
        _make,
        lambda e: VectorNormalizeReward(e, gamma=0.9),
        lambda e: NormalizeReward(e, gamma=0.9),
        mode=mode,
        num_envs=1,
        steps=300,
        seed=5,
        compare=compare,
    )
    for key, value in vector.state_dict().items():
        np.testing.assert_allclose(
            np.reshape(value, -1),
            np.reshape(singles[0].state_dict()[key], -1),
            rtol=1e-9,
            err_msg=key,
        )


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_returns_and_pooled_statistics_match_singles(mode: AutoresetMode) -> None:
    def single(env: gym.Env[Any, Any]) -> NormalizeReward[Any, Any]:
        wrapped = NormalizeReward(env, gamma=0.9)
        wrapped.load_state_dict({**wrapped.state_dict(), "count": np.asarray(1e-4 / 3)})
        return wrapped

    vector, singles = drive(
        _make,
        lambda e: VectorNormalizeReward(e, gamma=0.9),
        single,
        mode=mode,
        num_envs=3,
        steps=200,
        seed=6,
        compare=_compare_nothing,
    )
    got = vector.state_dict()
    np.testing.assert_allclose(
        got["returns"], [s.state_dict()["returns"] for s in singles], rtol=1e-12
    )
    states = [s.state_dict() for s in singles]
    pooled = Moments(states[0]["mean"], states[0]["var"], states[0]["count"])
    for state in states[1:]:
        pooled = merge_moments(
            pooled, state["mean"] - pooled.mean, state["var"], state["count"], xp=NP
        )
    np.testing.assert_allclose(got["count"], pooled.count, rtol=1e-12)
    np.testing.assert_allclose(got["mean"], pooled.mean, rtol=1e-9)
    np.testing.assert_allclose(got["var"], pooled.var, rtol=1e-9)


def test_vector_full_reset_zeroes_returns_partial_keeps_them() -> None:
    envs = VectorNormalizeReward(
        gym.make_vec(
            "CartPole-v1",
            2,
            vectorization_mode="sync",
            vector_kwargs={"autoreset_mode": AutoresetMode.DISABLED},
        )
    )
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    envs.step(np.ones(2, dtype=np.int64))
    np.testing.assert_allclose(envs.state_dict()["returns"], [1.99, 1.99])
    envs.reset(options={"reset_mask": np.asarray([True, False])})
    # as the single wrapper's reset: the return survives it
    np.testing.assert_allclose(envs.state_dict()["returns"], [1.99, 1.99])
    envs.step(np.ones(2, dtype=np.int64))
    np.testing.assert_allclose(envs.state_dict()["returns"], [2.9701, 2.9701])
    envs.reset()
    assert envs.state_dict()["returns"].tolist() == [0.0, 0.0]


def test_vector_rejects_bad_rewards(monkeypatch: pytest.MonkeyPatch) -> None:
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    before = envs.state_dict()

    def three_rewards(actions: Any) -> tuple[Any, ...]:
        return None, np.ones(3), np.zeros(2, bool), np.zeros(2, bool), {}

    def list_terminations(actions: Any) -> tuple[Any, ...]:
        return None, np.ones(2), [False, False], np.zeros(2, bool), {}

    monkeypatch.setattr(envs.env, "step", three_rewards)
    with pytest.raises(
        ArrayMismatchError, match=r"NormalizeReward: rewards has shape \(3,\), expected \(2,\)"
    ):
        envs.step(np.ones(2, dtype=np.int64))
    monkeypatch.setattr(envs.env, "step", list_terminations)
    with pytest.raises(
        ArrayMismatchError, match="NormalizeReward: terminated must be a numpy array, got list"
    ):
        envs.step(np.ones(2, dtype=np.int64))
    for key, value in envs.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


# ---- hardening (issue 14) and Gymnasium's attributes (issue 15, item 6) -------------------


class HostRewardTypes(gym.Wrapper[Any, Any, Any, Any]):
    """Hands rewards out as Gymnasium envs do: Python and NumPy scalars, mixed, in turn.

    BipedalWalker-v3 returns ``np.float32`` and then a Python int when it falls.
    """

    kinds: tuple[Any, ...] = (float, np.float64, np.float32, int, np.int64, np.float16)

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.calls = 0

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        kind = self.kinds[self.calls % len(self.kinds)]
        self.calls += 1
        value: Any = kind(round(float(reward))) if kind in (int, np.int64) else kind(reward)
        return obs, value, terminated, truncated, info


@pytest.mark.parametrize("first", [0, 1, 2, 3])
def test_mixed_host_reward_types_equal_gymnasium(first: int) -> None:
    ours = HostRewardTypes(_pendulum())
    theirs = HostRewardTypes(_pendulum())
    ours.calls = theirs.calls = first  # every kind comes first once
    a = _rewards(NormalizeReward(ours, gamma=0.9), 600, seed=4)
    b = _rewards(gym.wrappers.NormalizeReward(theirs, gamma=0.9), 600, seed=4)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    env = NormalizeReward(HostRewardTypes(_pendulum()))
    reference: Any = gym.wrappers.NormalizeReward(HostRewardTypes(_pendulum()))
    for wrapped in (env, reference):
        wrapped.reset(seed=0)
    for _ in range(12):
        got, want = env.step(np.zeros(1, np.float32))[1], reference.step(np.zeros(1, np.float32))[1]
        assert type(got) is type(want)
        assert got == pytest.approx(want, rel=1e-12)


def test_autograd_never_reaches_the_state() -> None:
    torch = pytest.importorskip("torch")
    if Backend.TORCH.unavailable_reason:
        pytest.skip(Backend.TORCH.unavailable_reason)

    class Learned(gym.Wrapper[Any, Any, Any, Any]):
        grad = True

        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            value = torch.tensor(float(reward), requires_grad=self.grad) * 1.0
            return obs, value, terminated, truncated, info

    inner = Learned(_pendulum())
    env = NormalizeReward(inner)
    env.reset(seed=0)
    reward: Any = None
    for _ in range(20):
        reward = env.step(np.zeros(1, np.float32))[1]
    assert reward.requires_grad  # the caller's own graph goes through the output
    inner.grad = False
    reward = env.step(np.zeros(1, np.float32))[1]
    assert not reward.requires_grad
    assert not any(v.requires_grad for v in env.state_dict().values())

    class VectorLearned(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            obs, rewards, terminated, truncated, info = self.env.step(actions)
            value = torch.tensor(rewards, requires_grad=True) * 1.0
            return obs, value, torch.tensor(terminated), torch.tensor(truncated), info

    envs = VectorNormalizeReward(
        VectorLearned(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    )
    envs.reset(seed=0)
    for _ in range(20):
        envs.step(np.ones(2, dtype=np.int64))
    assert not any(v.requires_grad for v in envs.state_dict().values())


UNSET: Any = object()


class Scripted(gym.Wrapper[Any, Any, Any, Any]):
    """Returns ``self.reward`` / ``self.terminated`` instead of the env's, when set."""

    reward: Any = UNSET
    terminated: Any = UNSET

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        reward = reward if self.reward is UNSET else self.reward
        terminated = terminated if self.terminated is UNSET else self.terminated
        return obs, reward, terminated, truncated, info


def _host_state(env: Any) -> dict[str, np.ndarray]:
    return {k: np.array(to_host(v)) for k, v in env.state_dict().items()}


def _assert_state(env: Any, before: dict[str, np.ndarray]) -> None:
    after = _host_state(env)
    assert sorted(after) == sorted(before)
    for key, value in after.items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_single_checks_reward_shape_and_terminated_and_keeps_state() -> None:
    inner = Scripted(gym.make("CartPole-v1"))
    env = NormalizeReward(inner)
    env.reset(seed=0)
    env.step(1)  # a Python float fixes NumPy statistics of shape ()
    before = _host_state(env)
    cases: list[tuple[str, Any, Any, str]] = [
        ("reward", np.ones(3), UNSET, r"reward has shape \(3,\), expected \(\)"),
        ("terminated", UNSET, np.zeros(2, bool), r"terminated has shape \(2,\), expected \(\)"),
        ("terminated", UNSET, "False", "terminated must be a bool or a 0-d boolean array, got str"),
        (
            "terminated",
            UNSET,
            None,
            "terminated must be a bool or a 0-d boolean array, got NoneType",
        ),
        ("terminated", UNSET, np.asarray(0.0), "terminated has dtype float64, expected .*bool"),
    ]
    for _, reward, terminated, message in cases:
        inner.reward, inner.terminated = reward, terminated
        with pytest.raises(ArrayMismatchError, match=f"NormalizeReward: {message}"):
            env.step(1)
        _assert_state(env, before)
    inner.reward, inner.terminated = UNSET, UNSET
    env.step(1)  # still works, still shape ()
    assert env.state_dict()["returns"].shape == ()
    env.load_state_dict(env.state_dict())


def test_crashing_first_reward_does_not_pin_the_contract() -> None:
    inner = Scripted(gym.make("CartPole-v1"))
    env = NormalizeReward(inner)
    env.reset(seed=0)
    before = _host_state(env)
    for bad in (None, "1.0", [1.0]):
        inner.reward = bad
        with pytest.raises(ArrayMismatchError, match="NormalizeReward: reward must be"):
            env.step(1)
        _assert_state(env, before)
    inner.reward = Backend.ARRAY_API_STRICT.asarray(1.0)
    env.step(1)
    assert_on_backend(env.state_dict(), Backend.ARRAY_API_STRICT.xp, None)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("returns", None, "'returns' must be an array of shape"),
        ("returns", "0.5", "'returns' must be an array of shape"),
        ("returns", [1.0, 2.0], "'returns' must be an array of shape"),
        ("returns", np.zeros(2), r"'returns' has shape \(2,\), expected \(\)"),
        ("returns", np.asarray(np.nan), "'returns' must be finite"),
        ("count", np.asarray(-1.0), "'count' must be > 0.0"),
        ("count", 0, "'count' must be > 0.0"),
        ("var", np.asarray(-0.5), "'var' must be >= 0.0"),
        ("mean", np.asarray(np.nan), "'mean' must be finite"),
        ("var", np.asarray(np.inf), "'var' must be finite"),
        ("mean", np.asarray(1 + 2j), "'mean' must hold real numbers, got dtype complex128"),
        ("var", np.asarray(True), "'var' must hold real numbers, got dtype bool"),
        ("count", True, "'count' must be an array"),
    ],
)
def test_load_state_dict_is_all_or_nothing(key: str, value: Any, message: str) -> None:
    env = NormalizeReward(gym.make("CartPole-v1"))
    env.reset(seed=0)
    for _ in range(5):
        env.step(1)
    before = _host_state(env)
    # new, valid moments with one bad value: nothing of it may land
    state = {"mean": np.asarray(3.0), "var": np.asarray(2.0), "count": np.asarray(7.0)}
    state = {**state, "returns": np.asarray(0.25), key: value}
    with pytest.raises(ValueError, match=f"NormalizeReward: state dict {message}"):
        env.load_state_dict(state)
    _assert_state(env, before)
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    vector_before = _host_state(envs)
    vector_value = value
    if key == "returns" and type(value) is np.ndarray:
        vector_value = np.zeros(3) if value.shape == (2,) else np.full(2, value)
    with pytest.raises(ValueError, match="NormalizeReward: state dict"):
        envs.load_state_dict({**state, "returns": np.zeros(2), key: vector_value})
    _assert_state(envs, vector_before)


def test_check_finite_rejects_before_updating_and_the_default_poisons() -> None:
    inner = Scripted(gym.make("CartPole-v1"))
    checked = NormalizeReward(inner, check_finite=True)
    checked.reset(seed=0)
    checked.step(1)
    before = _host_state(checked)
    inner.reward = float("nan")
    with pytest.raises(ValueError, match="NormalizeReward: reward is not finite"):
        checked.step(1)
    _assert_state(checked, before)
    # documented default (Gymnasium's behaviour): one NaN poisons the statistics for good
    unchecked = NormalizeReward(inner)
    unchecked.reset(seed=0)
    unchecked.step(1)
    inner.reward = UNSET
    for _ in range(3):
        unchecked.step(1)
    inner.reward = float("nan")
    unchecked.step(1)
    inner.reward = UNSET
    assert np.isnan(unchecked.step(1)[1])
    envs = VectorNormalizeReward(
        gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), check_finite=True
    )
    envs.reset(seed=0)
    envs.step(np.ones(2, dtype=np.int64))
    vector_before = _host_state(envs)

    def infinite(actions: Any) -> tuple[Any, ...]:
        return None, np.asarray([1.0, np.inf]), np.zeros(2, bool), np.zeros(2, bool), {}

    envs.env.step = infinite  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="NormalizeReward: rewards is not finite"):
        envs.step(np.ones(2, dtype=np.int64))
    _assert_state(envs, vector_before)


class CountingResets(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Counts the resets that reach the vector env."""

    resets = 0

    def reset(self, **kwargs: Any) -> Any:
        self.resets += 1
        return self.env.reset(**kwargs)


class TrustingVectorEnv(gym.vector.VectorEnv[Any, Any, Any]):
    """A vector env that validates no reset mask (a (1,) mask would broadcast)."""

    def __init__(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self.single_observation_space = gym.spaces.Box(-1, 1, (2,))
        self.single_action_space = gym.spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, 3)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, 3)
        self.metadata = {"autoreset_mode": AutoresetMode.DISABLED}

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        return np.zeros((self.num_envs, 2)), {}

    def step(self, actions: Any) -> Any:
        done = np.zeros(self.num_envs, bool)
        return np.zeros((self.num_envs, 2)), np.ones(self.num_envs), done, done, {}


@pytest.mark.parametrize(
    ("mask", "error", "message"),
    [
        (np.ones(1, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(1,\)"),
        (np.ones(4, bool), ArrayMismatchError, r"must have shape `\(3,\)`, got \(4,\)"),
        ([True, False, True], TypeError, "must be a boolean array of shape \\(3,\\), got list"),
        (True, TypeError, "must be a boolean array of shape \\(3,\\), got bool"),
        (np.ones(3), TypeError, "must have `dtype=bool`, got float64"),
        (Backend.ARRAY_API_STRICT.asarray([True] * 3), ArrayMismatchError, "must be a numpy array"),
    ],
)
def test_vector_checks_the_reset_mask_before_resetting(mask: Any, error: Any, message: str) -> None:
    for inner in (
        CountingResets(TrustingVectorEnv(3)),
        CountingResets(
            gym.make_vec(
                "CartPole-v1",
                3,
                vectorization_mode="sync",
                vector_kwargs={"autoreset_mode": AutoresetMode.DISABLED},
            )
        ),
    ):
        envs = VectorNormalizeReward(inner)
        envs.reset(seed=0)
        envs.step(np.ones(3, dtype=np.int64))
        before, resets = _host_state(envs), inner.resets
        with pytest.raises(error, match=f"NormalizeReward: `options\\['reset_mask'\\]` {message}"):
            envs.reset(options={"reset_mask": mask})
        assert inner.resets == resets
        _assert_state(envs, before)
        with pytest.raises(ArrayMismatchError):  # the same error before the first contact
            VectorNormalizeReward(inner).reset(options={"reset_mask": np.ones(1, bool)})


def test_return_rms_is_gymnasium_running_mean_std_over_the_device_state() -> None:
    scripted = Scripted(RewardOnBackend(_pendulum(), Backend.ARRAY_API_STRICT_NO_FLOAT64))
    ours = NormalizeReward(scripted)
    theirs: Any = gym.wrappers.NormalizeReward(_pendulum())
    _rewards(ours, 300, seed=8)
    _rewards(theirs, 300, seed=8)
    rms = ours.return_rms
    assert float(rms.mean) == pytest.approx(float(theirs.return_rms.mean), rel=1e-4)
    assert float(rms.var) == pytest.approx(float(theirs.return_rms.var), rel=1e-4)
    assert rms.count == pytest.approx(theirs.return_rms.count, rel=1e-6)
    assert_on_backend(rms.var, Backend.ARRAY_API_STRICT_NO_FLOAT64.xp, None)
    np.testing.assert_allclose(to_host(ours.discounted_reward), theirs.discounted_reward, rtol=1e-4)
    assert ours.discounted_reward.shape == theirs.discounted_reward.shape == (1,)
    assert (ours.gamma, ours.epsilon) == (theirs.gamma, theirs.epsilon)
    # assignment writes the device state, exactly, and is what the next step uses
    rms.var = 4.0
    ours.return_rms.mean = np.asarray(0.5)
    ours.return_rms.count = 10
    state = ours.state_dict()
    assert float(state["var"]) + float(state["var_low"]) == 4.0
    assert (float(state["mean"]), float(state["count"])) == (0.5, 10.0)
    assert (float(rms.var), float(rms.mean), rms.count) == (4.0, 0.5, 10.0)
    ours.update_running_mean = False
    scripted.reward = Backend.ARRAY_API_STRICT_NO_FLOAT64.asarray(3.0, "float32")
    assert float(ours.step(np.zeros(1, np.float32))[1]) == pytest.approx(1.5, rel=1e-6)
    # validated like load_state_dict, and a rejected value changes nothing
    before = _host_state(ours)
    for key, bad in (("var", -1.0), ("count", 0.0), ("mean", float("nan")), ("var", "1")):
        with pytest.raises(ValueError, match=f"NormalizeReward: state dict '{key}'"):
            setattr(ours.return_rms, key, bad)
    _assert_state(ours, before)
    # Gymnasium's own RunningMeanStd (or another wrapper's) can be assigned: eval = train
    evaluation = NormalizeReward(_pendulum())
    evaluation.return_rms = theirs.return_rms
    assert float(evaluation.return_rms.var) == float(theirs.return_rms.var)
    assert evaluation.return_rms.count == theirs.return_rms.count
    evaluation.discounted_reward = np.asarray([0.5])
    assert float(evaluation.state_dict()["returns"]) == 0.5
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.return_rms = evaluation.return_rms
    envs.accumulated_reward = np.asarray([1.0, 2.0])
    assert envs.state_dict()["returns"].tolist() == [1.0, 2.0]
    assert float(envs.return_rms.var) == float(theirs.return_rms.var)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_equals_gymnasium_single_per_sub_env(mode: AutoresetMode) -> None:
    """Anchored to Gymnasium's own single wrapper (Gymnasium's vector one zeroes same-step)."""

    def compare(what: str, i: int, vector_value: Any, single_value: Any) -> None:
        if what == "reward":
            assert float(vector_value) == pytest.approx(float(single_value), rel=1e-9), what

    vector, singles = drive(
        _make,
        lambda e: VectorNormalizeReward(e, gamma=0.9),
        lambda e: gym.wrappers.NormalizeReward(e, gamma=0.9),
        mode=mode, num_envs=1, steps=400, seed=5, compare=compare,
    )  # fmt: skip
    reference: Any = singles[0]
    state = vector.state_dict()
    assert float(state["var"]) == pytest.approx(float(reference.return_rms.var), rel=1e-9)
    assert float(state["count"]) == pytest.approx(reference.return_rms.count, rel=1e-12)
    np.testing.assert_allclose(state["returns"], reference.discounted_reward, rtol=1e-9)


def test_vector_rejected_first_step_adopts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first step whose terminations are bad fixes no contract: the next one still may."""
    envs = VectorNormalizeReward(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    envs.reset(seed=0)
    strict = Backend.ARRAY_API_STRICT
    before = _host_state(envs)

    def list_terminations(actions: Any) -> tuple[Any, ...]:
        return None, np.ones(2), [False, False], np.zeros(2, bool), {}

    def strict_step(actions: Any) -> tuple[Any, ...]:
        flags = strict.asarray([False, False])
        return None, strict.asarray([1.0, 1.0]), flags, flags, {}

    monkeypatch.setattr(envs.env, "step", list_terminations)
    with pytest.raises(ArrayMismatchError, match="NormalizeReward: terminated must be"):
        envs.step(np.ones(2, dtype=np.int64))
    _assert_state(envs, before)
    monkeypatch.setattr(envs.env, "step", strict_step)
    envs.step(np.ones(2, dtype=np.int64))
    assert_on_backend(envs.state_dict(), strict.xp, None)
