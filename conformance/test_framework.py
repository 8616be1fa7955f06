"""The suite can fail: each property catches the bug it names, and outcomes are classified.

Each test runs one property against a deliberately wrong ``ArrayConversion`` (a small subclass
of array_env's) and expects a failure with a message naming the problem; the outcome rules
(xfail lists, quirks, missing wrappers) are checked on their own.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from array_env._tree import tree_map
from array_env.testing import Backend
from array_env.wrappers import ArrayConversion

from .cases import all_cases
from .framework import Check, Result, WrapperCase, plan, run_check
from .hostsync import HostReadError, host_reads_allowed, no_host_reads
from .implementation import Implementation, load_implementation
from .xfails import XfailRule, parse_xfails


def _fake_impl(cls: type, module_name: str = "fake_impl") -> Implementation:
    module = types.ModuleType(module_name)
    module.__dict__["ArrayConversion"] = cls
    return Implementation(name=module_name, single=module, vector=module)


def _case(wrapper: str = "ArrayConversion", kind: str = "single") -> WrapperCase:
    return next(c for c in all_cases() if c.wrapper == wrapper and c.kind == kind)


def _run(
    impl: Implementation,
    prop: str,
    source: Backend = Backend.NUMPY,
    target: Backend = Backend.ARRAY_API_STRICT,
    *,
    wrapper: str = "ArrayConversion",
    xfails: dict[str, list[XfailRule]] | None = None,
) -> Result:
    check = Check(_case(wrapper), source, prop, target.label, target)
    return run_check(check, impl, xfails or {})


class _NegatesPosition(ArrayConversion[Any, Any]):
    def step(self, action: Any) -> Any:
        obs, *rest = super().step(action)
        return ({**obs, "position": -obs["position"]}, *rest)


class _CastsPixels(ArrayConversion[Any, Any]):
    def step(self, action: Any) -> Any:
        obs, *rest = super().step(action)
        return ({**obs, "pixels": self.xp.astype(obs["pixels"], self.xp.int32)}, *rest)


class _WritesIntoTheEnvOutput(ArrayConversion[Any, Any]):
    def step(self, action: Any) -> Any:
        obs, *rest = super().step(action)
        recording: Any = self.env.unwrapped
        recording.emitted[-1][0]["position"][0] = 9.0  # the NumPy array the env handed out
        return (obs, *rest)


class _CopiesObservations(ArrayConversion[Any, Any]):
    def reset(self, **kwargs: Any) -> Any:
        obs, info = super().reset(**kwargs)
        return tree_map(lambda x: x.clone(), obs), info


def test_round_trip_catches_changed_values() -> None:
    result = _run(_fake_impl(_NegatesPosition), "round_trip")
    assert result.outcome == "failed"
    assert "step 1 output" in result.message
    assert _run(_fake_impl(_NegatesPosition), "moved_as_asked").outcome == "passed"


def test_dtype_kept_catches_a_cast() -> None:
    result = _run(_fake_impl(_CastsPixels), "dtype_kept")
    assert result.outcome == "failed"
    assert "int32, expected uint8" in result.message


def test_inputs_not_mutated_catches_a_write_into_the_env_output() -> None:
    result = _run(_fake_impl(_WritesIntoTheEnvOutput), "inputs_not_mutated")
    assert result.outcome == "failed"
    assert "the env's output 1, afterwards" in result.message


def test_inputs_not_mutated_catches_a_writable_alias_of_read_only_input() -> None:
    pytest.importorskip("torch")
    # Gymnasium hands out writable tensors over read-only NumPy buffers (see the README).
    result = _run(
        load_implementation("gymnasium.wrappers"),
        "inputs_not_mutated",
        Backend.NUMPY_READONLY,
        Backend.TORCH,
        wrapper="NumpyToTorch",
    )
    assert result.outcome == "failed"
    assert "writable torch.Tensor aliasing a read-only NumPy input" in result.message


def test_zero_copy_catches_a_copy() -> None:
    pytest.importorskip("torch")
    result = _run(_fake_impl(_CopiesObservations), "zero_copy", Backend.NUMPY, Backend.TORCH)
    assert result.outcome == "failed"
    assert "reset observation: leaf 0 was copied" in result.message


def test_a_missing_wrapper_is_a_failure_not_a_crash() -> None:
    result = _run(_fake_impl(ArrayConversion), "round_trip", wrapper="NumpyToTorch")
    assert result.outcome in ("failed", "skipped")  # skipped only where torch is absent
    if result.outcome == "failed":
        assert "fake_impl provides no NumpyToTorch" in result.message


def test_xfail_lists_apply_to_array_env_only_and_go_stale_loudly() -> None:
    rules = parse_xfails("ArrayConversion single round_trip[*]  # a documented quirk", "t.txt")
    xfails = {"numpy": rules}
    reference = _fake_impl(_NegatesPosition, "array_env.wrappers")
    result = _run(reference, "round_trip", xfails=xfails)
    assert (result.outcome, result.message.startswith("a documented quirk")) == ("xfailed", True)
    assert _run(_fake_impl(_NegatesPosition), "round_trip", xfails=xfails).outcome == "failed"
    stale = _run(_fake_impl(ArrayConversion, "array_env.wrappers"), "round_trip", xfails=xfails)
    assert stale.outcome == "failed"
    assert "unexpectedly passed" in stale.message


@pytest.mark.parametrize(
    "line", ["ArrayConversion single round_trip", "ArrayConversion round_trip  # why", "a b c #"]
)
def test_xfail_lines_need_three_fields_and_a_reason(line: str) -> None:
    with pytest.raises(ValueError, match=r"t\.txt:1"):
        parse_xfails(line, "t.txt")


def test_declared_quirks_skip_with_their_reason() -> None:
    case = _case()
    quirky = dataclasses.replace(case, quirks={"pickles*": "cannot cross processes"})
    check = Check(quirky, Backend.NUMPY, "pickles", "array_api_strict", Backend.ARRAY_API_STRICT)
    result = run_check(check, load_implementation(), {})
    assert (result.outcome, result.message) == ("skipped", "declared quirk: cannot cross processes")


def test_plan_keeps_targets_inside_the_selected_backends() -> None:
    conversions = [
        c for c in all_cases() if c.wrapper.endswith(("Conversion", "Numpy", "Torch", "Jax"))
    ]
    checks = plan(conversions, [Backend.NUMPY, Backend.ARRAY_API_STRICT_DEVICE1])
    assert checks
    assert {c.param for c in checks} == {Backend.NUMPY, Backend.ARRAY_API_STRICT_DEVICE1}
    assert {c.case.wrapper for c in checks} == {"ArrayConversion"}  # no torch or jax selected
    assert all(c.prop != "zero_copy" for c in checks)  # neither pair shares memory


_READS: dict[str, Callable[[Any], Any]] = {
    "item": lambda x: x.item(),
    "bool": bool,
    "float": float,
    "int": int,
    "tolist": lambda x: x.tolist(),
    "nonzero": lambda x: x.nonzero(),
    "numpy": lambda x: x.numpy(),
    "array": np.asarray,
}


@pytest.mark.parametrize("name", list(_READS))
def test_no_host_reads_rejects_each_host_read_on_cpu_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    read = _READS[name]
    x = torch.ones(())
    with no_host_reads(Backend.TORCH), pytest.raises(HostReadError):
        read(x)
    with no_host_reads(Backend.TORCH), host_reads_allowed():
        read(x)  # the suite's base environments may read


def test_no_host_reads_cannot_see_boolean_mask_indexing() -> None:
    torch = pytest.importorskip("torch")
    x = torch.arange(3)
    with no_host_reads(Backend.TORCH):
        assert x[x > 0].shape == (2,)  # documented blind spot (SPEC.md HS-1)
