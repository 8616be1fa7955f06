"""Pick, once per wrapper, the cheapest namespace that still follows the Array API standard.

array-api-compat's NumPy namespace wraps many functions (``clip``, ``asarray``, ``astype``,
reductions) in Python shims that handle old NumPy versions and keyword spellings. On the tiny
arrays of a single environment that shim costs more than the arithmetic: ``clip`` 9.5 µs
against 2.4 µs, ``asarray`` 0.8 µs against 0.04 µs. NumPy 2.x implements the standard itself, so
a wrapper resolves :func:`fast_namespace` once and calls the plain ``numpy`` module on its step
path. Every other backend keeps the namespace it had: ``jax.numpy`` and ``array_api_strict`` are
their own standard namespaces, and PyTorch and CuPy need array-api-compat's adapters.
array-api-strict therefore keeps exercising the pure-standard code path in the tests.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

import array_api_compat as compat

from array_env.typing import Namespace

__all__ = ["fast_namespace", "lean_namespace"]

# Functions array_env's cores call whose NumPy 2.0 spelling was missing or different.
_NEEDED_NUMPY_NAMES = ("astype", "concat", "permute_dims", "pow", "__array_api_version__")


def fast_namespace(xp: Namespace[Any]) -> Namespace[Any]:
    """Return the backend's own module where it implements the standard, else ``xp``.

    Args:
        xp: A namespace from :func:`array_env.resolve_namespace`.

    Returns:
        The plain ``numpy`` module for NumPy >= 2.1 (which has every standard name the cores
        use); ``xp`` itself for every other backend.

    Example:
        >>> from array_env import resolve_namespace
        >>> fast_namespace(resolve_namespace("numpy")).__name__
        'numpy'
        >>> import array_api_strict as xps
        >>> fast_namespace(xps) is xps
        True
    """
    if not compat.is_numpy_namespace(xp):
        return xp
    numpy: Any = importlib.import_module("numpy")  # a module satisfies Namespace structurally
    if all(hasattr(numpy, name) for name in _NEEDED_NUMPY_NAMES):
        native: Namespace[Any] = numpy
        return native
    return xp


def _lean_reshape(x: Any, /, shape: tuple[int, ...], *, copy: bool | None = None) -> Any:
    return x.reshape(shape) if copy is None else x.reshape(shape, copy=copy)


def _lean_astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    return x.astype(dtype, copy=copy)


_lean_numpy: Any = None


def lean_namespace(xp: Namespace[Any]) -> Namespace[Any]:
    """:func:`fast_namespace`, with NumPy's ``reshape`` and ``astype`` as direct method calls.

    ``numpy.reshape`` and ``numpy.astype`` are Python functions around the array's methods
    (0.74 µs and 0.85 µs against 0.12 µs and 0.22 µs on a 3-element array): on a single env's
    step path that wrapper costs more than the work. The lean namespace is ``numpy`` with these
    two names replaced by thin standard-signature calls of the methods; every other name is
    NumPy's own. Other backends get :func:`fast_namespace`'s answer.

    Example:
        >>> import numpy as np
        >>> from array_env import resolve_namespace
        >>> lean = lean_namespace(resolve_namespace("numpy"))
        >>> lean.reshape(np.arange(4), (2, 2)).shape, lean.concat is np.concat
        ((2, 2), True)
        >>> import array_api_strict as xps
        >>> lean_namespace(xps) is xps
        True
    """
    global _lean_numpy
    fast = fast_namespace(xp)
    numpy = importlib.import_module("numpy")
    if fast is not numpy:  # pyright: ignore[reportUnnecessaryComparison]  # a module may be one
        return fast
    if _lean_numpy is None:
        lean = types.ModuleType("numpy", numpy.__doc__)
        members: dict[str, Any] = dict(vars(numpy))
        lean.__dict__.update(members, reshape=_lean_reshape, astype=_lean_astype)
        _lean_numpy = lean
    namespace: Namespace[Any] = _lean_numpy
    return namespace
