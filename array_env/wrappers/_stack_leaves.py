"""What FrameStackObservation stacks: the leaves of an observation space, and their padding.

Gymnasium stacks every space: Box, Discrete, MultiDiscrete and MultiBinary values are arrays
(stacked on a new leading axis), Dict and Tuple are stacked leaf by leaf, and the spaces whose
values are not arrays (Text, Graph, Sequence, OneOf, custom spaces) come back as a tuple of the
last ``stack_size`` values. This module splits a space into those leaves once, at construction,
validates ``stack_size`` and ``padding_type`` with Gymnasium's rules and wording, and rebuilds a
stacked observation from its stacked leaves in Gymnasium's layout (a ``dict`` for Dict, a
``tuple`` for Tuple).
"""

from __future__ import annotations

from functools import reduce
from operator import getitem
from typing import Any, NamedTuple

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.wrappers.utils import create_zero_array

__all__ = ["StackLeaf", "assemble", "frame_stack_settings", "leaf_values", "space_dtype"]

ARRAY_SPACES = (
    gym.spaces.Box,
    gym.spaces.Discrete,
    gym.spaces.MultiDiscrete,
    gym.spaces.MultiBinary,
)
"""Spaces whose values are arrays: stacked into one array per leaf."""


class StackLeaf(NamedTuple):
    """One stacked leaf of an observation space.

    Attributes:
        path: The keys and indices from the observation's root to the leaf (``()`` for a
            space that is itself a leaf).
        space: The leaf's space.
        is_array: Whether its values are arrays (stacked in a ring buffer) or other objects
            (kept in a queue and returned as a tuple, as Gymnasium does).
        padding: The host padding value, or ``None`` when padding with the reset value.
    """

    path: tuple[Any, ...]
    space: gym.Space[Any]
    is_array: bool
    padding: Any


def _children(space: gym.Space[Any]) -> list[tuple[Any, gym.Space[Any]]] | None:
    """``(key, subspace)`` of a Dict or Tuple space, in order; ``None`` for any other space."""
    # gymnasium types Dict.spaces and Tuple.spaces with bare Space: read them through Any.
    node: Any = space
    if isinstance(space, gym.spaces.Dict):
        return list(node.spaces.items())
    if isinstance(space, gym.spaces.Tuple):
        subspaces: tuple[gym.Space[Any], ...] = node.spaces
        return list(enumerate(subspaces))
    return None


def _leaf_spaces(
    space: gym.Space[Any], path: tuple[Any, ...] = ()
) -> list[tuple[tuple[Any, ...], gym.Space[Any]]]:
    children = _children(space)
    if children is None:
        return [(path, space)]
    return [leaf for key, sub in children for leaf in _leaf_spaces(sub, (*path, key))]


def leaf_values(leaves: list[StackLeaf], tree: Any) -> list[Any]:
    """The value of each leaf in ``tree`` (an observation of the space), in leaf order."""
    return [reduce(getitem, leaf.path, tree) for leaf in leaves]


def assemble(space: gym.Space[Any], values: list[Any]) -> Any:
    """Rebuild an observation of ``space`` from its leaves' values, in Gymnasium's layout."""
    it = iter(values)

    def build(sub: gym.Space[Any]) -> Any:
        children = _children(sub)
        if children is None:
            return next(it)
        if isinstance(sub, gym.spaces.Dict):
            return {key: build(child) for key, child in children}
        return tuple(build(child) for _, child in children)

    return build(space)


def frame_stack_settings(
    owner: str, space: gym.Space[Any], stack_size: object, padding_type: Any
) -> tuple[str, list[StackLeaf]]:
    """Validate FrameStackObservation's arguments; return the padding kind and the leaves.

    The padding kind is ``"reset"``, ``"zero"`` or ``"_custom"`` (Gymnasium's names). A custom
    padding is any value ``space`` contains (a list for a Box, as Gymnasium accepts), of any
    namespace; array leaves get it as a host (NumPy) array of the leaf's dtype.

    Raises:
        TypeError: If ``stack_size`` is not an integer (Python or NumPy).
        ValueError: If ``stack_size < 1`` or ``padding_type`` is neither ``"reset"``,
            ``"zero"`` nor a value inside ``space``.
    """
    if not np.issubdtype(type(stack_size), np.integer):
        raise TypeError(
            f"{owner}: The stack_size is expected to be an integer, actual type: {type(stack_size)}"
        )
    if not int(stack_size) > 0:  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # an integer, checked above
        raise ValueError(
            f"{owner}: The stack_size needs to be greater than zero, actual value: {stack_size}"
        )
    pairs = _leaf_spaces(space)
    if isinstance(padding_type, str) and padding_type in ("reset", "zero"):
        kind = padding_type
        values: list[Any] = [
            None if kind == "reset" else create_zero_array(sub) for _, sub in pairs
        ]
    else:
        host = _to_host(padding_type)
        if host not in space:  # a string too: a Text space contains it
            where = (
                ""
                if isinstance(padding_type, str)
                else f" not an instance of env observation ({space})"
            )
            raise ValueError(
                f"{owner}: Unexpected `padding_type`, expected 'reset', 'zero' or a custom "
                f"observation space, actual value: {padding_type!r}{where}"
            )
        kind = "_custom"
        values = [reduce(getitem, path, host) for path, _ in pairs]
    leaves: list[StackLeaf] = []
    for (path, sub), value in zip(pairs, values, strict=True):
        is_array = _is_array_space(sub)
        if is_array and value is not None:
            value = np.asarray(value, dtype=space_dtype(sub))
        leaves.append(StackLeaf(path, sub, is_array, value))
    return kind, leaves


def space_dtype(space: gym.Space[Any]) -> Any:
    """The NumPy dtype of an array space's values (gymnasium types it loosely)."""
    dtype: Any = space.dtype
    return dtype


def _is_array_space(space: gym.Space[Any]) -> bool:
    return isinstance(space, ARRAY_SPACES)


def _to_host(value: Any) -> Any:
    """``value`` with its non-NumPy arrays moved to the host, for the space's ``contains``.

    NumPy arrays and scalars are kept as they are (a OneOf index must stay a NumPy integer).
    """
    from array_env._tree import tree_map
    from array_env.convert import to_namespace

    def leaf(x: Any) -> Any:
        foreign = compat.is_array_api_obj(x) and not compat.is_numpy_array(x)
        return to_namespace(x, "numpy") if foreign else x

    return tree_map(leaf, value)
