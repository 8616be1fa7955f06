"""Resolve an array namespace and a device once, and name them so that wrappers pickle.

A namespace may be given as an ``xp`` object (``array_api_compat.numpy``), a backend module
(``numpy``, ``torch``, ``jax.numpy``, ``cupy``, ``array_api_strict``), one of the names in
:data:`BACKEND_NAMES`, or an array of that backend. Backend identity is always decided by
array-api-compat's ``is_*_namespace`` functions, never by comparing module names.

Nothing here imports torch, jax or cupy unless a namespace of that backend is asked for by name.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar

import array_api_compat as compat

from array_env.typing import Device, Namespace

__all__ = [
    "BACKEND_NAMES",
    "PicklableNamespaces",
    "available_devices",
    "backend_available",
    "device_name",
    "namespace_name",
    "namespace_of",
    "resolve_device",
    "resolve_namespace",
]

BACKEND_NAMES: tuple[str, ...] = ("numpy", "torch", "jax", "cupy", "array_api_strict")
"""The backends array_env knows by name, in the order they are reported."""

# name -> (module to import for the namespace, predicate that identifies it)
_NAMESPACE_MODULES: dict[str, str] = {
    "numpy": "array_api_compat.numpy",
    "torch": "array_api_compat.torch",
    "jax": "jax.numpy",
    "cupy": "array_api_compat.cupy",
    "array_api_strict": "array_api_strict",
}
_IDENTIFIERS: dict[str, Callable[[Any], bool]] = {
    "numpy": compat.is_numpy_namespace,
    "torch": compat.is_torch_namespace,
    "jax": compat.is_jax_namespace,
    "cupy": compat.is_cupy_namespace,
    "array_api_strict": compat.is_array_api_strict_namespace,
}
# Modules that users pass directly, which are not themselves array API namespaces.
_RAW_MODULES: dict[str, str] = {
    "numpy": "numpy",
    "torch": "torch",
    "jax": "jax",
    "cupy": "cupy",
}


def namespace_name(xp: Any) -> str:
    """Return the backend name of a namespace.

    Args:
        xp: A namespace object or backend module.

    Returns:
        One of :data:`BACKEND_NAMES`.

    Raises:
        TypeError: If ``xp`` is not a namespace of a known backend.

    Examples:
        >>> import array_api_strict
        >>> namespace_name(array_api_strict)
        'array_api_strict'
    """
    for name, is_namespace in _IDENTIFIERS.items():
        if is_namespace(xp):
            return name
    if isinstance(xp, ModuleType):
        for name, module_name in _RAW_MODULES.items():
            if xp.__name__ == module_name and module_name in sys.modules:
                return name
    raise TypeError(f"expected an array namespace of one of {', '.join(BACKEND_NAMES)}, got {xp!r}")


@functools.cache
def _namespace_by_name(name: str) -> Namespace[Any]:
    if name not in _NAMESPACE_MODULES:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKEND_NAMES)}")
    try:
        # A module satisfies ``Namespace`` structurally; ``import_module`` says only ModuleType.
        module: Any = importlib.import_module(_NAMESPACE_MODULES[name])
    except ImportError as e:
        raise ImportError(
            f"backend {name!r} is not installed: install it with `pip install array-env[{name}]`"
        ) from e
    namespace: Namespace[Any] = module
    return namespace


def resolve_namespace(spec: Any) -> Namespace[Any]:
    """Return the array API namespace that ``spec`` names.

    Args:
        spec: A backend name (``"torch"``), a backend module (``torch``, ``jax.numpy``), a
            compatible namespace (``array_api_compat.torch``) or an array of the backend.

    Returns:
        The array-api-compat namespace of that backend (``jax.numpy`` and ``array_api_strict``
        are their own namespaces).

    Raises:
        ValueError: If a name is not one of :data:`BACKEND_NAMES`.
        ImportError: If the backend is not installed.
        TypeError: If ``spec`` is neither a name, a namespace nor an array.

    Examples:
        >>> resolve_namespace("numpy").__name__
        'array_api_compat.numpy'
        >>> import numpy as np
        >>> resolve_namespace(np) is resolve_namespace(np.zeros(2))
        True
    """
    if isinstance(spec, str):
        return _namespace_by_name(spec)
    if isinstance(spec, ModuleType):
        return _namespace_by_name(namespace_name(spec))
    if compat.is_array_api_obj(spec):
        return _namespace_by_name(namespace_name(compat.array_namespace(spec)))
    raise TypeError(
        f"expected a backend name, namespace, module or array, got {type(spec).__name__}"
    )


_NAMESPACE_OF_TYPE: dict[type, Namespace[Any]] = {}


def namespace_of(x: Any) -> Namespace[Any]:
    """Return the resolved namespace of an array, cached per array type.

    This is the cheap form of ``array_namespace`` for the rare places that must look at an
    incoming array (input checks, conversion): a dict lookup instead of a microsecond of type
    tests.

    Examples:
        >>> import numpy as np
        >>> namespace_of(np.zeros(1)).__name__
        'array_api_compat.numpy'
    """
    try:
        return _NAMESPACE_OF_TYPE[type(x)]
    except KeyError:
        xp = _NAMESPACE_OF_TYPE[type(x)] = resolve_namespace(compat.array_namespace(x))
        return xp


def backend_available(name: str) -> bool:
    """Return whether the backend ``name`` can be imported here, without importing it.

    Examples:
        >>> backend_available("numpy")
        True
    """
    if name not in _NAMESPACE_MODULES:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKEND_NAMES)}")
    top = _RAW_MODULES.get(name, name)
    if top in sys.modules:
        return True
    return importlib.util.find_spec(top) is not None


def available_devices(xp: Namespace[Any]) -> list[Device]:
    """List the devices of a namespace's backend that exist on this machine.

    Examples:
        >>> available_devices(resolve_namespace("numpy"))
        ['cpu']
    """
    name = namespace_name(xp)
    if name == "numpy":
        return ["cpu"]
    if name == "array_api_strict":
        return list(xp.__array_namespace_info__().devices())
    if name == "torch":
        import torch

        devices = [torch.device("cpu")]
        if torch.cuda.is_available():
            devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
        return devices
    if name == "jax":
        import jax

        jax_devices: list[Device] = []
        for platform in ("cpu", "gpu"):
            try:
                # jax's stub names a jaxlib type pyright cannot see, so `devices` is partly unknown.
                jax_devices += jax.devices(platform)  # pyright: ignore[reportUnknownMemberType]
            except RuntimeError:  # that platform is not initialised here
                continue
        return jax_devices
    import cupy

    return [cupy.cuda.Device(i) for i in range(cupy.cuda.runtime.getDeviceCount())]


def device_name(device: Device) -> str:
    """Spell a device as a portable string that :func:`resolve_device` reads back.

    Examples:
        >>> import array_api_strict as xps
        >>> device_name(xps.Device("device1"))
        'device1'
        >>> device_name("cpu")
        'cpu'
    """
    if isinstance(device, str):
        return device
    module = type(device).__module__
    if module.startswith("array_api_strict"):
        return str(device._device)
    if module.startswith("torch"):
        return str(device)
    if module.startswith(("jax", "jaxlib")):
        platform = "cuda" if device.platform == "gpu" else device.platform
        return f"{platform}:{device.id}"
    if module.startswith("cupy"):
        return f"cuda:{device.id}"
    raise TypeError(f"unrecognised device object {device!r} of type {type(device).__name__}")


def _split_index(spec: str) -> tuple[str, int]:
    kind, _, index = spec.partition(":")
    return kind, int(index) if index else 0


def resolve_device(xp: Namespace[Any], device: Device | str | None) -> Device:
    """Return the backend's own device object for ``device``.

    Args:
        xp: The namespace whose device is meant.
        device: A device object of that backend, a name such as ``"cpu"``, ``"cuda:0"`` or
            array-api-strict's ``"device1"``, or ``None`` for the backend's default device.

    Returns:
        A device object accepted by ``xp.asarray(..., device=...)``.

    Raises:
        ValueError: If the device does not exist here; the message lists those that do.

    Examples:
        >>> import array_api_strict as xps
        >>> resolve_device(xps, "device1")
        array_api_strict.Device('device1')
        >>> resolve_device(resolve_namespace("numpy"), "cuda:0")
        Traceback (most recent call last):
        ...
        ValueError: device 'cuda:0' is not available for numpy; available: cpu
    """
    name = namespace_name(xp)
    existing = available_devices(xp)
    if device is None:
        if name == "numpy":
            return "cpu"
        if name == "jax":
            import jax

            return jax.devices()[0]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        info = xp.__array_namespace_info__()
        return info.default_device()
    if not isinstance(device, str):
        if name == "numpy" or any(device == d for d in existing):
            return device
        spec = device_name(device)
    else:
        spec = device
    found = _match_device(name, spec, existing)
    if found is None:
        listed = ", ".join(device_name(d) for d in existing)
        raise ValueError(f"device {spec!r} is not available for {name}; available: {listed}")
    return found


def _match_device(name: str, spec: str, existing: list[Device]) -> Device | None:
    if name == "array_api_strict":
        spec = "CPU_DEVICE" if spec == "cpu" else spec
        return next((d for d in existing if device_name(d) == spec), None)
    kind, index = _split_index(spec)
    kind = "cuda" if kind == "gpu" else kind
    for candidate in existing:
        ckind, cindex = _split_index(device_name(candidate))
        if ckind == kind and cindex == index:
            return candidate
    return None


class PicklableNamespaces:
    """Mixin that pickles and deep-copies namespace and device attributes by name.

    Modules and some device objects (jax's) cannot be pickled, yet wrappers must cross process
    boundaries. A class lists its namespace attributes in ``_namespace_fields`` and its device
    attributes in ``_device_fields``; they travel as names and are resolved again on load.
    """

    _namespace_fields: ClassVar[tuple[str, ...]] = ()
    _device_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    """Pairs ``(device attribute, namespace attribute it belongs to)``."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for field in self._namespace_fields:
            if state.get(field) is not None:
                state[field] = namespace_name(state[field])
        for field, _ in self._device_fields:
            if state.get(field) is not None:
                state[field] = device_name(state[field])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for field in self._namespace_fields:
            if state.get(field) is not None:
                state[field] = resolve_namespace(state[field])
        for field, xp_field in self._device_fields:
            if state.get(field) is not None and state.get(xp_field) is not None:
                state[field] = resolve_device(state[xp_field], state[field])
        self.__dict__.update(state)
