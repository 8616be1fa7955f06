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

    Costs one attribute read for arrays that have no ``requires_grad``.

    Example:
        >>> import torch
        >>> y = stop_gradient(torch.ones(2, requires_grad=True) * 2)
        >>> y.requires_grad, y.tolist()
        (False, [2.0, 2.0])
    """
    value: Any = x
    if getattr(value, "requires_grad", False):
        detached: T = value.detach()
        return detached
    return x
