"""Cut an array out of any autograd graph before a wrapper stores it (the one non-standard bit).

The array API has no notion of gradients; PyTorch tensors carry one. A wrapper that keeps a
tensor with ``requires_grad`` in its state (running statistics, a return, a frame ring) would
grow the caller's graph every step and make every later output require grad. JAX arrays carry
no graph (tracing is functional), NumPy and the others have none.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["stop_gradient"]

T = TypeVar("T")


def stop_gradient(x: T) -> T:
    """Return ``x`` without its autograd history (the same values, shared); others unchanged.

    Costs one set lookup for array types that have no ``requires_grad`` (once one was seen).

    Examples:
        >>> import torch
        >>> y = stop_gradient(torch.ones(2, requires_grad=True) * 2)
        >>> y.requires_grad, y.tolist()
        (False, [2.0, 2.0])
    """
    kind = type(x)
    if kind in _NO_AUTOGRAD:  # NumPy & co: one set lookup (a missed getattr costs ten)
        return x
    value: Any = x
    if getattr(value, "requires_grad", False):
        detached: T = value.detach()
        return detached
    if not hasattr(kind, "requires_grad"):  # not even on the class: no instance ever has it
        _NO_AUTOGRAD.add(kind)
    return x


_NO_AUTOGRAD: set[type] = set()
"""Array types seen without a class-level ``requires_grad``: they never carry a graph."""
