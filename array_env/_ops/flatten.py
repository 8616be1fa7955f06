"""Flatten a tree observation into one vector, as ``gymnasium.spaces.utils.flatten`` does.

The plan (:func:`flatten_plan`) is host metadata read once from the space: one entry per leaf,
in Gymnasium's order (a ``Dict``'s keys as the space orders them, a ``Tuple``'s elements in
order). :func:`flatten_leaves` is the jit-safe core: a ``Box`` or ``MultiBinary`` leaf is
reshaped, a ``Discrete`` leaf becomes a one-hot row, a ``MultiDiscrete`` leaf the concatenation
of one one-hot row per element (comparisons with precomputed ``arange`` vectors: no scatter, no
data-dependent shape); the parts are cast to the flat dtype and concatenated. A leading batch
axis is kept when ``batch_ndim`` is 1.

Spaces whose values are not arrays (Text, Graph, Sequence, OneOf) have no plan: the wrappers
hand them to Gymnasium's own ``flatten`` on the host, exactly as Gymnasium does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from gymnasium import spaces
from gymnasium.spaces.utils import flatten as _flatten
from gymnasium.spaces.utils import (
    flatten_space as _flatten_space,  # pyright: ignore[reportUnknownVariableType]
)

from array_env._ops.upload import host_to_device
from array_env.typing import Device, Namespace

__all__ = [
    "FlatLeaf",
    "gym_flatten",
    "gym_flatten_space",
    "single_space",
    "is_space",
    "device_constant",
    "device_dtype",
    "flatten_leaves",
    "flatten_plan",
    "flattener",
    "leaf_at",
    "leaf_constants",
]

_NARROW = {"float64": "float32", "int64": "int32", "uint64": "uint32", "complex128": "complex64"}


class FlatLeaf(NamedTuple):
    """One leaf of a flattening plan.

    Attributes:
        path: The keys and indices from the root observation to the leaf.
        kind: ``"array"`` (Box, MultiBinary), ``"discrete"`` or ``"multi_discrete"``.
        space: The leaf's space (host metadata).
        size: The leaf's length in the flat vector.
    """

    path: tuple[Any, ...]
    kind: str
    space: Any
    size: int


def is_space(space: Any, kind: Any) -> bool:
    """``isinstance`` without narrowing, so that ``space`` stays ``Any``.

    Gymnasium's spaces are partly unknown to pyright once narrowed (``Box[Unknown]``).
    """
    return isinstance(space, kind)


def gym_flatten(space: Any, x: Any) -> Any:
    """Gymnasium's own ``flatten`` (host values; typed ``Any``)."""
    return _flatten(space, x)


def gym_flatten_space(space: Any) -> Any:
    """Gymnasium's own ``flatten_space`` (typed ``Any``)."""
    return _flatten_space(space)  # pyright: ignore[reportUnknownVariableType]


def single_space(env: Any) -> Any:
    """A vector env's ``single_observation_space`` (Gymnasium types it ``Space[Unknown]``)."""
    return env.single_observation_space


def flatten_plan(space: Any, path: tuple[Any, ...] = ()) -> tuple[FlatLeaf, ...] | None:
    """Return the leaves of ``space`` in Gymnasium's flattening order.

    ``None`` when some leaf is not an array space (Text, Graph, Sequence, OneOf).

    Examples:
        >>> import numpy as np
        >>> from gymnasium import spaces
        >>> plan = flatten_plan(spaces.Dict(a=spaces.Discrete(3), b=spaces.Box(0, 1, (2,))))
        >>> [(leaf.path, leaf.kind, leaf.size) for leaf in plan]
        [(('a',), 'discrete', 3), (('b',), 'array', 2)]
    """
    if is_space(space, spaces.Box | spaces.MultiBinary):
        size: Any = np.prod(space.shape)  # pyright: ignore[reportUnknownVariableType]
        return (FlatLeaf(path, "array", space, int(size)),)  # pyright: ignore[reportUnknownArgumentType]
    if is_space(space, spaces.Discrete):
        return (FlatLeaf(path, "discrete", space, int(space.n)),)
    if is_space(space, spaces.MultiDiscrete):
        return (FlatLeaf(path, "multi_discrete", space, int(np.sum(space.nvec))),)
    if is_space(space, spaces.Dict | spaces.Tuple):
        children = space.spaces.items() if is_space(space, spaces.Dict) else enumerate(space.spaces)
        leaves: list[FlatLeaf] = []
        for key, child in children:
            sub = flatten_plan(child, (*path, key))
            if sub is None:
                return None
            leaves.extend(sub)
        return tuple(leaves)
    return None


def leaf_at(tree: Any, path: tuple[Any, ...]) -> Any:
    """Return the node of ``tree`` at ``path``."""
    for key in path:
        tree = tree[key]
    return tree


def device_dtype(host_dtype: Any, *, xp: Namespace[Any], device: Device) -> Any:
    """``xp``'s dtype for a NumPy dtype, narrowed to 32 bits where ``device`` lacks 64."""
    from array_env.wrappers._contract import space_dtype

    name = np.dtype(host_dtype).name
    if name not in xp.__array_namespace_info__().dtypes(device=device):
        name = _NARROW.get(name, name)
    return space_dtype(np.dtype(name), xp=xp, device=device)


def device_constant(host: Any, *, xp: Namespace[Any], device: Device) -> Any:
    """Upload a host constant once, narrowed to 32 bits where ``device`` lacks 64-bit types."""
    array = np.asarray(host)
    name = array.dtype.name
    if name not in xp.__array_namespace_info__().dtypes(device=device):
        array = array.astype(_NARROW.get(name, name))
    return host_to_device(np.array(array, order="C"), xp=xp, device=device)


def leaf_constants(
    plan: tuple[FlatLeaf, ...], *, xp: Namespace[Any], device: Device
) -> tuple[Any, ...]:
    """Per leaf, the device constants :func:`flatten_leaves` needs (``None`` for array leaves).

    A Discrete leaf gets ``arange(n) + start``; a MultiDiscrete leaf a pair: each flat slot's
    element index and its value (the ``start`` plus the slot's offset inside its one-hot row).
    """
    out: list[Any] = []
    for leaf in plan:
        space: Any = leaf.space
        nvec: Any
        if leaf.kind == "discrete":
            values = np.arange(int(space.n), dtype=np.int64) + int(space.start)
            out.append(device_constant(values, xp=xp, device=device))
        elif leaf.kind == "multi_discrete":
            nvec = np.ravel(space.nvec)
            start = np.ravel(space.start)
            element = np.repeat(np.arange(nvec.size), nvec)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
            value = np.concatenate([np.arange(n) for n in nvec]) + np.repeat(start, nvec)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
            out.append(
                (
                    device_constant(element, xp=xp, device=device),
                    device_constant(value.astype(np.int64), xp=xp, device=device),
                )
            )
        else:
            out.append(None)
    return tuple(out)


def flatten_leaves(
    leaves: list[Any] | tuple[Any, ...],
    plan: tuple[FlatLeaf, ...],
    constants: tuple[Any, ...],
    *,
    dtype: Any,
    batch_ndim: int,
    xp: Namespace[Any],
) -> Any:
    """Flatten the leaves (in plan order) into one ``(*batch, n)`` array of ``dtype``.

    Args:
        leaves: One array per plan entry, each with ``batch_ndim`` leading batch axes.
        plan: From :func:`flatten_plan`.
        constants: From :func:`leaf_constants`, on the leaves' device.
        dtype: The flat dtype (``flatten_space(space).dtype`` in ``xp``).
        batch_ndim: 0 for one observation, 1 for a batch.
        xp: The leaves' namespace.
    """
    return flattener(plan, constants, dtype=dtype, batch_ndim=batch_ndim, xp=xp)(leaves)


def flattener(
    plan: tuple[FlatLeaf, ...],
    constants: tuple[Any, ...],
    *,
    dtype: Any,
    batch_ndim: int,
    xp: Namespace[Any],
) -> Callable[[Sequence[Any]], Any]:
    """:func:`flatten_leaves` with its settings bound: a function of the leaves alone.

    One observation of array leaves only (Box, MultiBinary) is flattened by one ``concat``
    with ``axis=None`` (the standard's row-major flattening of each part), each part cast first
    where its dtype is not the flat one; everything else takes the general path.
    """
    if batch_ndim == 0 and all(spec.kind == "array" for spec in plan):

        def flatten_arrays(leaves: Sequence[Any]) -> Any:
            return xp.concat(
                [x if x.dtype == dtype else xp.astype(x, dtype) for x in leaves], axis=None
            )

        return flatten_arrays
    return lambda leaves: _flatten_general(
        leaves, plan, constants, dtype=dtype, batch_ndim=batch_ndim, xp=xp
    )


def _flatten_general(
    leaves: Sequence[Any],
    plan: tuple[FlatLeaf, ...],
    constants: tuple[Any, ...],
    *,
    dtype: Any,
    batch_ndim: int,
    xp: Namespace[Any],
) -> Any:
    parts: list[Any] = []
    for array, spec, const in zip(leaves, plan, constants, strict=True):
        batch = tuple(array.shape[:batch_ndim])
        if spec.kind == "array":
            part = xp.reshape(array, (*batch, spec.size))
        elif spec.kind == "discrete":
            part = xp.expand_dims(array, axis=-1) == const
        else:
            element, slot_value = const
            flat = xp.reshape(array, (*batch, -1))
            part = xp.take(flat, element, axis=batch_ndim) == slot_value
        parts.append(xp.astype(part, dtype))
    if len(parts) == 1:
        return parts[0]
    return xp.concat(parts, axis=-1)
