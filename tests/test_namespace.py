import copy
import pickle
import subprocess
import sys
from typing import Any

import array_api_compat
import array_api_strict
import numpy as np
import pytest

from array_env import (
    available_devices,
    backend_available,
    device_name,
    namespace_name,
    resolve_device,
    resolve_namespace,
)
from array_env._namespace import PicklableNamespaces, namespace_of
from array_env.testing import Backend


def test_names_modules_and_arrays_resolve_to_one_namespace() -> None:
    by_name = resolve_namespace("numpy")
    assert by_name is resolve_namespace(np)
    assert by_name is resolve_namespace(np.zeros(2))
    assert by_name is resolve_namespace(array_api_compat.array_namespace(np.zeros(2)))
    assert resolve_namespace("array_api_strict") is array_api_strict


def test_backend_identity_comes_from_array_api_compat(backend: Backend) -> None:
    xp = backend.xp
    assert namespace_name(xp) == backend.namespace_name
    x = backend.asarray([1.0, 2.0])
    assert namespace_of(x) is xp
    assert resolve_namespace(x) is xp


def test_unknown_names_and_objects_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'"):
        resolve_namespace("tensorflow")
    with pytest.raises(TypeError, match="expected a backend name"):
        resolve_namespace(3.5)
    with pytest.raises(TypeError, match="expected an array namespace"):
        namespace_name(pytest)
    with pytest.raises(ValueError, match="unknown backend"):
        backend_available("tensorflow")


def test_device_strings_resolve_to_device_objects(backend: Backend) -> None:
    device = backend.device
    assert resolve_device(backend.xp, device_name(device)) == device
    assert resolve_device(backend.xp, device) == device
    assert any(device_name(d) == device_name(device) for d in available_devices(backend.xp))


def test_missing_device_lists_the_devices_that_exist() -> None:
    with pytest.raises(
        ValueError,
        match=r"device 'device9' is not available for array_api_strict; "
        r"available: CPU_DEVICE, device1",
    ):
        resolve_device(array_api_strict, "device9")
    with pytest.raises(ValueError, match="available: cpu"):
        resolve_device(resolve_namespace("numpy"), "cuda:0")


def test_default_device_is_the_backends_default() -> None:
    assert resolve_device(array_api_strict, None) == array_api_strict.Device("CPU_DEVICE")
    assert resolve_device(array_api_strict, "cpu") == array_api_strict.Device("CPU_DEVICE")


class _Holder(PicklableNamespaces):
    _namespace_fields = ("xp",)
    _device_fields = (("device", "xp"),)

    def __init__(self, xp: Any, device: Any) -> None:
        self.xp = xp
        self.device = device
        self.payload = [1, 2]


def test_namespaces_and_devices_survive_pickle_and_deepcopy(backend: Backend) -> None:
    holder = _Holder(backend.xp, backend.device)
    for clone in (pickle.loads(pickle.dumps(holder)), copy.deepcopy(holder)):
        assert clone.xp is backend.xp
        assert device_name(clone.device) == device_name(backend.device)
        assert clone.payload == [1, 2]


def test_importing_the_package_imports_no_accelerator_backend() -> None:
    code = (
        "import sys, array_env, array_env.testing, array_env.convert, array_env.core;"
        "array_env.to_namespace({'a': __import__('numpy').zeros(2)}, 'array_api_strict');"
        "bad = sorted(m for m in ('torch', 'jax', 'cupy') if m in sys.modules);"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fast_numpy_namespace_keeps_the_standards_functions() -> None:
    # the NumPy namespace handed to cores replaces reshape, astype and round with leaner calls:
    # the same results, dtypes and signed zeros as NumPy's own
    from array_env._ops.fast_namespace import fast_namespace

    fast: Any = fast_namespace(resolve_namespace("numpy"))
    halves = np.asarray([-2.5, -1.5, -0.5, -0.0, 0.5, 1.5, 2.5, 1e30], dtype=np.float32)
    for x in (halves, halves.astype(np.float64), np.arange(-3, 4), np.asarray([True, False])):
        got, expected = fast.round(x), np.round(x)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    assert fast.reshape(np.arange(6), (2, 3)).shape == (2, 3)
    assert fast.astype(np.arange(3), np.float32).dtype == np.float32
