"""Wrapper cases, the property registry and the runner shared by pytest and ``array-env check``.

A property is registered once (:func:`register_property`) with a stable id from ``SPEC.md``
(``NS-1``) and a name (``namespace_device_kept``). A :class:`WrapperCase` says how to construct
one wrapper (single or vector) with a class taken from the implementation under test, over the
suite's base environments (or its own), and supplies the per-wrapper inputs the properties need:
the spaces of the base environment, the actions to send, the bad inputs, how to read the state.
:func:`plan` expands cases over backends (and each case's parameters) into :class:`Check` items;
:func:`run_check` runs one and returns a :class:`Result`, never raising for a failure of the
implementation under test.

Examples:
    >>> from conformance.cases import all_cases
    >>> from conformance.implementation import load_implementation
    >>> checks = plan(all_cases(), [Backend.NUMPY, Backend.ARRAY_API_STRICT])
    >>> result = run_check(checks[0], load_implementation(), xfails={})
    >>> result.outcome in ("passed", "failed", "xfailed", "skipped")
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from array_env._namespace import device_name
from array_env.testing import Backend

from .implementation import Implementation, Kind
from .xfails import XfailRule, find_reason, matches

__all__ = [
    "MODES",
    "NUM_ENVS",
    "PROPERTIES",
    "BadInput",
    "BaseSpec",
    "Check",
    "Kind",
    "Outcome",
    "Property",
    "Result",
    "SkipProperty",
    "Subject",
    "WrapperCase",
    "backend_device",
    "plan",
    "property_by_id",
    "register_property",
    "run",
    "run_check",
]

Outcome = Literal["passed", "failed", "xfailed", "skipped"]

MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED)
"""The autoreset modes every vector property runs under."""
NUM_ENVS = 3
"""Sub-environments of the suite's vector base environments."""


class Result(NamedTuple):
    """One property of one wrapper on one backend, as reported by pytest, text and JSON."""

    wrapper: str
    kind: Kind
    backend: str
    device: str
    id: str
    property: str
    outcome: Outcome
    message: str


class SkipProperty(Exception):  # noqa: N818  (it is a signal, like pytest's Skipped)
    """Raised by a property check that cannot run here; the message is the reason."""


CheckFunction = Callable[["Subject"], None]


def _every_backend(backend: Backend) -> bool:
    return True


class Property(NamedTuple):
    """A registered check: it raises (usually ``AssertionError``) when the subject breaks it.

    Attributes:
        id: The stable id from ``SPEC.md``, e.g. ``"NS-1"``.
        name: What it asserts, e.g. ``"namespace_device_kept"``.
        check: The check function.
        doc: Its docstring.
        backends: On which backends it runs at all (e.g. only NumPy for the differential one).
    """

    id: str
    name: str
    check: CheckFunction
    doc: str
    backends: Callable[[Backend], bool]


PROPERTIES: dict[str, Property] = {}
"""Every registered property by name (see also :func:`property_by_id`)."""
_NAMES: dict[CheckFunction, str] = {}
_ID = re.compile(r"[A-Z]{2}-\d+")


def register_property(
    id: str,
    name: str,
    *,
    backends: Callable[[Backend], bool] = _every_backend,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as the property ``id`` / ``name`` (its docstring describes it).

    Only ``conformance/properties.py`` (and the conversion family) register properties: a case
    file supplies inputs to the registered ones and never adds its own.
    """

    def register(check: CheckFunction) -> CheckFunction:
        if not _ID.fullmatch(id):
            raise ValueError(f"property id {id!r} is not of the form AB-1")
        if name in PROPERTIES or any(p.id == id for p in PROPERTIES.values()):
            raise ValueError(f"property {id} {name!r} is registered twice")
        PROPERTIES[name] = Property(id, name, check, (check.__doc__ or "").strip(), backends)
        _NAMES[check] = name
        return check

    return register


def property_by_id(prop_id: str) -> Property:
    """Return the registered property of id ``prop_id`` (raises ``KeyError``)."""
    for prop in PROPERTIES.values():
        if prop.id == prop_id:
            return prop
    raise KeyError(prop_id)


def _property_name(ref: str | CheckFunction) -> str:
    if not isinstance(ref, str):
        return _NAMES.get(ref, repr(ref))
    if ref in PROPERTIES:
        return ref
    try:
        return property_by_id(ref).name
    except KeyError:
        return ref


class BaseSpec(NamedTuple):
    """Which base environment a property asks a case for.

    Attributes:
        backend: The backend the environment emits arrays of.
        kind: ``"single"`` or ``"vector"``.
        sub_env: Single: the sub-environment it stands for (its episodes have the lengths of
            that row of the vector environment). Vector: 0.
        mode: Vector: the autoreset mode. Single: ``None``.
        num_envs: Vector: the number of sub-environments.
        sync: Vector: Gymnasium's ``SyncVectorEnv`` over single environments (NumPy backends
            only) instead of the suite's native vector environment.
        param: The case's parameter (``None`` without ``params``).
    """

    backend: Backend
    kind: Kind
    sub_env: int = 0
    mode: AutoresetMode | None = None
    num_envs: int = NUM_ENVS
    sync: bool = False
    param: Any = None


class BadInput(NamedTuple):
    """One malformed input for ``BI-1 bad_input_rejected``.

    Give ``action`` (the bad action to step the wrapper with, built for the subject and the
    wrapped env), ``output`` (how the base env corrupts its next ``step`` output tuple; the
    base env's state then does not advance, so a retry behaves as if nothing happened), or
    ``before_reset=True`` (a ``step`` of a wrapper never reset, with a valid action).

    Attributes:
        what: What is wrong, e.g. ``"an observation of shape (4,)"`` (used in messages).
        action: ``action(subject, env)`` -> the bad action.
        output: ``output(subject, step_output)`` -> the corrupted step output.
        error: The documented exception type(s).
        before_reset: The bad input is a ``step`` before the first ``reset``.
    """

    what: str
    action: Callable[[Subject, Any], Any] | None = None
    output: Callable[[Subject, tuple[Any, ...]], tuple[Any, ...]] | None = None
    error: type[BaseException] | tuple[type[BaseException], ...] = Exception
    before_reset: bool = False


def _no_params(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("", None)]


def _always(prop: str, backend: Backend, param: Any) -> bool:
    return True


Wrap = Callable[[Any, Any, Any], Any]
"""``wrap(cls, env, param)``: construct the wrapper class ``cls`` around ``env``."""


@dataclass(frozen=True)
class WrapperCase:
    """How to construct one wrapper, the inputs its properties need, and which apply.

    Attributes:
        wrapper: The wrapper's Gymnasium class name, looked up in the implementation under test.
        kind: ``"single"`` or ``"vector"``.
        wrap: ``wrap(cls, env, param)`` constructs the wrapper: ``cls`` is the implementation's
            class (or Gymnasium's, for the differential property), ``env`` the base env,
            ``param`` the case's parameter (``None`` without ``params``). Use only constructor
            arguments Gymnasium's class has.
        properties: The registered properties that apply: ids (``"NS-1"``), names or check
            functions; stored as names.
        observation_space: The single observation space of the suite's base environment.
        action_space: The single action space of the suite's base environment.
        env: ``env(spec)`` builds the base environment instead of the suite's
            (:func:`conformance.envs.make_base`); it must record like the suite's does
            (``emitted``, ``emitted_host``, ``received``, ``corrupt_next``).
        action: ``action(env, step)`` -> a host NumPy action (tree) for the wrapped ``env`` at
            step ``step``; the suite uploads it to the agent's backend. Default: a seeded draw
            from ``env.action_space``.
        single_wrap: For a vector case, how its single twin is constructed (``VS-1`` and the
            per-sub-env differential property); default ``wrap``.
        bad_inputs: The malformed inputs ``BI-1`` feeds, each with its documented error.
        state: ``state(env)`` -> a tree of the wrapper's state, compared before and after a
            rejected input (``BI-1``) and after loading (``ST-1``); default ``env.state_dict()``
            where the wrapper has one.
        space: ``space(env)`` -> the space observations must lie in (``SP-1``); default
            ``env.observation_space``.
        gymnasium_quirks: Autoreset modes in which Gymnasium's vector wrapper behaves
            differently by design, with the reason: ``GY-1`` does not compare them.
        info_keys: Paths (``"episode/r"``) of info entries the wrapper adds, compared by the
            differential and vector-equals-single properties.
        tolerance: ``(rtol, atol)`` for comparisons of values computed in floating point.
        params: For a backend, the labelled parameters the case runs with (a conversion's
            targets, a frame stack's padding); an empty list means the case does not apply to
            that backend. A parameter that is a :class:`Backend` skips where it is unavailable.
        applies: Whether a property applies to one backend and parameter; a property that does
            not apply is not reported at all.
        quirks: Property-label patterns (``*``, ``?``) this case is exempt from by design, with
            the reason (reported as skipped), e.g. ``{"no_host_sync": "writes video on the host"}``.
        resets_itself: The single wrapper resets its env when an episode ends (Gymnasium's
            ``Autoreset``): rollouts step on across episode ends instead of calling ``reset``.
    """

    wrapper: str
    kind: Kind
    wrap: Wrap
    properties: tuple[str | CheckFunction, ...]
    observation_space: gym.Space[Any] | None = None
    action_space: gym.Space[Any] | None = None
    env: Callable[[BaseSpec], Any] | None = None
    action: Callable[[Any, int], Any] | None = None
    single_wrap: Wrap | None = None
    bad_inputs: tuple[BadInput, ...] = ()
    state: Callable[[Any], Any] | None = None
    space: Callable[[Any], gym.Space[Any]] | None = None
    gymnasium_quirks: Mapping[AutoresetMode, str] = field(default_factory=dict[AutoresetMode, str])
    info_keys: tuple[str, ...] = ()
    tolerance: tuple[float, float] = (1e-5, 1e-6)
    params: Callable[[Backend], Sequence[tuple[str, Any]]] = _no_params
    applies: Callable[[str, Backend, Any], bool] = _always
    quirks: Mapping[str, str] = field(default_factory=dict[str, str])
    resets_itself: bool = False

    def __post_init__(self) -> None:
        from . import properties  # noqa: F401  # pyright: ignore[reportUnusedImport]  (registers)

        names = tuple(_property_name(p) for p in self.properties)
        unknown = [name for name in names if name not in PROPERTIES]
        if unknown:
            raise ValueError(f"{self.wrapper} ({self.kind}): unknown properties {unknown}")
        object.__setattr__(self, "properties", names)  # frozen: normalise once, here

    @property
    def property_names(self) -> tuple[str, ...]:
        """The names of the properties that apply."""
        return tuple(p for p in self.properties if isinstance(p, str))

    @property
    def name(self) -> str:
        """``"<wrapper> <kind>"``, the row label of the matrix."""
        return f"{self.wrapper} {self.kind}"


@dataclass(frozen=True)
class Subject:
    """What a property check receives: the case, the backend, its parameter and the impl."""

    case: WrapperCase
    backend: Backend
    param: Any
    impl: Implementation

    @property
    def agent_backend(self) -> Backend:
        """The backend of the agent's side (a conversion's target, else the env's backend)."""
        return self.param if isinstance(self.param, Backend) else self.backend

    def wrapper_class(self, kind: Kind | None = None) -> Any:
        """The class under test (raises :class:`MissingWrapperError` if it is not provided)."""
        return self.impl.wrapper(self.case.wrapper, kind or self.case.kind)

    def base(self, spec: BaseSpec | None = None) -> Any:
        """Build a base environment (by default the case's kind on the subject's backend)."""
        from .envs import make_base

        spec = spec or self.spec()
        if self.case.env is not None:
            return self.case.env(spec)
        return make_base(spec, self.case.observation_space, self.case.action_space)

    def spec(
        self,
        *,
        backend: Backend | None = None,
        mode: AutoresetMode | None = None,
        sync: bool = False,
        sub_env: int = 0,
        kind: Kind | None = None,
    ) -> BaseSpec:
        """The :class:`BaseSpec` of this subject, with the given changes."""
        kind = kind or self.case.kind
        if kind == "vector" and mode is None:
            mode = AutoresetMode.NEXT_STEP
        return BaseSpec(
            backend or self.backend, kind, sub_env, mode if kind == "vector" else None, NUM_ENVS,
            sync, self.param,
        )  # fmt: skip

    def wrap(self, cls: Any, env: Any, *, single: bool = False) -> Any:
        """Construct ``cls`` around ``env`` as the case says (its single twin's way if asked)."""
        wrap = (self.case.single_wrap or self.case.wrap) if single else self.case.wrap
        return wrap(cls, env, self.param)

    def make(self, spec: BaseSpec | None = None) -> Any:
        """Build a fresh wrapped environment of the implementation under test."""
        spec = spec or self.spec()
        single = spec.kind == "single" and self.case.kind == "vector"
        return self.wrap(self.wrapper_class(spec.kind), self.base(spec), single=single)

    def host_action(self, env: Any, step: int) -> Any:
        """The host (NumPy) action for ``env`` at ``step`` (the case's, or a seeded draw)."""
        if self.case.action is not None:
            return self.case.action(env, step)
        space = env.action_space
        space.seed(1000 + step)
        return space.sample()

    def upload(self, host: Any, *, read_only: bool = False, backend: Backend | None = None) -> Any:
        """Copy a host tree to the agent's backend (read-only NumPy when asked)."""
        target = backend or self.agent_backend
        if read_only and target is Backend.NUMPY:
            target = Backend.NUMPY_READONLY
        return _upload(target, host)

    def action(self, env: Any, step: int = 0, *, read_only: bool = False) -> Any:
        """A fresh action for ``env`` at ``step``, on the agent's backend."""
        return self.upload(self.host_action(env, step), read_only=read_only)


def _upload(backend: Backend, host: Any) -> Any:
    from array_env._tree import tree_map

    def move(leaf: Any) -> Any:
        if isinstance(leaf, np.ndarray | np.generic):
            array: np.ndarray[Any, Any] = np.asarray(leaf)  # pyright: ignore[reportUnknownArgumentType]
            dtype: str = array.dtype.name
            return backend.asarray(array, dtype=dtype)
        return leaf

    return tree_map(move, host)


class Check(NamedTuple):
    """One planned property run."""

    case: WrapperCase
    backend: Backend
    prop: str
    param_label: str
    param: Any

    @property
    def label(self) -> str:
        """The property label: ``name`` or ``name[param]``."""
        return f"{self.prop}[{self.param_label}]" if self.param_label else self.prop

    @property
    def prop_id(self) -> str:
        """The property's stable id, e.g. ``NS-1``."""
        return PROPERTIES[self.prop].id

    @property
    def id(self) -> str:
        """A readable test id, e.g. ``ArrayConversion-single-numpy-round_trip[torch]``."""
        return f"{self.case.wrapper}-{self.case.kind}-{self.backend.label}-{self.label}"


def plan(cases: Iterable[WrapperCase], backends: Iterable[Backend]) -> list[Check]:
    """Expand cases over backends and parameters, in case order then backend order.

    Computing the plan imports no backend: parameters are chosen from :class:`Backend` metadata.
    """
    selected = list(backends)
    checks: list[Check] = []
    for case in cases:
        for backend in selected:
            for param_label, param in case.params(backend):
                if isinstance(param, Backend) and param not in selected:
                    continue
                checks += [
                    Check(case, backend, p, param_label, param)
                    for p in case.property_names
                    if PROPERTIES[p].backends(backend) and case.applies(p, backend, param)
                ]
    return checks


def backend_device(backend: Backend) -> str:
    """The device a backend label runs on, as a string (its spec where it is unavailable)."""
    if backend.unavailable_reason is None:
        return device_name(backend.device)
    return backend.device_spec or "cpu"


def run_check(check: Check, impl: Implementation, xfails: Mapping[str, list[XfailRule]]) -> Result:
    """Run one check and classify its outcome; failures of the code under test never raise.

    Args:
        check: The planned check.
        impl: The implementation under test.
        xfails: Expected failures per backend label; used only for the reference implementation.
    """
    case, backend = check.case, check.backend

    def result(outcome: Outcome, message: str = "") -> Result:
        return Result(
            case.wrapper, case.kind, backend.label, backend_device(backend), check.prop_id,
            check.label, outcome, message,
        )  # fmt: skip

    reason = _skip_reason(check)
    if reason is not None:
        return result("skipped", reason)
    subject = Subject(case, backend, check.param, impl)
    try:
        PROPERTIES[check.prop].check(subject)
    except SkipProperty as e:
        return result("skipped", str(e))
    except gym.error.DependencyNotInstalled as e:
        # An optional extra of the wrapper under test (a video encoder, a window) is missing here:
        # nothing can be checked, which is a skip with the install hint, not a failure.
        return result("skipped", f"needs an extra that is not installed: {e}")
    except Exception as e:
        message = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"
        failure: str | None = message.strip() or type(e).__name__
    else:
        failure = None
    rules = xfails.get(backend.label, []) if impl.is_reference else []
    expected = find_reason(rules, case.wrapper, case.kind, check.label) or find_reason(
        rules, case.wrapper, case.kind, check.prop_id
    )
    if expected is None:
        return result("passed") if failure is None else result("failed", failure)
    if failure is None:
        return result("failed", f"unexpectedly passed; remove it from the xfails: {expected}")
    return result("xfailed", f"{expected} ({failure})")


def _skip_reason(check: Check) -> str | None:
    reason = check.backend.unavailable_reason
    if reason is not None:
        return reason
    if isinstance(check.param, Backend) and check.param.unavailable_reason is not None:
        return f"target {check.param.label}: {check.param.unavailable_reason}"
    for pattern, why in check.case.quirks.items():
        if matches(pattern, check.label) or matches(pattern, check.prop_id):
            return f"declared quirk: {why}"
    return None


def run(
    checks: Iterable[Check], impl: Implementation, xfails: Mapping[str, list[XfailRule]]
) -> Iterator[Result]:
    """Run checks in order, yielding one result each."""
    for check in checks:
        yield run_check(check, impl, xfails)
