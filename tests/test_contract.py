"""ArrayContract: ``matches`` accepts exactly the arrays ``check`` accepts, on every backend."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from array_env._checks import ArrayMismatchError
from array_env.testing import Backend
from array_env.wrappers._contract import ArrayContract, contract_for


def _contract(backend: Backend, **fields: Any) -> tuple[ArrayContract, Any]:
    first = backend.asarray([1.0, 2.0, 3.0], "float32")
    contract = contract_for(first, owner="Owner", name="x")
    return contract._replace(**{"dtype": first.dtype, "shape": (3,), **fields}), first


def _others(backend: Backend) -> list[tuple[str, Any]]:
    """Arrays that differ from the contract's in one respect each."""
    others: list[tuple[str, Any]] = [
        ("dtype", backend.asarray([1, 2, 3], "int32")),
        ("shape", backend.asarray([1.0, 2.0], "float32")),
        ("rank", backend.asarray([[1.0, 2.0, 3.0]], "float32")),
        ("type", [1.0, 2.0, 3.0]),
        ("NumPy scalar", np.float32(1.0)),
    ]
    if backend is not Backend.NUMPY and backend is not Backend.NUMPY_READONLY:
        others.append(("namespace", np.ones(3, np.float32)))
    if backend is Backend.ARRAY_API_STRICT:
        others.append(
            ("device", Backend.ARRAY_API_STRICT_DEVICE1.asarray([1.0, 2.0, 3.0], "float32"))
        )
    if backend is Backend.ARRAY_API_STRICT_DEVICE1:
        others.append(("device", Backend.ARRAY_API_STRICT.asarray([1.0, 2.0, 3.0], "float32")))
    return others


def test_matches_the_arrays_it_was_fixed_on(backend: Backend) -> None:
    contract, first = _contract(backend)
    assert contract.matches(first)
    assert contract.matches(backend.asarray([4.0, 5.0, 6.0], "float32"))
    contract.check(first, owner="Owner", name="x")


def test_any_dtype_and_shape_when_unset(backend: Backend) -> None:
    contract, _ = _contract(backend, dtype=None, shape=None)
    assert contract.matches(backend.asarray([[1, 2]], "int32"))


def test_rejects_each_difference_and_check_raises(backend: Backend) -> None:
    contract, _ = _contract(backend)
    for what, other in _others(backend):
        assert not contract.matches(other), what
        with pytest.raises(ArrayMismatchError, match="Owner: x"):
            contract.check(other, owner="Owner", name="x")


def test_numpy_contract_on_another_device_matches_nothing() -> None:
    # matches skips the NumPy array's device property (always "cpu"), not the comparison
    contract, first = _contract(Backend.NUMPY, device="elsewhere")
    assert not contract.matches(first)


def test_pickled_contract_still_matches(backend: Backend) -> None:
    contract, first = _contract(backend)
    copy: ArrayContract = pickle.loads(pickle.dumps(contract))
    assert copy.matches(first)
    assert not copy.matches(backend.asarray([1.0, 2.0], "float32"))
