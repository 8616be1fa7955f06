from __future__ import annotations

import copy
import itertools
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import batch_space

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport] - registers array_env/CartPole-v1
from array_env import tree_map
from array_env._checks import ArrayMismatchError
from array_env._ops.ring_buffer import FrameRing
from array_env.testing import Backend, assert_on_backend, data_pointer, to_host
from array_env.vector import FrameStackObservation as VectorFrameStack
from array_env.wrappers import FrameStackObservation
from tests.autoreset_driver import MODES, drive

PADDINGS: list[Any] = ["reset", "zero", "custom"]


class OnBackend(gym.ObservationWrapper[Any, Any, Any]):
    """Hands the wrapped env's NumPy observations out as arrays of ``backend``."""

    def __init__(self, env: gym.Env[Any, Any], backend: Backend) -> None:
        super().__init__(env)
        self.backend = backend

    def observation(self, observation: Any) -> Any:
        return self.backend.asarray(observation, observation.dtype.name)


def _padding(kind: str, env_id: str) -> Any:
    if kind != "custom":
        return kind
    return np.linspace(-0.5, 0.5, 4 if env_id.startswith("CartPole") else 3).astype(np.float32)


def _rollout(env: gym.Env[Any, Any], env_id: str, steps: int, seed: int) -> list[np.ndarray]:
    """Observations over ``steps`` steps with resets; random actions from a seeded generator."""
    rng = np.random.default_rng(seed)
    out = [to_host(env.reset(seed=seed)[0])]
    for _ in range(steps):
        if env_id.startswith("CartPole"):
            action: Any = int(rng.integers(2))
        else:
            action = rng.uniform(-2, 2, (1,)).astype(np.float32)
        obs, _, terminated, truncated, _ = env.step(action)
        out.append(to_host(obs))
        if terminated or truncated:
            out.append(to_host(env.reset()[0]))
    return out


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stack_size", [1, 4])
def test_equals_gymnasium_on_numpy(env_id: str, padding: str, stack_size: int) -> None:
    pad = _padding(padding, env_id)
    ours = FrameStackObservation(gym.make(env_id), stack_size, padding_type=pad)
    theirs = gym.wrappers.FrameStackObservation(gym.make(env_id), stack_size, padding_type=pad)
    assert ours.observation_space == theirs.observation_space
    assert ours.padding_type == theirs.padding_type
    expected = _rollout(theirs, env_id, 1000, seed=7)
    actual = _rollout(ours, env_id, 1000, seed=7)
    assert len(actual) == len(expected) > 1000
    for got, want in zip(actual, expected, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert got in ours.observation_space


def test_same_results_on_every_backend(backend: Backend) -> None:
    expected = _rollout(
        FrameStackObservation(gym.make("CartPole-v1"), 3), "CartPole-v1", 300, seed=3
    )
    env = FrameStackObservation(OnBackend(gym.make("CartPole-v1"), backend), 3)
    obs, _ = env.reset(seed=3)
    assert_on_backend(obs, backend.xp, backend.device)
    actual = _rollout(env, "CartPole-v1", 300, seed=3)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("member", [Backend.NUMPY, Backend.TORCH], ids=lambda b: b.label)
def test_ring_buffer_is_written_in_place(member: Backend) -> None:
    backend = member
    if backend.unavailable_reason:
        pytest.skip(backend.unavailable_reason)
    env = FrameStackObservation(OnBackend(gym.make("CartPole-v1"), backend), 4)
    env.reset(seed=0)
    ring = env._rings[0] if env._rings else None  # pyright: ignore[reportPrivateUsage] - the test checks the buffer itself
    assert isinstance(ring, FrameRing)
    address = data_pointer(ring.frames)
    held = [env.step(0)[0] for _ in range(3)]  # the outputs themselves, not host copies
    snapshots = [to_host(x).copy() for x in held]
    outputs = [env.step(1)[0] for _ in range(5)]
    ring = env._rings[0] if env._rings else None  # pyright: ignore[reportPrivateUsage]
    assert ring is not None
    assert data_pointer(ring.frames) == address  # no reallocation of the stack
    # earlier outputs are not views of the buffer: eight later writes did not change them
    for kept, snapshot in zip(held, snapshots, strict=True):
        np.testing.assert_array_equal(to_host(kept), snapshot)
    for first, second in itertools.pairwise(held + outputs):
        np.testing.assert_array_equal(to_host(first)[1:], to_host(second)[:-1])
    assert not np.array_equal(snapshots[0], snapshots[2])


def test_constructor_errors_keep_gymnasium_wording() -> None:
    with pytest.raises(
        ValueError, match="stack_size needs to be greater than zero, actual value: 0"
    ):
        FrameStackObservation(gym.make("CartPole-v1"), 0)
    with pytest.raises(ValueError, match=r"FrameStackObservation: The stack_size needs .*: -2"):
        VectorFrameStack(gym.make_vec("CartPole-v1", 2), -2)
    with pytest.raises(TypeError, match=r"stack_size is expected to be an integer, .*float"):
        FrameStackObservation(gym.make("CartPole-v1"), 2.0)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType] - the wrong type is the test
    with pytest.raises(ValueError, match=r"Unexpected `padding_type`, .*actual value: 'zeros'$"):
        FrameStackObservation(gym.make("CartPole-v1"), 2, padding_type="zeros")
    with pytest.raises(ValueError, match=r"FrameStackObservation: Unexpected .*not an instance"):
        FrameStackObservation(gym.make("CartPole-v1"), 2, padding_type=np.zeros(3, np.float32))
    # the same types as Gymnasium's own class for the same arguments
    cases: list[tuple[Any, dict[str, Any]]] = [
        ((0,), {}),
        ((2.0,), {}),
        ((2,), {"padding_type": "zeros"}),
    ]
    for args, kwargs in cases:
        with pytest.raises(Exception) as theirs:  # the type is what is compared
            gym.wrappers.FrameStackObservation(gym.make("CartPole-v1"), *args, **kwargs)
        with pytest.raises(type(theirs.value)):
            FrameStackObservation(gym.make("CartPole-v1"), *args, **kwargs)


def test_list_padding_is_accepted_as_gymnasium_accepts_it() -> None:
    pad = [0.0, 1.0, 0.2, 3.0]
    ours = FrameStackObservation(gym.make("CartPole-v1"), 3, padding_type=pad)
    theirs = gym.wrappers.FrameStackObservation(gym.make("CartPole-v1"), 3, padding_type=pad)
    assert ours.padding_type == theirs.padding_type == "_custom"
    assert ours.stack_size == theirs.stack_size == 3
    np.testing.assert_array_equal(ours.reset(seed=2)[0], theirs.reset(seed=2)[0])
    vector = VectorFrameStack(gym.make_vec("CartPole-v1", 2), 3, padding_type=pad)
    np.testing.assert_array_equal(vector.reset(seed=2)[0][0, 0], np.asarray(pad, np.float32))


def test_index_tables_are_linear_in_stack_size() -> None:
    env = FrameStackObservation(gym.make("CartPole-v1"), 3000, padding_type="zero")
    obs, _ = env.reset(seed=0)
    layout = env._layouts[0]  # pyright: ignore[reportPrivateUsage] - the tables themselves
    assert layout.cycle.shape == (2 * 3000 - 1,)
    assert obs.shape == (3000, 4)
    np.testing.assert_array_equal(obs[-1], env.step(0)[0][-2])


def test_custom_padding_of_another_backend_is_moved() -> None:
    pad = Backend.ARRAY_API_STRICT.asarray([1.0, -1.0, 0.0, 2.0], "float32")
    env = FrameStackObservation(gym.make("CartPole-v1"), 3, padding_type=pad)
    obs, _ = env.reset(seed=123)
    np.testing.assert_array_equal(obs[0], [1.0, -1.0, 0.0, 2.0])
    assert isinstance(obs, np.ndarray)


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


def _snapshot(env: Any) -> tuple[Any, ...]:
    ring = env._rings[0]
    age = ring.age if isinstance(ring.age, int) else to_host(ring.age).copy()
    return to_host(ring.frames).copy(), ring.newest, age


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
    env = FrameStackObservation(base, 3)
    base.next = np.asarray([1.0, 2.0, 3.0], np.float32)
    env.reset()
    base.next = np.asarray([4.0, 5.0, 6.0], np.float32)
    env.step(0)
    before = _snapshot(env)
    if isinstance(bad, str):
        bad = Backend.ARRAY_API_STRICT.asarray([1.0, 2.0, 3.0], "float32")
    base.next = bad
    with pytest.raises(ArrayMismatchError, match=f"FrameStackObservation: observation.*{message}"):
        env.step(0)
    after = _snapshot(env)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1:] == before[1:] == (0, 1)


def test_wrong_device_is_rejected_and_step_before_reset() -> None:
    base = Feed()
    base.next = Backend.ARRAY_API_STRICT.asarray([1.0, 2.0, 3.0], "float32")
    env = FrameStackObservation(base, 2)
    with pytest.raises(gym.error.ResetNeeded, match="FrameStackObservation"):
        env.step(0)
    env.reset()
    before = _snapshot(env)
    base.next = Backend.ARRAY_API_STRICT_DEVICE1.asarray([1.0, 2.0, 3.0], "float32")
    with pytest.raises(ArrayMismatchError, match="on device device1, expected CPU_DEVICE"):
        env.step(0)
    after = _snapshot(env)
    np.testing.assert_array_equal(after[0], before[0])


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("padding", PADDINGS)
def test_vector_equals_single_per_sub_env(mode: AutoresetMode, padding: str) -> None:
    pad = _padding(padding, "CartPole-v1")

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        np.testing.assert_array_equal(
            _host(vector_value), _host(single_value), err_msg=f"{what}, sub-env {index}"
        )

    vector, _ = drive(
        lambda: gym.make("CartPole-v1"),
        lambda envs: VectorFrameStack(envs, 3, padding_type=pad),
        lambda env: FrameStackObservation(env, 3, padding_type=pad),
        mode=mode, num_envs=4, steps=400, seed=11, compare=compare,
    )  # fmt: skip
    assert vector.single_observation_space.shape == (3, 4)
    assert vector.observation_space.shape == (4, 3, 4)


def _host(x: Any) -> Any:
    return to_host(x) if hasattr(x, "__array_namespace__") or hasattr(x, "device") else x


def _native_vector_rollout(backend: Backend, mode: AutoresetMode, steps: int) -> list[np.ndarray]:
    envs = gym.make_vec(
        "array_env/CartPole-v1", 3, vectorization_mode="vector_entry_point",
        xp=backend.namespace_name, device=backend.device_spec, autoreset_mode=mode,
    )  # fmt: skip
    envs = VectorFrameStack(envs, 4, padding_type="zero")
    rng = np.random.default_rng(5)
    obs, _ = envs.reset(seed=5)
    assert_on_backend(obs, backend.xp, backend.device)
    out = [to_host(obs)]
    for _ in range(steps):
        actions = backend.asarray(rng.integers(0, 2, 3), "int64" if backend.has_float64 else None)
        obs, _, terminated, truncated, infos = envs.step(actions)
        assert_on_backend(obs, backend.xp, backend.device)
        out.append(to_host(obs))
        if mode is AutoresetMode.SAME_STEP:
            out.append(to_host(infos["final_obs"]))
        done = np.logical_or(to_host(terminated), to_host(truncated))
        if mode is AutoresetMode.DISABLED and done.any():
            obs, _ = envs.reset(options={"reset_mask": backend.asarray(done)})
            out.append(to_host(obs))
    return out


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_vector_same_results_on_every_backend(backend: Backend, mode: AutoresetMode) -> None:
    if backend is Backend.NUMPY_READONLY:
        pytest.skip("the native env builds its own arrays: same as numpy")
    expected = _native_vector_rollout(Backend.NUMPY, mode, 80)
    actual = _native_vector_rollout(backend, mode, 80)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_vector_rejects_bad_batch_and_keeps_state() -> None:
    envs = VectorFrameStack(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"), 3)
    envs.reset(seed=0)
    envs.step(np.array([0, 1]))
    before = _snapshot(envs)

    class Bad(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
        def step(self, actions: Any) -> Any:
            obs, *rest = self.env.step(actions)
            return (obs[:1], *rest)

    envs.env = Bad(envs.env)
    with pytest.raises(ArrayMismatchError, match=r"FrameStackObservation: observations has shape"):
        envs.step(np.array([0, 1]))
    after = _snapshot(envs)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[2], before[2])
    assert after[1] == before[1]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("padding", PADDINGS)
def test_vector_equals_gymnasiums_single_wrapper_per_sub_env(
    mode: AutoresetMode, padding: str
) -> None:
    """Gymnasium has no vector frame stack: its single wrapper on each sub-env is the anchor."""
    pad = _padding(padding, "CartPole-v1")

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        got, want = _host(vector_value), _host(single_value)
        if what != "reward":
            assert got.dtype == want.dtype, what
        np.testing.assert_array_equal(got, want, err_msg=f"{what}, sub-env {index}")

    drive(
        lambda: gym.make("CartPole-v1", max_episode_steps=30),
        lambda envs: VectorFrameStack(envs, 4, padding_type=pad),
        lambda env: gym.wrappers.FrameStackObservation(env, 4, padding_type=pad),
        mode=mode, num_envs=3, steps=500, seed=13, compare=compare,
    )  # fmt: skip


class SpaceEnv(gym.Env[Any, Any]):
    """Samples its observations from ``space`` (seeded at reset); ends every 7 steps."""

    def __init__(self, space: gym.Space[Any]) -> None:
        self.observation_space = copy.deepcopy(space)
        self.action_space = gym.spaces.Discrete(2)
        self.t = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        if seed is not None:
            self.observation_space.seed(seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action: Any) -> Any:
        self.t += 1
        return self.observation_space.sample(), 0.0, self.t % 7 == 0, False, {}


ARRAY_SPACES: dict[str, gym.Space[Any]] = {
    "discrete": gym.spaces.Discrete(5, start=2),
    "multi_discrete": gym.spaces.MultiDiscrete([3, 4]),
    "multi_binary": gym.spaces.MultiBinary(3),
    "box_without_zero": gym.spaces.Box(1.0, 2.0, (2,), np.float32),
    "dict": gym.spaces.Dict(
        a=gym.spaces.Discrete(3),
        b=gym.spaces.Tuple((gym.spaces.Box(-1, 1, (2,)), gym.spaces.MultiBinary(2))),
    ),
    "tuple": gym.spaces.Tuple((gym.spaces.MultiBinary(2), gym.spaces.Discrete(2))),
}
OTHER_SPACES: dict[str, gym.Space[Any]] = {
    "text": gym.spaces.Text(5),
    "sequence": gym.spaces.Sequence(gym.spaces.Discrete(3)),
    "one_of": gym.spaces.OneOf([gym.spaces.Discrete(2), gym.spaces.Box(0, 1)]),
    "graph": gym.spaces.Graph(gym.spaces.Box(0, 1, (2,)), None),
    "dict_with_text": gym.spaces.Dict(a=gym.spaces.Discrete(3), t=gym.spaces.Text(4)),
}


def _kind(x: Any) -> str:
    name = type(x).__name__
    if name in ("dict", "tuple"):
        return name
    if name == "ndarray":
        return "objects" if x.dtype == object else "array"
    return "graph" if name == "GraphInstance" else "value"


def _assert_same_tree(got: Any, want: Any, where: str = "obs") -> None:
    """Equal values in Gymnasium's exact layout: container types, dtypes, shapes."""
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    kind = _kind(want)
    if kind == "dict":
        keys: list[Any] = list(want)
        assert list(got) == keys, where
        for key in keys:
            _assert_same_tree(got[key], want[key], f"{where}[{key!r}]")
    elif kind == "tuple":
        assert len(got) == len(want), where
        for i in range(len(want)):
            _assert_same_tree(got[i], want[i], f"{where}[{i}]")
    elif kind == "array":
        assert (got.dtype, got.shape) == (want.dtype, want.shape), where
        np.testing.assert_array_equal(got, want, err_msg=where)
    elif kind == "graph":
        np.testing.assert_array_equal(got.nodes, want.nodes, err_msg=where)
    else:
        assert got == want, where


@pytest.mark.parametrize("padding", ["reset", "zero", "custom"])
@pytest.mark.parametrize("name", sorted(ARRAY_SPACES) + sorted(OTHER_SPACES))
def test_every_space_gymnasium_stacks_is_stacked_as_gymnasium_does(name: str, padding: str) -> None:
    space = {**ARRAY_SPACES, **OTHER_SPACES}[name]
    pad: Any = padding
    if padding == "custom":
        sampler = copy.deepcopy(space)
        sampler.seed(99)
        pad = sampler.sample()
    ours = FrameStackObservation(SpaceEnv(space), 3, padding_type=pad)
    theirs = gym.wrappers.FrameStackObservation(SpaceEnv(space), 3, padding_type=pad)
    assert ours.observation_space == theirs.observation_space
    assert (ours.stack_size, ours.padding_type) == (theirs.stack_size, theirs.padding_type)
    for episode in range(3):
        seed = 5 + episode
        _assert_same_tree(ours.reset(seed=seed)[0], theirs.reset(seed=seed)[0])
        for _ in range(9):
            got, want = ours.step(0)[0], theirs.step(0)[0]
            _assert_same_tree(got, want)
            assert got in ours.observation_space


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("name", sorted(ARRAY_SPACES))
def test_vector_stacks_array_spaces_as_gymnasiums_single_wrapper(
    name: str, mode: AutoresetMode
) -> None:
    space = ARRAY_SPACES[name]

    def compare(what: str, index: int, vector_value: Any, single_value: Any) -> None:
        if what != "reward":
            _assert_same_tree(_row(vector_value), single_value, f"{what}, sub-env {index}")

    vector, _ = drive(
        lambda: SpaceEnv(space),
        lambda envs: Rows(VectorFrameStack(envs, 3, padding_type="zero")),
        lambda env: gym.wrappers.FrameStackObservation(env, 3, padding_type="zero"),
        mode=mode, num_envs=2, steps=40, seed=3, compare=compare,
    )  # fmt: skip
    assert vector.single_observation_space == batch_space(space, 3)


class Rows(gym.vector.VectorWrapper[Any, Any, Any, Any, Any]):
    """Hands a dict/tuple batch out as a list of per-sub-env trees, for the lockstep driver."""

    def reset(self, **kwargs: Any) -> Any:
        obs, infos = self.env.reset(**kwargs)
        return self._rows(obs), infos

    def step(self, actions: Any) -> Any:
        obs, *rest, infos = self.env.step(actions)
        if "final_obs" in infos and _kind(infos["final_obs"]) != "objects":
            infos = {**infos, "final_obs": self._rows(infos["final_obs"])}
        return (self._rows(obs), *rest, infos)

    def _rows(self, tree: Any) -> list[Any]:
        return [tree_map(_take_row(i), tree) for i in range(self.num_envs)]


def _take_row(i: int) -> Any:
    def take(x: Any) -> Any:
        return x[i]

    return take


def _row(value: Any) -> Any:
    return value


def test_vector_refuses_spaces_whose_values_are_not_arrays() -> None:
    envs = SyncVectorEnv([lambda: SpaceEnv(OTHER_SPACES["dict_with_text"])] * 2)
    with pytest.raises(TypeError, match=r'FrameStackObservation: .*Text at space\["t"\]'):
        VectorFrameStack(envs, 3)


def test_ring_cores_run_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    from array_env import resolve_namespace
    from array_env._ops.ring_buffer import make_layout, push_frame, restart_rows, stacked_frames
    from array_env._ops.ring_buffer import start_ring as start

    xp = resolve_namespace("jax")
    layout = make_layout(
        3, batch_ndim=1, frame_ndim=1, pad_with_first=True, xp=xp, device=jax.devices("cpu")[0]
    )
    first = xp.reshape(xp.arange(8.0), (2, 4))

    def core(frames: Any, age: Any, padding: Any, frame: Any, restart: Any, mask: Any) -> Any:
        ring = FrameRing(frames, 2, age, padding)  # the slot is host state: static under jit
        ring = push_frame(ring, frame, layout=layout, restart=restart, xp=xp)
        ring = restart_rows(ring, frame + 1, mask, layout=layout, xp=xp)
        return stacked_frames(ring, layout=layout, xp=xp), ring.frames, ring.age, ring.padding

    ring = start(first, layout=layout, xp=xp)
    args = (ring.frames, ring.age, ring.padding, first * 2, xp.asarray([True, False]),
            xp.asarray([False, True]))  # fmt: skip
    eager, jitted = core(*args), jax.jit(core)(*args)
    for got, want in zip(jitted, eager, strict=True):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    # row 0 restarted from its pushed frame, row 1 from its reset frame: all padding
    np.testing.assert_array_equal(np.asarray(eager[0][0]), [[0, 2, 4, 6]] * 3)
    np.testing.assert_array_equal(np.asarray(eager[0][1]), [[9, 11, 13, 15]] * 3)


def test_bad_leaf_of_a_dict_observation_leaves_every_stack_untouched() -> None:
    space = ARRAY_SPACES["dict"]
    base = SpaceEnv(space)
    env = FrameStackObservation(base, 3)
    env.reset(seed=0)
    env.step(0)
    rings = env._rings  # pyright: ignore[reportPrivateUsage] - the test checks the buffers
    assert rings is not None
    before = [to_host(ring.frames).copy() for ring in rings]
    good = space.sample()
    bad_leaf = {"a": good["a"], "b": (good["b"][0].astype(np.float64), good["b"][1])}
    for bad, message in (
        (bad_leaf, r'observation\["b"\]\[0\] has dtype float64'),
        ({"a": good["a"]}, "observation does not have the observation space's structure"),
    ):
        sampler: Any = base.observation_space
        sampler.sample = _returning(bad)
        with pytest.raises(ArrayMismatchError, match=f"FrameStackObservation: {message}"):
            env.step(0)
        for ring, frames in zip(rings, before, strict=True):
            np.testing.assert_array_equal(to_host(ring.frames), frames)


def _returning(value: Any) -> Any:
    def sample(*args: Any, **kwargs: Any) -> Any:
        return value

    return sample
