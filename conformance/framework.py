"""Wrapper cases, the property registry and the runner shared by pytest and ``array-env check``.

A :class:`WrapperCase` says how to build one wrapper (single or vector) over a base environment
of a given :class:`~array_env.testing.Backend`, with the class taken from the implementation
under test, and which registered properties it must hold. :func:`plan` expands cases over
backends (and each case's parameters, such as a conversion's target backend) into
:class:`Check` items; :func:`run_check` runs one and returns a :class:`Result`, never raising for
a failure of the implementation under test.

Example:
    >>> from conformance.cases import all_cases
    >>> from conformance.implementation import load_implementation
    >>> checks = plan(all_cases(), [Backend.NUMPY, Backend.ARRAY_API_STRICT])
    >>> result = run_check(checks[0], load_implementation(), xfails={})
    >>> result.outcome in ("passed", "failed", "xfailed", "skipped")
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from array_env._namespace import device_name
from array_env.testing import Backend
from conformance.implementation import Implementation, Kind
from conformance.xfails import XfailRule, find_reason, matches

__all__ = [
    "PROPERTIES",
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
    "register_property",
    "run",
    "run_check",
]

Outcome = Literal["passed", "failed", "xfailed", "skipped"]


class Result(NamedTuple):
    """One property of one wrapper on one backend, as reported by pytest, text and JSON."""

    wrapper: str
    kind: Kind
    backend: str
    device: str
    property: str
    outcome: Outcome
    message: str


class SkipProperty(Exception):  # noqa: N818  (it is a signal, like pytest's Skipped)
    """Raised by a property check that cannot run here; the message is the reason."""


CheckFunction = Callable[["Subject"], None]


class Property(NamedTuple):
    """A named check: it raises (usually ``AssertionError``) when the subject breaks it."""

    name: str
    check: CheckFunction
    doc: str


PROPERTIES: dict[str, Property] = {}
"""Every registered property by name."""
_NAMES: dict[CheckFunction, str] = {}


def register_property(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as the property ``name`` (its docstring describes it)."""

    def register(check: CheckFunction) -> CheckFunction:
        if name in PROPERTIES:
            raise ValueError(f"property {name!r} is registered twice")
        PROPERTIES[name] = Property(name, check, (check.__doc__ or "").strip())
        _NAMES[check] = name
        return check

    return register


def _no_params(backend: Backend) -> Sequence[tuple[str, Any]]:
    return [("", None)]


def _always(prop: str, backend: Backend, param: Any) -> bool:
    return True


@dataclass(frozen=True)
class WrapperCase:
    """How to build one wrapper over a base environment, and what it must satisfy.

    Attributes:
        wrapper: The wrapper's Gymnasium class name, looked up in the implementation under test.
        kind: ``"single"`` or ``"vector"``.
        build: Builds the wrapped environment for a :class:`Subject`; it takes the class from
            ``subject.wrapper_class()``.
        action: Returns an action for the wrapped environment, given the subject, the env and
            whether a NumPy action should be read-only (to catch writes into inputs).
        properties: The registered properties that apply, as their check functions or names
            (stored as names).
        params: For a backend, the labelled parameters the case runs with (a conversion's
            targets); an empty list means the case does not apply to that backend. A parameter
            that is a :class:`Backend` skips where that backend is unavailable.
        applies: Whether a property applies to one backend and parameter (e.g. zero-copy only
            where the pair can share memory); a property that does not apply is not reported.
        quirks: Property-label patterns (``*``, ``?``) this case is exempt from by design, with
            the reason (reported as skipped), e.g. "a video recorder needs the host".
    """

    wrapper: str
    kind: Kind
    build: Callable[[Subject], Any]
    action: Callable[[Subject, Any, bool], Any]
    properties: tuple[str | CheckFunction, ...]
    params: Callable[[Backend], Sequence[tuple[str, Any]]] = _no_params
    applies: Callable[[str, Backend, Any], bool] = _always
    quirks: Mapping[str, str] = field(default_factory=dict[str, str])

    def __post_init__(self) -> None:
        names = tuple(p if isinstance(p, str) else _NAMES.get(p, repr(p)) for p in self.properties)
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

    def wrapper_class(self) -> Any:
        """The class under test (raises :class:`MissingWrapperError` if it is not provided)."""
        return self.impl.wrapper(self.case.wrapper, self.case.kind)

    def make(self) -> Any:
        """Build a fresh wrapped environment."""
        return self.case.build(self)

    def action(self, env: Any, *, read_only: bool = False) -> Any:
        """Return a fresh action for ``env`` (a new array on every call)."""
        return self.case.action(self, env, read_only)


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
                    if case.applies(p, backend, param)
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
            case.wrapper, case.kind, backend.label, backend_device(backend), check.label, outcome,
            message,
        )  # fmt: skip

    reason = _skip_reason(check)
    if reason is not None:
        return result("skipped", reason)
    subject = Subject(case, backend, check.param, impl)
    try:
        PROPERTIES[check.prop].check(subject)
    except SkipProperty as e:
        return result("skipped", str(e))
    except Exception as e:
        message = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"
        failure: str | None = message.strip() or type(e).__name__
    else:
        failure = None
    expected = (
        find_reason(xfails.get(backend.label, []), case.wrapper, case.kind, check.label)
        if impl.is_reference
        else None
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
        if matches(pattern, check.label):
            return f"declared quirk: {why}"
    return None


def run(
    checks: Iterable[Check], impl: Implementation, xfails: Mapping[str, list[XfailRule]]
) -> Iterator[Result]:
    """Run checks in order, yielding one result each."""
    for check in checks:
        yield run_check(check, impl, xfails)
