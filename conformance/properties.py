"""Every property of the specification, defined once (ids and wording: ``SPEC.md``).

A property runs episodes that end (the suite's base environments end each episode after 3 to 5
steps, by termination or truncation), in every autoreset mode for vector wrappers, and takes
what differs between wrappers from the :class:`~.framework.WrapperCase`: how to construct the
wrapper (``wrap``), the base environment's spaces, the actions, the bad inputs, how to read the
state, which space observations must lie in, which info entries to compare.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import io
import pickle
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, cast

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from array_env._namespace import device_name, namespace_name
from array_env._tree import format_path, tree_leaves, tree_map_with_path
from array_env.testing import Backend, to_host

from .envs import source_dtype
from .framework import (
    MODES,
    NUM_ENVS,
    SkipProperty,
    Subject,
    register_property,
)
from .hostsync import host_reads_allowed, no_host_reads

__all__ = [
    "STEPS",
    "Output",
    "assert_same_arrays",
    "describe_leaf",
    "gymnasium_class",
    "rollout",
]

STEPS = 12
"""Steps per rollout: every sub-env finishes at least two episodes (they last 3 to 5 steps)."""
SEED = 7


# --- shared helpers -------------------------------------------------------------------------


def gymnasium_class(subject: Subject, kind: str | None = None) -> Any:
    """Gymnasium's own class of the subject's wrapper and kind, or ``None`` where it has none."""
    module = gym.wrappers if (kind or subject.case.kind) == "single" else gym.wrappers.vector
    return getattr(module, subject.case.wrapper, None)


def describe_leaf(leaf: Any) -> str:
    """``"<namespace> on <device>"`` for an array, the type name for anything else."""
    if not compat.is_array_api_obj(leaf):
        return type(leaf).__name__
    return f"{namespace_name(compat.array_namespace(leaf))} on {device_name(compat.device(leaf))}"


def _host(x: Any) -> Any:
    return to_host(x) if compat.is_array_api_obj(x) else np.asarray(x)


def _host_tree(tree: Any) -> Any:
    return tree_map_with_path(lambda _, x: np.array(_host(x), copy=True), tree)


def assert_same_arrays(actual: Any, expected: Any, what: str) -> None:
    """Assert equal structure, namespaces, devices, dtypes and values (a copy's outputs)."""
    actual_leaves, expected_leaves = tree_leaves(actual), tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), f"{what}: the trees differ in structure"
    for index, (a, e) in enumerate(zip(actual_leaves, expected_leaves, strict=True)):
        got, want = describe_leaf(a), describe_leaf(e)
        assert got == want, f"{what}: leaf {index} is {got}, expected {want}"
    _assert_close(actual, expected, what, (0.0, 0.0))


def _assert_close(actual: Any, expected: Any, what: str, tolerance: tuple[float, float]) -> None:
    """Equal structure, shapes and values within ``(rtol, atol)`` (0-d arrays equal numbers)."""
    actual_leaves, expected_leaves = tree_leaves(actual), tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), (
        f"{what}: {len(actual_leaves)} leaves, expected {len(expected_leaves)}"
    )
    rtol, atol = tolerance
    for index, (got, want) in enumerate(zip(actual_leaves, expected_leaves, strict=True)):
        g, w = _host(got), _host(want)
        where = what if len(actual_leaves) == 1 else f"{what}, leaf {index}"
        assert g.shape == w.shape, f"{where}: shape {g.shape}, expected {w.shape}"
        if g.dtype == object or w.dtype == object:
            _assert_close(list(g.ravel()), list(w.ravel()), where, tolerance)
            continue
        if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
            raise AssertionError(f"{where}: {g!r}, expected {w!r}")


def _row(x: Any, i: int) -> Any:
    """Row ``i`` of a batched tree (a NumPy object array holds per-row trees)."""
    if isinstance(x, dict):
        items: dict[Any, Any] = x  # pyright: ignore[reportUnknownVariableType]
        return {k: _row(v, i) for k, v in items.items()}
    if isinstance(x, tuple):
        members: tuple[Any, ...] = x  # pyright: ignore[reportUnknownVariableType]
        return tuple(_row(v, i) for v in members)
    if isinstance(x, np.ndarray):
        array: np.ndarray[Any, Any] = x  # pyright: ignore[reportUnknownVariableType]
        return array[i] if array.dtype == object else array[i, ...]
    return x[i, ...]


def _info_value(info: dict[str, Any], path: str, row: int | None) -> tuple[bool, Any]:
    """``(present, value)`` of ``info`` at ``path`` (vector: at ``row``, where its mask is set)."""
    node: Any = info
    keys = path.split("/")
    if keys[0] not in info:
        return False, None
    if row is not None:
        mask = info.get(f"_{keys[0]}")
        if mask is not None and not bool(_host(mask)[row]):
            return False, None
    for key in keys:
        node = node[key]
    return True, (_row(node, row) if row is not None else node)


def _flag(x: Any) -> Any:
    with host_reads_allowed():
        return np.asarray(_host(x)).astype(bool)


class Output(NamedTuple):
    """One call of a rollout: ``reset`` or ``step``; the fields a step has, ``None`` otherwise."""

    call: str
    obs: Any
    reward: Any
    terminated: Any
    truncated: Any
    info: dict[str, Any]
    action: Any


def _guarded(guard: Callable[[], Any] | None) -> Any:
    return guard() if guard is not None else contextlib.nullcontext()


def rollout(
    subject: Subject,
    env: Any,
    *,
    mode: AutoresetMode | None = None,
    steps: int = STEPS,
    seed: int = SEED,
    read_only: bool = False,
    guard: Callable[[], Any] | None = None,
) -> list[Output]:
    """Reset with ``seed`` and step ``steps`` times with the case's actions, across resets.

    A single env is reset when its episode ends (unless the case's wrapper resets it itself); a
    vector env in disabled mode has its finished rows reset with ``reset_mask``. ``guard()``
    surrounds every ``step``/``reset`` call.
    """
    out: list[Output] = []
    with _guarded(guard):
        obs, info = env.reset(seed=seed)
    out.append(Output("reset", obs, None, None, None, info, None))
    single = subject.case.kind == "single" and not subject.case.resets_itself
    for step in range(steps):
        action = subject.action(env, step, read_only=read_only)
        with _guarded(guard):
            obs, reward, terminated, truncated, info = env.step(action)
        out.append(Output("step", obs, reward, terminated, truncated, info, action))
        done = _flag(terminated) | _flag(truncated)
        if single and bool(done):
            with _guarded(guard):
                obs, info = env.reset()
            out.append(Output("reset", obs, None, None, None, info, None))
        elif mode is AutoresetMode.DISABLED and done.any():
            mask = subject.upload(done, backend=subject.backend)
            with _guarded(guard):
                obs, info = env.reset(options={"reset_mask": mask})
            out.append(Output("reset", obs, None, None, None, info, None))
    return out


def _modes(subject: Subject) -> tuple[AutoresetMode | None, ...]:
    return (None,) if subject.case.kind == "single" else MODES


def _runs(subject: Subject) -> Iterator[tuple[str, AutoresetMode | None, Any]]:
    """A fresh wrapped env per autoreset mode (single: one), with a label for messages."""
    for mode in _modes(subject):
        label = "" if mode is None else f"{mode.value}: "
        yield label, mode, subject.make(subject.spec(mode=mode))


def _compare_outputs(
    subject: Subject,
    ours: list[Output],
    theirs: list[Output],
    label: str,
    tolerance: tuple[float, float],
) -> None:
    assert len(ours) == len(theirs), f"{label}{len(ours)} calls, expected {len(theirs)}"
    vector = subject.case.kind == "vector"
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        where = f"{label}{a.call} {index}"
        _assert_close(a.obs, b.obs, f"{where}: observation", tolerance)
        if a.call == "step":
            _assert_close(a.reward, b.reward, f"{where}: reward", tolerance)
            for what, x, y in (("terminated", a.terminated, b.terminated),
                               ("truncated", a.truncated, b.truncated)):  # fmt: skip
                assert np.array_equal(_flag(x), _flag(y)), f"{where}: {what} {x}, expected {y}"
        rows: list[int | None] = list(range(NUM_ENVS)) if vector else [None]
        for path in subject.case.info_keys:
            for row in rows:
                (has_a, va), (has_b, vb) = (
                    _info_value(a.info, path, row),
                    _info_value(b.info, path, row),
                )
                at = f"{where}: info {path}" + ("" if row is None else f" of sub-env {row}")
                assert has_a == has_b, f"{at} is {'present' if has_a else 'missing'}, expected not"
                if has_a:
                    _assert_close(va, vb, at, tolerance)


# --- NS: namespace and device --------------------------------------------------------------


def _assert_on(tree: Any, backend: Backend, what: str, *, arrays_only: bool = False) -> None:
    """Every leaf is an array of ``backend`` on its device (``arrays_only``: every array leaf)."""
    xp_name, device = namespace_name(backend.xp), device_name(backend.device)

    def check(path: tuple[Any, ...], leaf: Any) -> None:
        where = f"{what}{format_path(path, '')}"
        if not compat.is_array_api_obj(leaf):
            assert arrays_only, (
                f"{where}: expected a {xp_name} array on {device}, got a {type(leaf).__name__}"
            )
            return
        got = describe_leaf(leaf)
        assert got == f"{xp_name} on {device}", (
            f"{where}: expected {xp_name} on {device}, got {got}"
        )

    tree_map_with_path(check, tree)


@register_property("NS-1", "namespace_device_kept")
def namespace_device_kept(subject: Subject) -> None:
    """Outputs and the actions reaching the env keep the env's namespace and device.

    Observations, rewards, terminations and truncations are arrays of the env's namespace on
    its device wherever the env gave arrays (never a Python number or a NumPy array instead);
    array entries of ``info`` too.
    """
    backend = subject.backend
    for label, mode, env in _runs(subject):
        base = env.unwrapped
        for index, out in enumerate(rollout(subject, env, mode=mode)):
            where = f"{label}{out.call} {index}"
            _assert_on(out.obs, backend, f"{where}: observation")
            if out.call == "step":
                for what in ("reward", "terminated", "truncated"):
                    _assert_on(getattr(out, what), backend, f"{where}: {what}")
            _assert_on(out.info, backend, f"{where}: info", arrays_only=True)
        for index, action in enumerate(getattr(base, "received", [])):
            _assert_on(action, backend, f"{label}action reaching the env at step {index}")


# --- SP: declared spaces -------------------------------------------------------------------


def _check_space(space: gym.Space[Any], value: Any, backend: Backend, where: str) -> None:
    if isinstance(space, gym.spaces.Dict):
        subspaces: dict[str, gym.Space[Any]] = space.spaces  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        assert isinstance(value, dict), f"{where}: a {type(value).__name__}, expected a dict"
        keys = sorted(cast("dict[str, Any]", value))
        assert keys == sorted(subspaces), f"{where}: keys {keys}, expected {sorted(subspaces)}"
        for key, sub in subspaces.items():
            _check_space(sub, value[key], backend, f"{where}[{key!r}]")
        return
    if isinstance(space, gym.spaces.Tuple):
        items: tuple[gym.Space[Any], ...] = space.spaces  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        assert isinstance(value, tuple), f"{where}: a {type(value).__name__}, expected a tuple"
        got: tuple[Any, ...] = value  # pyright: ignore[reportUnknownVariableType]
        assert len(got) == len(items), f"{where}: {len(got)} items, expected {len(items)}"
        for i, sub in enumerate(items):
            _check_space(sub, got[i], backend, f"{where}[{i}]")
        return
    host = _host(value)
    if space.dtype is not None and compat.is_array_api_obj(value):
        want = source_dtype(backend, np.dtype(space.dtype).name)
        assert host.dtype.name == want, f"{where}: dtype {host.dtype}, expected {want}"
        if space.shape is not None:
            assert host.shape == space.shape, f"{where}: shape {host.shape}, expected {space.shape}"
        host = host.astype(space.dtype)
    assert space.contains(host), f"{where}: {host!r} is not inside {space}"


@register_property("SP-1", "declared_space")
def declared_space(subject: Subject) -> None:
    """Observations have the declared dtype and shape and lie inside the declared space."""
    for label, mode, env in _runs(subject):
        space = subject.case.space(env) if subject.case.space else env.observation_space
        for index, out in enumerate(rollout(subject, env, mode=mode)):
            _check_space(space, out.obs, subject.backend, f"{label}{out.call} {index} observation")


@register_property("SP-2", "actions_inside_env_space")
def actions_inside_env_space(subject: Subject) -> None:
    """Every action reaching the env lies inside the env's own action space."""
    for label, mode, env in _runs(subject):
        rollout(subject, env, mode=mode)
        base = env.unwrapped
        space = base.action_space
        for index, action in enumerate(base.received_host):
            assert space.contains(action), (
                f"{label}action reaching the env at step {index} is {action!r}, outside {space}"
            )


# --- MU: inputs not mutated ----------------------------------------------------------------


def _writable(x: Any) -> bool:
    if compat.is_numpy_array(x):
        return bool(x.flags.writeable)
    if compat.is_jax_array(x):
        return False
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        return bool(x._array.flags.writeable)
    return True  # torch and cupy have no read-only arrays


def _assert_no_writable_alias(actual: Any, original: Any, what: str) -> None:
    """No output may be a writable view of a read-only NumPy input."""
    from array_env.testing import shares_memory

    actual_leaves, original_leaves = tree_leaves(actual), tree_leaves(original)
    if len(actual_leaves) != len(original_leaves):
        return
    for index, (got, sent) in enumerate(zip(actual_leaves, original_leaves, strict=True)):
        if not (compat.is_numpy_array(sent) and not sent.flags.writeable):
            continue
        if compat.is_array_api_obj(got) and _writable(got) and shares_memory(got, sent):
            raise AssertionError(
                f"{what}: leaf {index} is a writable {type(got).__module__}."
                f"{type(got).__name__} aliasing a read-only NumPy input"
            )


@register_property("MU-1", "inputs_not_mutated")
def inputs_not_mutated(subject: Subject) -> None:
    """Neither the env's outputs nor the agent's actions are written to or writably aliased."""
    for label, mode, env in _runs(subject):
        base = env.unwrapped
        if not hasattr(base, "emitted_host"):
            raise SkipProperty("the base environment does not record what it emits")
        outputs: list[Any] = []
        sent: list[tuple[Any, Any]] = []
        for out in rollout(subject, env, mode=mode, read_only=True):
            outputs.append(out)
            if out.action is not None:
                sent.append((out.action, _host_tree(out.action)))
        for index, (emitted, host) in enumerate(zip(base.emitted, base.emitted_host, strict=True)):
            _assert_close(emitted, host, f"{label}the env's output {index}, afterwards", (0, 0))
        for index, (action, snapshot) in enumerate(sent):
            _assert_close(
                action, snapshot, f"{label}the action of step {index}, afterwards", (0, 0)
            )
        for index, (emitted, out) in enumerate(zip(base.emitted, outputs, strict=False)):
            _assert_no_writable_alias(out.obs, emitted[0], f"{label}{out.call} {index} output")
        for index, (received, (action, _)) in enumerate(zip(base.received, sent, strict=False)):
            _assert_no_writable_alias(received, action, f"{label}action at step {index}")


# --- DT: determinism and backends ----------------------------------------------------------


@register_property("DT-1", "deterministic")
def deterministic(subject: Subject) -> None:
    """Two fresh wrappers reset with the same seed give identical trajectories."""
    for label, mode, env in _runs(subject):
        twin = subject.make(subject.spec(mode=mode))
        first, second = rollout(subject, env, mode=mode), rollout(subject, twin, mode=mode)
        _compare_outputs(subject, second, first, label, (0.0, 0.0))


@register_property("DT-2", "same_on_every_backend", backends=lambda b: b is not Backend.NUMPY)
def same_on_every_backend(subject: Subject) -> None:
    """The trajectory on this backend equals the one on NumPy within the case's tolerance."""
    reference = Subject(subject.case, Backend.NUMPY, subject.param, subject.impl)
    for label, mode, env in _runs(subject):
        ref_env = reference.make(reference.spec(mode=mode))
        ours = rollout(subject, env, mode=mode)
        theirs = rollout(reference, ref_env, mode=mode)
        _compare_outputs(subject, ours, theirs, f"{label}vs numpy: ", subject.case.tolerance)


# --- GY: Gymnasium -------------------------------------------------------------------------


def _numpy_only(backend: Backend) -> bool:
    return backend is Backend.NUMPY


def _received(base: Any) -> list[Any]:
    return list(getattr(base, "received_host", []))


@register_property("GY-1", "matches_gymnasium", backends=_numpy_only)
def matches_gymnasium(subject: Subject) -> None:
    """On NumPy, everything equals Gymnasium's own wrapper's, across episode ends.

    Observations, rewards, flags, the case's info entries and the actions reaching the env.
    Vector: in each autoreset mode Gymnasium's vector wrapper supports (less the case's
    ``gymnasium_quirks``), over the native vector env and over ``SyncVectorEnv``; where
    Gymnasium has only the single wrapper, the vector wrapper is compared per sub-env with
    Gymnasium's single wrapper.
    """
    single_cls = gymnasium_class(subject, "single")
    if subject.case.kind == "single" or gymnasium_class(subject) is None:
        if single_cls is None:
            raise SkipProperty(f"Gymnasium has no {subject.case.wrapper}")
        if subject.case.kind == "vector":
            for each in MODES:
                for sync in (False, True):
                    _drive(subject, each, sync, single_cls, "vs Gymnasium's single wrapper ")
            return
    reference = gymnasium_class(subject)
    compared = 0
    missing: str | None = None
    for mode in _modes(subject):
        if mode in subject.case.gymnasium_quirks:
            continue
        for sync in (False,) if mode is None else (False, True):
            spec = subject.spec(mode=mode, sync=sync)
            label = "" if mode is None else f"{mode.value}{' sync' if sync else ''}: "
            ours_env = subject.make(spec)
            theirs_base = subject.base(spec)
            try:
                theirs_env = subject.wrap(reference, theirs_base)
                theirs = rollout(subject, theirs_env, mode=mode)
            except gym.error.DependencyNotInstalled as e:
                missing = str(e)
                continue
            except Exception:  # a mode Gymnasium's wrapper does not support is not compared
                continue
            ours = rollout(subject, ours_env, mode=mode)
            _compare_outputs(subject, ours, theirs, label, subject.case.tolerance)
            if not sync:
                sent = _received(ours_env.unwrapped), _received(theirs_base)
                _assert_close(*sent, f"{label}actions reaching the env", subject.case.tolerance)
            compared += 1
    if compared == 0 and missing is not None:
        raise SkipProperty(f"Gymnasium's wrapper needs an extra that is not installed: {missing}")
    if compared == 0:
        raise AssertionError("Gymnasium's wrapper ran in no mode; nothing was compared")


def _simple(value: Any) -> bool:
    return isinstance(value, int | float | str | bool | tuple | gym.Space) or value is None


def _public_names(reference: Any, instance: Any) -> list[str]:
    """Gymnasium's documented surface.

    The constructor arguments it keeps under their own name, the properties its class defines,
    and the spaces.
    """
    stops = (gym.Wrapper, gym.vector.VectorWrapper, gym.Env, gym.vector.VectorEnv, object)
    names = [
        p for p in inspect.signature(reference.__init__).parameters if p not in ("self", "env")
    ]
    names = [n for n in names if n in vars(instance)]
    for klass in cast("tuple[type, ...]", reference.__mro__):
        if klass in stops:
            break
        names += [n for n, v in vars(klass).items() if isinstance(v, property) and n[0] != "_"]
    spaces = ["observation_space", "action_space"]
    if hasattr(instance, "single_observation_space"):
        spaces += ["single_observation_space", "single_action_space"]
    return list(dict.fromkeys(names + spaces))


@register_property("GY-2", "gymnasium_interface", backends=_numpy_only)
def gymnasium_interface(subject: Subject) -> None:
    """Gymnasium's constructor parameters (names, order, defaults) and public attributes.

    Extra parameters are allowed only after Gymnasium's, keyword-only and with a default (an
    opt-in such as ``check_finite``), so every call written for Gymnasium binds the same way.
    The public attributes are the constructor arguments Gymnasium keeps under their own name,
    the properties its class defines and the spaces: ours has each, with an equal value where
    it is a number, string, tuple or space.
    """
    reference = gymnasium_class(subject)
    if reference is None:
        raise SkipProperty(f"Gymnasium has no {subject.case.kind} {subject.case.wrapper}")
    ours_cls = subject.wrapper_class()
    theirs_sig = inspect.signature(reference.__init__).parameters
    ours_sig = inspect.signature(ours_cls.__init__).parameters
    want = [(p.name, repr(p.default)) for p in theirs_sig.values()]
    extra = list(ours_sig.values())[len(want) :]
    for p in extra:
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, (
            f"extra constructor parameter {p.name!r} must be keyword-only"
        )
        assert p.default is not p.empty, f"extra constructor parameter {p.name!r} needs a default"
    got = [(p.name, repr(p.default)) for p in list(ours_sig.values())[: len(want)]]
    assert [g[0] for g in got] == [w[0] for w in want], (
        f"constructor parameters {[g[0] for g in got]}, Gymnasium's {[w[0] for w in want]}"
    )
    for g, w in zip(got, want, strict=True):
        assert g[1] == w[1], f"parameter {g[0]} defaults to {g[1]}, Gymnasium's to {w[1]}"
    spec = subject.spec()
    ours, theirs = subject.make(spec), subject.wrap(reference, subject.base(spec))
    for stage in ("constructed", "after reset"):
        for name in _public_names(reference, theirs):
            value = getattr(theirs, name)
            assert hasattr(ours, name), f"{stage}: no public attribute {name!r} (Gymnasium has it)"
            if _simple(value) and not isinstance(value, float):
                assert getattr(ours, name) == value, (
                    f"{stage}: {name} is {getattr(ours, name)!r}, Gymnasium's {value!r}"
                )
        ours.reset(seed=SEED)
        theirs.reset(seed=SEED)


# --- VS: vector equals single --------------------------------------------------------------


def _drive(
    subject: Subject, mode: AutoresetMode, sync: bool, single_cls: Any, label: str = ""
) -> None:
    """Step the vector wrapper and one single wrapper per sub-env in lockstep; compare rows."""
    if sync and subject.backend not in (Backend.NUMPY, Backend.NUMPY_READONLY):
        return
    tol = subject.case.tolerance
    where0 = f"{label}{mode.value}{' SyncVectorEnv' if sync else ''}"
    vector = subject.make(subject.spec(mode=mode, sync=sync))
    bases = [subject.base(subject.spec(kind="single", sub_env=i)) for i in range(NUM_ENVS)]
    singles = [subject.wrap(single_cls, base, single=True) for base in bases]
    obs, _ = vector.reset(seed=SEED)
    for i, single in enumerate(singles):
        _assert_close(_row(obs, i), single.reset(seed=SEED + i)[0],
                      f"{where0}: reset observation of sub-env {i}", tol)  # fmt: skip
    pending = np.zeros(NUM_ENVS, dtype=bool)
    for step in range(STEPS):
        host = subject.host_action(vector, step)
        obs, rewards, terminated, truncated, infos = vector.step(subject.upload(host))
        done = _flag(terminated) | _flag(truncated)
        where = f"{where0}, step {step}"
        for i, single in enumerate(singles):
            if mode is AutoresetMode.NEXT_STEP and pending[i]:
                _assert_close(_row(obs, i), single.reset()[0],
                              f"{where}: reset-step observation of sub-env {i}", tol)  # fmt: skip
                continue
            s_obs, s_reward, s_term, s_trunc, s_info = single.step(subject.upload(_row(host, i)))
            _assert_close(_row(rewards, i), s_reward, f"{where}: reward of sub-env {i}", tol)
            assert bool(_flag(terminated)[i]) == bool(_flag(s_term)), (
                f"{where}: terminated of sub-env {i}"
            )
            assert bool(_flag(truncated)[i]) == bool(_flag(s_trunc)), (
                f"{where}: truncated of sub-env {i}"
            )
            for path in subject.case.info_keys:
                (has_v, v), (has_s, s) = (
                    _info_value(infos, path, i),
                    _info_value(s_info, path, None),
                )
                at = f"{where}: info {path} of sub-env {i}"
                assert has_v == has_s, f"{at}: vector {'has' if has_v else 'lacks'} it, single not"
                if has_v:
                    _assert_close(v, s, at, tol)
            if mode is AutoresetMode.SAME_STEP and done[i]:
                assert "final_obs" in infos, f"{where}: no final_obs for finished sub-env {i}"
                _assert_close(_row(infos["final_obs"], i), s_obs,
                              f"{where}: final_obs of sub-env {i}", tol)  # fmt: skip
                _assert_close(_row(obs, i), single.reset()[0],
                              f"{where}: observation after the same-step reset of sub-env {i}",
                              tol)  # fmt: skip
            else:
                _assert_close(_row(obs, i), s_obs, f"{where}: observation of sub-env {i}", tol)
        if mode is AutoresetMode.DISABLED and done.any():
            mask = subject.upload(done, backend=subject.backend)
            obs, _ = vector.reset(options={"reset_mask": mask})
            for i in np.flatnonzero(done).tolist():
                what = f"{where}: partial reset observation of sub-env {i}"
                _assert_close(_row(obs, i), singles[i].reset()[0], what, tol)
        pending = done
    base = vector.unwrapped
    for i, single_base in enumerate(bases):
        if sync:
            sent = base.envs[i].received_host
        else:
            sent = [
                _row(a, i) for a, s in zip(base.received_host, base.stepped, strict=True) if s[i]
            ]
        _assert_close(sent, single_base.received_host,
                      f"{where0}: actions reaching sub-env {i}", tol)  # fmt: skip


@register_property("VS-1", "vector_equals_single")
def vector_equals_single(subject: Subject) -> None:
    """Sub-env ``i`` of the vector wrapper equals the single wrapper over sub-env ``i`` alone.

    Observations (``final_obs`` included), rewards, flags, the case's info entries and the
    actions reaching each sub-env, under next-step, same-step and disabled autoreset, over the
    suite's native vector env and (on NumPy) Gymnasium's ``SyncVectorEnv``.
    """
    if subject.case.kind != "vector":
        raise SkipProperty("vector_equals_single applies to vector cases")
    single_cls = subject.wrapper_class("single")
    for mode in MODES:
        for sync in (False, True):
            _drive(subject, mode, sync, single_cls)


# --- HS: no host sync ----------------------------------------------------------------------


def _detects_host_reads(backend: Backend) -> bool:
    return backend in (Backend.TORCH, Backend.TORCH_CUDA, Backend.JAX_CUDA)


@register_property("HS-1", "no_host_sync", backends=_detects_host_reads)
def no_host_sync(subject: Subject) -> None:
    """``step`` and ``reset`` read no device value back to the host (declared quirks aside).

    CPU torch: a ``TorchFunctionMode`` rejects ``item``, ``__bool__``, ``__float__``,
    ``__int__``, ``__index__``, ``__array__``, ``tolist``, ``numpy`` and ``nonzero``; on GPUs
    ``torch.cuda.set_sync_debug_mode("error")`` and ``jax.transfer_guard_device_to_host
    ("disallow")`` reject any synchronisation.
    """
    for _, mode, env in _runs(subject):
        rollout(subject, env, mode=mode, guard=lambda: no_host_reads(subject.backend))


# --- CP: copies ----------------------------------------------------------------------------


def _check_copy(subject: Subject, duplicate: Callable[[Any], Any], how: str) -> None:
    for label, mode, env in _runs(subject):
        env.reset(seed=SEED)
        for step in range(4):
            env.step(subject.action(env, step))
        clone = duplicate(env)
        assert type(clone) is type(env), f"{label}{how} gave a {type(clone).__name__}"
        for step in range(4, STEPS):
            got = clone.step(subject.action(clone, step))
            want = env.step(subject.action(env, step))
            assert_same_arrays(got[:4], want[:4], f"{label}step {step} after {how}")
            done = _flag(want[2]) | _flag(want[3])
            if subject.case.kind == "single" and bool(done):
                assert_same_arrays(clone.reset()[0], env.reset()[0], f"{label}reset after {how}")
            elif mode is AutoresetMode.DISABLED and done.any():
                mask = subject.upload(done, backend=subject.backend)
                assert_same_arrays(clone.reset(options={"reset_mask": mask})[0],
                                   env.reset(options={"reset_mask": mask})[0],
                                   f"{label}partial reset after {how}")  # fmt: skip


@register_property("CP-1", "pickles")
def pickles(subject: Subject) -> None:
    """A wrapper in mid-episode survives pickle: the copy continues exactly like the original."""
    _check_copy(subject, lambda env: pickle.loads(pickle.dumps(env)), "pickle round trip")


@register_property("CP-2", "deep_copies")
def deep_copies(subject: Subject) -> None:
    """A wrapper in mid-episode survives ``copy.deepcopy``: the copy continues like the original."""
    _check_copy(subject, copy.deepcopy, "deepcopy")


# --- BI: bad input -------------------------------------------------------------------------


def _state(subject: Subject, env: Any) -> Any:
    if subject.case.state is not None:
        return _host_tree(subject.case.state(env))
    if hasattr(env, "state_dict"):
        return _host_tree(env.state_dict())
    return None


def _advance(subject: Subject, env: Any, steps: range) -> list[Any]:
    out: list[Any] = []
    for step in steps:
        result = env.step(subject.action(env, step))
        out.append(result[:4])
        done = _flag(result[2]) | _flag(result[3])
        if subject.case.kind == "single" and bool(done):
            out.append(env.reset()[0])
    return out


@register_property("BI-1", "bad_input_rejected")
def bad_input_rejected(subject: Subject) -> None:
    """Each declared malformed input raises its documented error and changes nothing.

    The error names the wrapper; the wrapper's state, and everything it does next, equal a twin
    that never saw the input.
    """
    bad_inputs = subject.case.bad_inputs
    assert bad_inputs, "the case declares no bad inputs; BI-1 would check nothing"
    fed = 0
    for bad in bad_inputs:
        env, twin = subject.make(), subject.make()
        if not bad.before_reset:
            for e in (env, twin):
                e.reset(seed=SEED)
                _advance(subject, e, range(2))
        before = None if bad.before_reset else _state(subject, env)
        base = env.unwrapped
        if bad.before_reset:
            value = subject.action(env, 0)
        elif bad.output is not None:
            corrupt = bad.output
            base.corrupt = functools.partial(corrupt, subject)
            value = subject.action(env, 2)
        else:
            assert bad.action is not None, f"bad input {bad.what!r} has neither action nor output"
            value = bad.action(subject, env)
            if value is None:  # cannot be built on this backend
                continue
        message: str | None = None
        try:
            env.step(value)
        except bad.error as e:
            message = str(e)
        except Exception as e:
            raise AssertionError(
                f"{bad.what}: raised {type(e).__name__} ({e}), expected {_names(bad.error)}"
            ) from None
        finally:
            base.corrupt = None
        assert message is not None, f"{bad.what} was accepted"
        named = subject.case.wrapper in message or type(env).__name__ in message
        assert named, f"{bad.what}: the error does not name {subject.case.wrapper}: {message}"
        after = _state(subject, env)
        if before is not None:
            _assert_close(after, before, f"after {bad.what}: the state", (0.0, 0.0))
        if bad.before_reset:
            for each in (env, twin):
                each.reset(seed=SEED)
        got, want = _advance(subject, env, range(2, 9)), _advance(subject, twin, range(2, 9))
        _assert_close(got, want, f"after {bad.what}: the next outputs", (0.0, 0.0))
        fed += 1
    if fed == 0:
        raise SkipProperty("none of the case's bad inputs can be built on this backend")


def _names(error: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    errors = error if isinstance(error, tuple) else (error,)
    return " or ".join(e.__name__ for e in errors)


# --- ST: state -----------------------------------------------------------------------------


@register_property("ST-1", "state_dict_portable")
def state_dict_portable(subject: Subject) -> None:
    """``state_dict`` saves to ``.npz`` (no pickle) and loads into a fresh wrapper faithfully.

    The loaded wrapper continues exactly like the saved one, and unlike a fresh one (so the
    state matters and a ``load_state_dict`` doing nothing fails).
    """
    import array_env

    trained = subject.make()
    rollout(subject, trained)
    buffer = io.BytesIO()
    np.savez(buffer, **array_env.to_namespace(trained.state_dict(), "numpy"))
    buffer.seek(0)
    restored, fresh = subject.make(), subject.make()
    restored.load_state_dict(dict(np.load(buffer, allow_pickle=False)))
    _assert_close(_state(subject, restored), _state(subject, trained), "loaded state", (0, 0))
    a, b, c = (rollout(subject, env, seed=SEED + 1) for env in (trained, restored, fresh))
    _compare_outputs(subject, b, a, "after loading: ", subject.case.tolerance)
    try:
        _compare_outputs(subject, c, a, "", subject.case.tolerance)
    except AssertionError:
        return
    raise AssertionError(
        "a fresh wrapper behaves like the trained one: this case cannot tell a working "
        "load_state_dict from one that does nothing (train longer or compare other outputs)"
    )


# --- SP-3: generated spaces ----------------------------------------------------------------


def _generated_backends(backend: Backend) -> bool:
    return backend in (Backend.NUMPY, Backend.ARRAY_API_STRICT)


def _construct(subject: Subject, cls: Any, spec: Any, space: gym.Space[Any]) -> tuple[Any, str]:
    from .envs import make_base

    try:
        return subject.wrap(cls, make_base(spec, space, subject.case.action_space)), ""
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"


@register_property("SP-3", "accepts_generated_spaces", backends=_generated_backends)
def accepts_generated_spaces(subject: Subject) -> None:
    """Over generated observation spaces, accepts what Gymnasium accepts, with valid outputs.

    Where both accept a space, the declared spaces are equal; a reset and steps across an
    episode end give observations inside the declared space. Spaces: ``strategies.spaces()``,
    under the ``ci`` (seeded) or ``thorough`` profile.
    """
    try:
        from hypothesis import given
    except ImportError:
        raise SkipProperty("hypothesis is not installed (pip install hypothesis)") from None

    from .strategies import spaces, use_profile

    reference = gymnasium_class(subject)
    if reference is None and subject.case.kind == "vector":
        reference = None  # nothing to compare acceptance with; outputs are still checked

    @use_profile()
    @given(spaces())
    def check(space: gym.Space[Any]) -> None:
        spec = subject.spec()
        ours, ours_error = _construct(subject, subject.wrapper_class(), spec, space)
        if reference is not None:
            numpy_spec = subject.spec(backend=Backend.NUMPY)
            theirs, theirs_error = _construct(subject, reference, numpy_spec, space)
            assert (ours is None) == (theirs is None), (
                f"over {space}: ours {'rejects' if ours is None else 'accepts'} it "
                f"({ours_error or 'accepted'}), Gymnasium's "
                f"{'rejects' if theirs is None else 'accepts'} it ({theirs_error or 'accepted'})"
            )
            if ours is not None and theirs is not None:
                assert ours.observation_space == theirs.observation_space, (
                    f"over {space}: declares {ours.observation_space}, Gymnasium's "
                    f"{theirs.observation_space}"
                )
        if ours is None:
            return
        declared = ours.observation_space
        for index, out in enumerate(rollout(subject, ours, steps=5)):
            _check_space(declared, out.obs, subject.backend, f"over {space}: {out.call} {index}")

    check()
