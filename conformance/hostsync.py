"""Host reads during ``step`` and ``reset``: rejected on CPU torch, and on GPUs by their guards.

On a GPU, ``torch.cuda.set_sync_debug_mode("error")`` and ``jax.transfer_guard_device_to_host(
"disallow")`` catch a device-to-host synchronisation. Most runs have no GPU, so on CPU torch a
:class:`torch.overrides.TorchFunctionMode` rejects the calls that read a tensor's values back to
Python (``item``, ``__bool__``, ``__float__``, ``__int__``, ``__index__``, ``__array__``,
``tolist``, ``numpy``, ``nonzero``): the host read then fails in CI, not first on a GPU. It cannot
see boolean-mask indexing. The suite's base environments read actions on the host on purpose;
they run inside :func:`host_reads_allowed`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Generator
from typing import Any

from array_env.testing import Backend

__all__ = ["HostReadError", "host_reads_allowed", "no_host_reads"]

_ALLOWED = contextvars.ContextVar("conformance_host_reads_allowed", default=False)
_READS = ("item", "__bool__", "__float__", "__int__", "__index__", "__array__", "tolist",
          "numpy", "nonzero", "argwhere")  # fmt: skip


class HostReadError(RuntimeError):
    """A wrapper read device values back to the host inside ``step`` or ``reset``."""


_RELAX: contextvars.ContextVar[Any] = contextvars.ContextVar("conformance_relax", default=None)


@contextlib.contextmanager
def host_reads_allowed() -> Generator[None]:
    """Allow host reads inside the block (the suite's base environments use it)."""
    token = _ALLOWED.set(True)
    relax = _RELAX.get()
    try:
        with relax() if relax is not None else contextlib.nullcontext():
            yield
    finally:
        _ALLOWED.reset(token)


@contextlib.contextmanager
def _torch_sync_allowed() -> Generator[None]:
    import torch

    torch.cuda.set_sync_debug_mode(0)
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode("error")


def _jax_transfers_allowed() -> Any:
    import jax

    return jax.transfer_guard_device_to_host("allow")


def _torch_guard() -> Any:
    import torch
    from torch.overrides import TorchFunctionMode

    class RejectHostReads(TorchFunctionMode):
        def __torch_function__(
            self,
            func: Any,
            types: Any,
            args: tuple[Any, ...] = (),
            kwargs: dict[str, Any] | None = None,
        ) -> Any:
            name = getattr(func, "__name__", "")
            if name in _READS and not _ALLOWED.get():
                raise HostReadError(f"host read torch.Tensor.{name} during step/reset")
            return func(*args, **(kwargs or {}))

    del torch
    return RejectHostReads()


@contextlib.contextmanager
def no_host_reads(backend: Backend) -> Generator[None]:
    """Fail on any host read inside the block, on backends that can detect one.

    Raises:
        LookupError: On a backend with no way to detect host reads (the property then skips).
    """
    if backend is Backend.TORCH:
        with _torch_guard():
            yield
    elif backend is Backend.TORCH_CUDA:
        import torch

        previous = torch.cuda.get_sync_debug_mode()
        torch.cuda.set_sync_debug_mode("error")
        token = _RELAX.set(_torch_sync_allowed)
        try:
            with _torch_guard():
                yield
        finally:
            _RELAX.reset(token)
            torch.cuda.set_sync_debug_mode(previous)
    elif backend is Backend.JAX_CUDA:
        import jax

        token = _RELAX.set(_jax_transfers_allowed)
        try:
            with jax.transfer_guard_device_to_host("disallow"):
                yield
        finally:
            _RELAX.reset(token)
    else:
        raise LookupError(f"no host-read detector for {backend.label}")
