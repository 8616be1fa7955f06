"""The typed specialisations in array_env.numpy / .torch / .jax behave as the generic wrappers.

Each backend module has, for every wrapper of array_env.wrappers (same name) and array_env.vector
(``Vector`` + name) but the conversions, a thin subclass fixing the array type. Here: the set is
complete, each is a subclass of its generic class, steps exactly like it on its backend, pickles,
and survives a ``gym.make(env.spec)`` round trip.
"""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import array_env.vector as vector_mod
import array_env.wrappers as wrappers_mod
from array_env._namespace import backend_available
from array_env._tree import tree_leaves
from array_env.convert import to_namespace
from array_env.vector import ArrayConversion as VectorArrayConversion
from array_env.wrappers import ArrayConversion

BACKENDS = ("numpy", "torch", "jax")


def _identity(x: Any) -> Any:
    return x


# wrapper name -> (reference env, constructor arguments after env); single and vector alike.
PLANS: dict[str, tuple[str, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]]] = {
    "AddRenderObservation": ("Pendulum-v1", lambda: ((), {})),
    "AddWhiteNoise": ("Catch-v0", lambda: ((0.1,), {})),
    "ClipAction": ("Pendulum-v1", lambda: ((), {})),
    "ClipReward": ("Pendulum-v1", lambda: ((), {"min_reward": -1.0})),
    "DelayObservation": ("Pendulum-v1", lambda: ((2,), {})),
    "DiscretizeAction": ("Pendulum-v1", lambda: ((4,), {})),
    "DiscretizeObservation": ("Pendulum-v1", lambda: ((4,), {})),
    "DtypeObservation": ("Catch-v0", lambda: ((np.float32,), {})),
    "FilterObservation": ("NestedCatch-v0", lambda: ((["position"],), {})),
    "FlattenObservation": ("NestedCatch-v0", lambda: ((), {})),
    "FrameStackObservation": ("Pendulum-v1", lambda: ((3,), {})),
    "GrayscaleObservation": ("Catch-v0", lambda: ((), {})),
    "MaxAndSkipObservation": ("Catch-v0", lambda: ((2,), {})),
    "NormalizeObservation": ("Pendulum-v1", lambda: ((), {})),
    "NormalizeReward": ("Pendulum-v1", lambda: ((), {})),
    "ObstructView": ("Catch-v0", lambda: ((0.1, 4), {})),
    "RecordEpisodeStatistics": ("Pendulum-v1", lambda: ((), {})),
    "RepeatAction": ("Pendulum-v1", lambda: ((2,), {})),
    "RescaleAction": ("Pendulum-v1", lambda: ((-1.0, 1.0), {})),
    "RescaleObservation": ("Pendulum-v1", lambda: ((-1.0, 1.0), {})),
    "ReshapeObservation": ("Pendulum-v1", lambda: (((3, 1),), {})),
    "ResizeObservation": ("Catch-v0", lambda: (((16, 16),), {})),
    "StickyAction": ("Pendulum-v1", lambda: ((0.25,), {})),
    "TimeAwareObservation": ("Pendulum-v1", lambda: ((), {})),
    "TransformAction": ("Pendulum-v1", lambda: ((_identity,), {})),
    "TransformObservation": ("Pendulum-v1", lambda: ((_identity,), {})),
    "TransformReward": ("Pendulum-v1", lambda: ((_identity,), {})),
    "Autoreset": ("Pendulum-v1", lambda: ((), {})),
    "OrderEnforcing": ("Pendulum-v1", lambda: ((), {})),
    "PassiveEnvChecker": ("Pendulum-v1", lambda: ((), {})),
    "TimeLimit": ("Pendulum-v1", lambda: ((10,), {})),
    "VectorizeTransformAction": ("Pendulum-v1", lambda: ((wrappers_mod.ClipAction,), {})),
    "VectorizeTransformObservation": (
        "Pendulum-v1",
        lambda: ((wrappers_mod.ReshapeObservation,), {"shape": (3, 1)}),
    ),
    "VectorizeTransformReward": (
        "Pendulum-v1",
        lambda: ((wrappers_mod.ClipReward,), {"min_reward": -1.0}),
    ),
    "DictInfoToList": ("Pendulum-v1", lambda: ((), {})),
    "RenderCollection": ("Catch-v0", lambda: ((), {})),
    "RecordVideo": ("Catch-v0", lambda: ((tempfile.mkdtemp(),), {"disable_logger": True})),
}
NOT_STEPPED = {
    "HumanRendering": "opens a window (tests/test_human_rendering.py drives it headless)",
    "AtariPreprocessing": "needs an ALE env (tests/test_atari_preprocessing.py)",
}
SINGLE_ONLY_ARGS = {"TransformAction": 1, "TransformObservation": 1}  # + a None space


def _is_conversion(cls: type) -> bool:
    return issubclass(cls, (ArrayConversion, VectorArrayConversion))


def _pairs() -> list[tuple[str, type, str]]:
    """(alias name, generic class, kind) for every public wrapper but the conversions."""
    pairs: list[tuple[str, type, str]] = []
    for mod, prefix, kind in ((wrappers_mod, "", "single"), (vector_mod, "Vector", "vector")):
        for name in mod.__all__:
            cls = getattr(mod, name)
            if isinstance(cls, type) and not _is_conversion(cls):
                pairs.append((prefix + name, cls, kind))
    return pairs


PAIRS = _pairs()


def _module(lib: str) -> ModuleType:
    if lib != "numpy" and not backend_available(lib):
        pytest.skip(f"{lib} is not installed")
    return importlib.import_module(f"array_env.{lib}")


def _array_type(lib: str) -> type:
    return _module(lib).Array if lib != "numpy" else np.ndarray


@pytest.mark.parametrize("lib", BACKENDS)
def test_every_wrapper_has_its_specialisation(lib: str) -> None:
    module = _module(lib)
    expected = {alias for alias, _, _ in PAIRS}
    typed = {n for n in module.__all__ if isinstance(getattr(module, n), type)}
    assert typed - {"Array"} == expected
    for alias, generic, kind in PAIRS:
        cls = getattr(module, alias)
        assert issubclass(cls, generic), alias
        assert cls.__module__ == f"array_env.{lib}"
        public = "array_env." + ("wrappers" if kind == "single" else "vector")
        assert (cls.__doc__ or "").startswith(f":class:`{public}.{generic.__name__}` on ")
        assert not getattr(cls, "__parameters__", ()), f"{alias} is still generic"


def _leaves(x: Any) -> list[np.ndarray]:
    return [np.asarray(to_namespace(leaf, "numpy")) for leaf in tree_leaves(x)]


def _same(a: Any, b: Any) -> None:
    left, right = _leaves(a), _leaves(b)
    assert len(left) == len(right)
    for x, y in zip(left, right, strict=True):
        np.testing.assert_array_equal(x, y)


def _build(lib: str, alias: str, generic: type, kind: str) -> tuple[Any, Any]:
    name = alias.removeprefix("Vector") if kind == "vector" else alias
    env_id, make_args = PLANS[name]
    module = _module(lib)
    args, kwargs = make_args()
    if kind == "single" and name in SINGLE_ONLY_ARGS:
        args = (*args, None)
    renders = name in ("AddRenderObservation", "RenderCollection", "RecordVideo")
    extra = {"render_mode": "rgb_array"} if renders else {}

    def base() -> Any:
        if kind == "single":
            return module.make(f"array_env/{env_id}", **extra)
        return module.make_vec(f"array_env/{env_id}", 2, **extra)

    return generic(base(), *args, **kwargs), getattr(module, alias)(base(), *args, **kwargs)


def _action(lib: str, env: Any, step: int) -> Any:
    space = env.action_space
    space.seed(step)
    return to_namespace(np.asarray(space.sample()), lib)


def _steps(lib: str, generic: Any, typed: Any, n: int = 4) -> Any:
    _same(generic.reset(seed=3), typed.reset(seed=3))
    out = None
    for step in range(n):
        action = _action(lib, generic, step)
        out = typed.step(action)
        _same(generic.step(action)[:4], out[:4])
    return out


@pytest.mark.parametrize("lib", BACKENDS)
@pytest.mark.parametrize(("alias", "generic", "kind"), PAIRS, ids=[p[0] for p in PAIRS])
def test_specialisation_steps_like_the_generic_class(
    lib: str, alias: str, generic: type, kind: str
) -> None:
    name = alias.removeprefix("Vector") if kind == "vector" else alias
    if name in NOT_STEPPED:
        pytest.skip(NOT_STEPPED[name])
    if name == "RecordVideo":
        pytest.importorskip("av", reason="RecordVideo encodes with PyAV (the video extra)")
    ours, typed = _build(lib, alias, generic, kind)
    assert isinstance(typed, generic)
    out = _steps(lib, ours, typed)
    array: Any = _array_type(lib)
    if lib == "numpy" and alias == "DiscretizeObservation":
        # A Discrete observation on NumPy is a NumPy scalar (np.int64), as Gymnasium's Discrete
        # samples are, not an ndarray: the one place where the pinned type is looser than runtime.
        array = (np.ndarray, np.generic)
    assert all(isinstance(leaf, array) for leaf in tree_leaves(out[0])), type(out[0])
    # A pickled copy is still the specialisation and carries on as a copy of the generic class.
    try:
        pickle.dumps(ours)
    except TypeError:  # the generic class does not pickle either (reported; not this module's)
        with pytest.raises(TypeError):
            pickle.dumps(typed)
        return
    ours_copy: Any = pickle.loads(pickle.dumps(ours))
    typed_copy: Any = pickle.loads(pickle.dumps(typed))
    same_class = typed_copy.__class__ is typed.__class__  # (asserted apart: mypy would narrow)
    assert same_class
    action = _action(lib, typed, 99)
    try:
        expected = ours_copy.step(action)
    except gym.error.ResetNeeded:  # this generic class's copies need a reset first
        with pytest.raises(gym.error.ResetNeeded):
            typed_copy.step(action)
        return
    _same(expected[:4], typed_copy.step(action)[:4])


@pytest.mark.parametrize("lib", BACKENDS)
def test_spec_round_trip(lib: str) -> None:
    module = _module(lib)
    env = module.NormalizeObservation(module.make("array_env/Pendulum-v1"))
    assert env.spec is not None
    assert env.spec.additional_wrappers[-1].entry_point == (f"array_env.{lib}:NormalizeObservation")
    again = gym.make(env.spec)
    assert isinstance(again.unwrapped, type(env.unwrapped))
    layer: Any = again
    while not isinstance(layer, module.NormalizeObservation):
        layer = layer.env
    _steps(lib, env, again)


def test_importing_the_numpy_aliases_imports_no_other_backend() -> None:
    probe = (
        "import sys, json, array_env.numpy\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'torch', 'jax', 'jaxlib', 'cupy'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
