"""Conversion wrappers (``ArrayConversion``, ``NumpyToTorch``, ...), single and vector.

Every case runs a :mod:`conformance.envs` base environment of the *source* backend (the matrix
column) and converts to each *target* backend the wrapper can reach (the bracket in the property
label, e.g. ``round_trip[torch]``). ``ArrayConversion`` goes from every backend and device to
every other; the named wrappers between the pairs their names say, on every device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import array_api_compat as compat
import numpy as np

from array_env._tree import tree_leaves
from array_env.testing import Backend, assert_on_backend, shares_memory, to_host

from ..envs import RecordingEnv, RecordingVectorEnv, host_action, source_dtype
from ..framework import BaseSpec, Kind, Subject, Wrap, WrapperCase, register_property

__all__ = ["CASES"]

_NUMPY = (Backend.NUMPY, Backend.NUMPY_READONLY)
_TORCH = (Backend.TORCH, Backend.TORCH_CUDA)
_JAX = (Backend.JAX, Backend.JAX_CUDA)

# wrapper -> (sources, targets); ArrayConversion is every pair (see _targets).
_PAIRS: dict[str, tuple[tuple[Backend, ...], tuple[Backend, ...]]] = {
    "NumpyToTorch": (_NUMPY, _TORCH),
    "TorchToNumpy": (_TORCH, (Backend.NUMPY,)),
    "NumpyToJax": (_NUMPY, _JAX),
    "JaxToNumpy": (_JAX, (Backend.NUMPY,)),
    "JaxToTorch": (_JAX, _TORCH),
    "TorchToJax": (_TORCH, _JAX),
}
_TARGETLESS = ("TorchToNumpy", "JaxToNumpy")  # their constructors take no device

# Pairs that share memory by DLPack (see array_env.convert); NumPy -> JAX only shares a buffer
# that happens to be aligned, so it is not asserted.
_ZERO_COPY = {
    (Backend.NUMPY, Backend.TORCH),
    (Backend.TORCH, Backend.NUMPY),
    (Backend.TORCH_CUDA, Backend.CUPY),
    (Backend.CUPY, Backend.TORCH_CUDA),
    (Backend.TORCH_CUDA, Backend.JAX_CUDA),
    (Backend.JAX_CUDA, Backend.TORCH_CUDA),
    (Backend.JAX_CUDA, Backend.CUPY),
    (Backend.CUPY, Backend.JAX_CUDA),
}


def _targets(wrapper: str, source: Backend) -> list[Backend]:
    if wrapper == "ArrayConversion":
        # A read-only NumPy target is plain NumPy; converting to the source itself is a no-op.
        return [b for b in Backend if b not in (source, Backend.NUMPY_READONLY)]
    sources, targets = _PAIRS[wrapper]
    return list(targets) if source in sources else []


def _env(spec: BaseSpec) -> Any:
    source, target = spec.backend, spec.param
    # A device that cannot hold float64 at all gets none: converting one there is an error by
    # design (see array_env.convert), not a dtype to narrow as JAX without x64 does.
    float64 = source.has_float64 and (target.has_float64 or target in _JAX)
    if spec.kind == "single":
        return RecordingEnv(source, float64=float64)
    return RecordingVectorEnv(source, spec.num_envs, float64=float64)


def _wrap(wrapper: str) -> Wrap:
    def wrap(cls: Any, env: Any, target: Backend) -> Any:
        source: Backend = env.backend
        if wrapper == "ArrayConversion":
            return cls(env, env_xp=source.xp, target_xp=target.xp, env_device=source.device,
                       target_device=target.device)  # fmt: skip
        if wrapper in _TARGETLESS:
            return cls(env)
        return cls(env, device=target.device)

    return wrap


def _action(env: Any, step: int) -> Any:
    batch = (env.num_envs,) if hasattr(env, "num_envs") else ()
    return host_action(batch)


def _rollout(subject: Subject) -> tuple[Any, list[Any], list[Any]]:
    """Reset and step twice; return the base env, the wrapper's outputs and the actions sent."""
    env = subject.make()
    outputs = [env.reset(seed=1)]
    actions: list[Any] = []
    for step in range(2):
        actions.append(subject.action(env, step))
        outputs.append(env.step(actions[-1]))
    return env.unwrapped, outputs, actions


def _names(index: int) -> str:
    return "reset" if index == 0 else f"step {index}"


def _on(tree: Any, backend: Backend, what: str) -> None:
    try:
        assert_on_backend(tree, backend.xp, backend.device)
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}") from None


@register_property("NS-2", "moved_as_asked")
def moved_as_asked(subject: Subject) -> None:
    """Outputs are in the target namespace and device; actions reach the env in its own."""
    base, outputs, _ = _rollout(subject)
    for index, output in enumerate(outputs):
        _on(output, subject.param, f"{_names(index)} output")
    for index, received in enumerate(base.received, start=1):
        _on(received, subject.backend, f"action received by the env at step {index}")


def _host(x: Any) -> Any:
    return to_host(x) if compat.is_array_api_obj(x) else np.asarray(x)


def _assert_values(actual: Any, expected: Any, what: str, *, exact: bool = False) -> None:
    """Equal structure and values; a Python number may come back as a 0-d array."""
    actual_leaves, expected_leaves = tree_leaves(actual), tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), f"{what}: the tree structure changed"
    for index, (got, want) in enumerate(zip(actual_leaves, expected_leaves, strict=True)):
        got_host, want_host = _host(got), _host(want)
        assert got_host.shape == want_host.shape, (
            f"{what}: leaf {index} has shape {got_host.shape}, expected {want_host.shape}"
        )
        tolerance = 0 if exact else 1e-6
        if not np.allclose(got_host, want_host, rtol=tolerance, atol=tolerance):
            raise AssertionError(f"{what}: leaf {index} is {got_host!r}, expected {want_host!r}")


@register_property("CV-1", "round_trip")
def round_trip(subject: Subject) -> None:
    """Converted outputs and actions hold exactly the values that were sent."""
    base, outputs, actions = _rollout(subject)
    for index, (output, host) in enumerate(zip(outputs, base.emitted_host, strict=True)):
        _assert_values(output, host, f"{_names(index)} output")
    for index, (received, sent) in enumerate(zip(base.received, actions, strict=True), start=1):
        _assert_values(received, sent, f"action received at step {index}")


def _dtype(x: Any) -> str:
    return str(to_host(x).dtype)


def _check_dtypes(actual: Any, expected: Any, backend: Backend, what: str) -> None:
    for index, (got, sent) in enumerate(
        zip(tree_leaves(actual), tree_leaves(expected), strict=True)
    ):
        if not compat.is_array_api_obj(sent):
            continue
        assert compat.is_array_api_obj(got), f"{what}: leaf {index} became {type(got).__name__}"
        want = source_dtype(backend, _dtype(sent))
        assert _dtype(got) == want, f"{what}: leaf {index} is {_dtype(got)}, expected {want}"


@register_property("CV-2", "dtype_kept")
def dtype_kept(subject: Subject) -> None:
    """Every array keeps its dtype (a target without 64-bit types narrows it, like JAX does)."""
    base, outputs, actions = _rollout(subject)
    for index, (output, emitted) in enumerate(zip(outputs, base.emitted, strict=True)):
        _check_dtypes(output, emitted, subject.param, f"{_names(index)} output")
    for index, (received, sent) in enumerate(zip(base.received, actions, strict=True), start=1):
        _check_dtypes(received, sent, subject.backend, f"action at step {index}")


def _assert_shared(actual: Any, expected: Any, backend: Backend, what: str) -> None:
    for index, (got, sent) in enumerate(
        zip(tree_leaves(actual), tree_leaves(expected), strict=True)
    ):
        if not compat.is_array_api_obj(sent) or source_dtype(backend, _dtype(sent)) != _dtype(sent):
            continue
        assert shares_memory(got, sent), f"{what}: leaf {index} was copied"


@register_property("CV-3", "zero_copy")
def zero_copy(subject: Subject) -> None:
    """Where the pair can share memory (DLPack), observations and actions are not copied."""
    base, outputs, actions = _rollout(subject)
    for index, (output, emitted) in enumerate(zip(outputs, base.emitted, strict=True)):
        _assert_shared(output[0], emitted[0], subject.param, f"{_names(index)} observation")
    for index, (received, sent) in enumerate(zip(base.received, actions, strict=True), start=1):
        _assert_shared(received, sent, subject.backend, f"action at step {index}")


_PROPERTIES = (
    moved_as_asked,
    round_trip,
    dtype_kept,
    zero_copy,
    "MU-1",
    "CP-1",
    "CP-2",
)


def _case(wrapper: str, kind: Kind) -> WrapperCase:
    def params(source: Backend) -> Sequence[tuple[str, Any]]:
        return [(target.label, target) for target in _targets(wrapper, source)]

    def applies(prop: str, source: Backend, target: Any) -> bool:
        return prop != "zero_copy" or (source, target) in _ZERO_COPY

    return WrapperCase(
        wrapper=wrapper,
        kind=kind,
        wrap=_wrap(wrapper),
        env=_env,
        action=_action,
        properties=_PROPERTIES,
        params=params,
        applies=applies,
    )


CASES = [
    _case(wrapper, kind)
    for wrapper in ("ArrayConversion", *_PAIRS)
    for kind in ("single", "vector")
]  # fmt: skip
