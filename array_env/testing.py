"""Backends and devices available here, and the assertions shared by tests and conformance.

:class:`Backend` enumerates every backend/device combination the test suite runs on. Tests are
parametrised with :func:`backend_params`, which turns each member into a ``pytest.param`` that
skips *with a reason* where the backend is missing (GPU members on a machine without CUDA).
Known quirks are declared on a test with the ``xfail_backend`` / ``skip_backend`` markers and a
reason; nothing is skipped silently.

Examples:
    >>> Backend.NUMPY_READONLY.asarray([1.0, 2.0]).flags.writeable
    False
    >>> Backend("array_api_strict:device1").device
    array_api_strict.Device('device1')
"""

from __future__ import annotations

import contextlib
import enum
import functools
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import array_api_compat as compat

from array_env._namespace import (
    backend_available,
    device_name,
    namespace_name,
    resolve_device,
    resolve_namespace,
)
from array_env._tree import format_path, tree_leaves, tree_map_with_path
from array_env.typing import Device, Namespace

if TYPE_CHECKING:
    import pytest

__all__ = [
    "Backend",
    "assert_on_backend",
    "assert_trees_close",
    "backend_params",
    "data_pointer",
    "no_host_sync",
    "shares_memory",
    "to_host",
]


class Backend(enum.Enum):
    """One backend on one device; the value is the label used in reports and ``--backend``."""

    NUMPY = "numpy"
    NUMPY_READONLY = "numpy-readonly"
    ARRAY_API_STRICT = "array_api_strict"
    ARRAY_API_STRICT_DEVICE1 = "array_api_strict:device1"
    ARRAY_API_STRICT_NO_FLOAT64 = "array_api_strict:no_float64"
    TORCH = "torch"
    JAX = "jax"
    TORCH_CUDA = "torch:cuda"
    JAX_CUDA = "jax:cuda"
    CUPY = "cupy"

    @property
    def label(self) -> str:
        """The label shown in reports, e.g. ``"torch:cuda"``."""
        return self.value

    @property
    def namespace_name(self) -> str:
        """The backend's name as :func:`array_env.resolve_namespace` takes it."""
        return "numpy" if self is Backend.NUMPY_READONLY else self.value.split(":")[0]

    @property
    def device_spec(self) -> str | None:
        """The device as a string, ``None`` for the backend's default device."""
        _, _, spec = self.value.partition(":")
        return spec or ("cuda" if self is Backend.CUPY else None)

    @property
    def is_gpu(self) -> bool:
        """Whether this member needs a CUDA device."""
        return self in (Backend.TORCH_CUDA, Backend.JAX_CUDA, Backend.CUPY)

    @property
    def unavailable_reason(self) -> str | None:
        """Why this member cannot run here, or ``None`` when it can."""
        return _unavailable_reason(self)

    @property
    def xp(self) -> Namespace[Any]:
        """The member's namespace (imports the backend)."""
        return resolve_namespace(self.namespace_name)

    @property
    def device(self) -> Device:
        """The member's device object (imports the backend)."""
        return resolve_device(self.xp, self.device_spec)

    @property
    def has_float64(self) -> bool:
        """Whether arrays of this member can hold float64 without canonicalisation."""
        if self is Backend.ARRAY_API_STRICT_NO_FLOAT64:
            return False
        if self in (Backend.JAX, Backend.JAX_CUDA):
            import jax

            # jax.config.values is typed dict[str, <jaxlib type pyright cannot see>].
            return bool(jax.config.values["jax_enable_x64"])  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        return True

    def asarray(self, value: Any, dtype: Any = None) -> Any:
        """Build an array of this member from host data (NumPy-readonly gives a read-only array).

        Args:
            value: Host data: nested lists, Python numbers or a NumPy array.
            dtype: A dtype *name* (``"float32"``) or a dtype of this namespace; ``None`` keeps a
                NumPy input's dtype and otherwise the backend's default for the data. On members
                without float64 a float64 name is built as float32, and on JAX without x64 every
                64-bit name as its 32-bit twin, as those backends canonicalise themselves.
        """
        xp = self.xp
        if dtype is None and compat.is_numpy_array(value):
            dtype = value.dtype.name
        if isinstance(dtype, str) and dtype.endswith("64") and not self.has_float64:
            # Build what the backend would canonicalise to, instead of asking for a dtype it
            # lacks: JAX without x64 has no 64-bit types at all, strict's no_float64 no float64.
            jax_like = self in (Backend.JAX, Backend.JAX_CUDA)
            if dtype == "float64" or jax_like:
                dtype = {"complex128": "complex64"}.get(dtype, dtype[:-2] + "32")
        if isinstance(dtype, str):
            dtype = getattr(xp, dtype)
        shape = None
        if compat.is_numpy_array(value) and not compat.is_numpy_namespace(xp):
            shape = value.shape  # tolist() loses the shape of an empty array: [] for (0, 2)
            value = value.tolist() if value.ndim else value.item()
        out = xp.asarray(value, dtype=dtype, device=self.device)
        if shape is not None and tuple(out.shape) != shape:
            out = xp.reshape(out, shape)
        if self is Backend.NUMPY_READONLY:
            out = out.copy()
            out.flags.writeable = False
        return out

    def tree(self, tree: Any) -> Any:
        """Convert every NumPy array in a host tree to this member (see :meth:`asarray`)."""
        return tree_map_with_path(
            lambda _, leaf: self.asarray(leaf) if compat.is_numpy_array(leaf) else leaf, tree
        )


@functools.cache
def _unavailable_reason(backend: Backend) -> str | None:
    if not backend_available(backend.namespace_name):
        return f"{backend.namespace_name} is not installed"
    if not backend.is_gpu:
        return None
    try:
        resolve_device(backend.xp, backend.device_spec)
    except (ValueError, ImportError, RuntimeError) as e:
        return f"no CUDA device for {backend.namespace_name} on this machine ({e})"
    return None


def backend_params(
    backends: Iterator[Backend] | list[Backend] | None = None,
) -> list[pytest.ParameterSet]:
    """Return one ``pytest.param`` per backend, skipping the unavailable ones with a reason.

    Args:
        backends: The members to include; every member by default.
    """
    import pytest

    params: list[pytest.ParameterSet] = []
    for backend in backends if backends is not None else Backend:
        marks: list[pytest.MarkDecorator] = []
        reason = backend.unavailable_reason
        if reason is not None:
            marks.append(pytest.mark.skip(reason=reason))
        if backend.is_gpu:
            marks.append(pytest.mark.gpu)
        params.append(pytest.param(backend, id=backend.label, marks=marks))
    return params


def apply_backend_markers(item: pytest.Item, backend: Backend) -> None:
    """Turn ``xfail_backend``/``skip_backend`` markers on a test into an xfail or skip.

    Markers take the backend (a member or its label) and a mandatory ``reason``.
    """
    import pytest

    for mark in item.iter_markers():
        if mark.name not in ("xfail_backend", "skip_backend"):
            continue
        target: Any = mark.args[0] if mark.args else mark.kwargs["backend"]
        targets: list[Any] = list(target) if isinstance(target, list | tuple) else [target]  # pyright: ignore[reportUnknownArgumentType]
        if backend not in {Backend(t) if isinstance(t, str) else t for t in targets}:
            continue
        reason = mark.kwargs.get("reason")
        if not reason:
            raise ValueError(f"{item.nodeid}: {mark.name} needs a reason")
        if mark.name == "skip_backend":
            pytest.skip(f"{backend.label}: {reason}")
        item.add_marker(pytest.mark.xfail(reason=f"{backend.label}: {reason}", strict=True))


def data_pointer(x: Any) -> int:
    """Return the address of an array's first element, for zero-copy assertions."""
    if compat.is_numpy_array(x):
        return int(x.__array_interface__["data"][0])
    if compat.is_torch_array(x):
        return int(x.data_ptr())
    if compat.is_jax_array(x):
        return int(x.unsafe_buffer_pointer())
    if compat.is_cupy_array(x):
        return int(x.data.ptr)
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        return data_pointer(x._array)
    raise TypeError(f"no data pointer for {type(x).__name__}")


def shares_memory(a: Any, b: Any) -> bool:
    """Return whether two arrays of any backends start at the same address."""
    return data_pointer(a) == data_pointer(b)


def to_host(x: Any) -> Any:
    """Copy an array of any backend (or a Python number) to NumPy, for comparisons in tests."""
    import numpy as np

    if compat.is_numpy_array(x) or not compat.is_array_api_obj(x):
        return np.asarray(x)
    if compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if compat.is_cupy_array(x):
        return x.get()
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        import array_api_strict

        return np.asarray(compat.to_device(x, array_api_strict.Device("CPU_DEVICE")))
    return np.asarray(x)


def assert_on_backend(tree: Any, xp: Namespace[Any], device: Device | None = None) -> None:
    """Assert that every array leaf of ``tree`` is of namespace ``xp`` and on ``device``."""
    expected = namespace_name(xp)

    def check(path: tuple[Any, ...], leaf: Any) -> None:
        if not compat.is_array_api_obj(leaf):
            return
        got = namespace_name(compat.array_namespace(leaf))
        where = format_path(path, "tree")
        assert got == expected, f"{where}: expected a {expected} array, got {got}"
        if device is not None:
            actual = compat.device(leaf)
            assert device_name(actual) == device_name(device), (
                f"{where}: expected device {device_name(device)}, got {device_name(actual)}"
            )

    tree_map_with_path(check, tree)


def assert_trees_close(
    actual: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-6, exact_dtype: bool = True
) -> None:
    """Assert that two trees have the same structure and close values, on any backends."""
    import numpy as np

    actual_leaves, expected_leaves = tree_leaves(actual), tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), "trees differ in structure"
    for index, (a, e) in enumerate(zip(actual_leaves, expected_leaves, strict=True)):
        if compat.is_array_api_obj(a) or compat.is_array_api_obj(e):
            ha, he = to_host(a), to_host(e)
            assert ha.shape == he.shape, f"leaf {index}: shape {ha.shape} != {he.shape}"
            if exact_dtype:
                assert ha.dtype == he.dtype, f"leaf {index}: dtype {ha.dtype} != {he.dtype}"
            np.testing.assert_allclose(ha, he, rtol=rtol, atol=atol, err_msg=f"leaf {index}")
        else:
            assert a == e, f"leaf {index}: {a!r} != {e!r}"


@contextlib.contextmanager
def no_host_sync(backend: Backend) -> Generator[None]:
    """Fail on any device-to-host synchronisation inside the block (GPU members only).

    PyTorch runs under ``torch.cuda.set_sync_debug_mode("error")`` and JAX under
    ``jax.transfer_guard_device_to_host("disallow")``; other members run unguarded.
    """
    if backend is Backend.TORCH_CUDA:
        import torch

        previous = torch.cuda.get_sync_debug_mode()
        torch.cuda.set_sync_debug_mode("error")
        try:
            yield
        finally:
            torch.cuda.set_sync_debug_mode(previous)
    elif backend is Backend.JAX_CUDA:
        import jax

        with jax.transfer_guard_device_to_host("disallow"):
            yield
    else:
        yield
