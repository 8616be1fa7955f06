"""Map a function over nested observations, keeping every container's type.

Containers are ``list``, ``tuple``, namedtuples and the mappings this module can rebuild:
``dict`` and its subclasses (``OrderedDict``, ``defaultdict`` keeps its factory, ``Counter``),
``ChainMap`` (rebuilt as one map holding the visible items) and ``MappingProxyType`` (a proxy of
a new dict). Any other ``Mapping`` is a leaf, because nothing says how to build one from pairs.
Leaves are handed to the function together with their path from the root, so errors can say
where they happened.
"""

from __future__ import annotations

import copy
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

__all__ = [
    "Path",
    "format_path",
    "is_container",
    "is_rebuildable_mapping",
    "rebuild_mapping",
    "tree_leaves",
    "tree_map",
    "tree_map_with_path",
]

Path: TypeAlias = tuple[Any, ...]
"""The keys and indices that lead from the root of a tree to a node."""


def is_rebuildable_mapping(node: Any) -> bool:
    """Return whether ``node`` is a mapping :func:`rebuild_mapping` knows how to rebuild.

    Examples:
        >>> from collections import Counter
        >>> from types import MappingProxyType
        >>> is_rebuildable_mapping(Counter(a=1)), is_rebuildable_mapping(MappingProxyType({}))
        (True, True)
    """
    return isinstance(node, dict | ChainMap | MappingProxyType)


def rebuild_mapping(node: Mapping[Any, Any], items: Iterable[tuple[Any, Any]]) -> Any:
    """Return a mapping of ``node``'s type holding ``items`` (``node`` is left unchanged).

    ``node`` must pass :func:`is_rebuildable_mapping`. A ``dict`` subclass is copied with
    :func:`copy.copy` and refilled through its own ``clear``/``update``, so a ``defaultdict``
    keeps its ``default_factory`` and a ``Counter`` holds the values rather than counting pairs.

    Examples:
        >>> from collections import Counter, defaultdict
        >>> rebuild_mapping(Counter(a=1), [("a", 10)])
        Counter({'a': 10})
        >>> rebuild_mapping(defaultdict(list), [("k", 1)]).default_factory
        <class 'list'>
    """
    values = dict(items)
    if type(node) is dict:
        return values
    if isinstance(node, dict):
        mapping: dict[Any, Any] = node
        out = copy.copy(mapping)
        out.clear()
        out.update(values)
        return out
    if isinstance(node, ChainMap):
        chain: Any = type(node)
        return chain(values)
    if isinstance(node, MappingProxyType):
        return MappingProxyType(values)
    raise TypeError(f"cannot rebuild a mapping of type {type(node).__qualname__}")


def is_container(node: Any) -> bool:
    """Return whether ``node`` is a container that tree functions descend into.

    Examples:
        >>> is_container({"a": 1}), is_container((1, 2)), is_container("text")
        (True, True, False)
    """
    return isinstance(node, list | tuple) or is_rebuildable_mapping(node)


def tree_map_with_path(fn: Callable[[Path, Any], Any], tree: Any, path: Path = ()) -> Any:
    """Apply ``fn(path, leaf)`` to every leaf of ``tree`` and rebuild the containers.

    Args:
        fn: Called with the path of each leaf (a tuple of keys and indices) and the leaf.
        tree: Nested mappings (see the module docstring), lists, tuples and namedtuples with
            arbitrary leaves.
        path: The path of ``tree`` itself, prepended to every leaf's path.

    Returns:
        A tree of the same structure and container types holding ``fn``'s results.

    Examples:
        >>> from collections import namedtuple
        >>> Point = namedtuple("Point", "x y")
        >>> tree_map_with_path(lambda p, v: p, {"a": [0, Point(1, 2)]})
        {'a': [('a', 0), Point(x=('a', 1, 'x'), y=('a', 1, 'y'))]}
    """
    # Typed views of the narrowed node: ``isinstance`` on ``Any`` gives pyright unknown items.
    if is_rebuildable_mapping(tree):
        mapping: Mapping[Any, Any] = tree
        items = [(k, tree_map_with_path(fn, v, (*path, k))) for k, v in mapping.items()]
        return rebuild_mapping(mapping, items)
    if isinstance(tree, tuple):
        node: tuple[Any, ...] = tree  # pyright: ignore[reportUnknownVariableType]
        fields = getattr(node, "_fields", None)
        if fields is not None:  # namedtuple
            values = (
                tree_map_with_path(fn, v, (*path, f)) for f, v in zip(fields, node, strict=True)
            )
            named: Any = type(node)
            return named._make(values)
        return type(node)(tree_map_with_path(fn, v, (*path, i)) for i, v in enumerate(node))
    if isinstance(tree, list):
        sequence: list[Any] = tree  # pyright: ignore[reportUnknownVariableType]
        return type(sequence)(tree_map_with_path(fn, v, (*path, i)) for i, v in enumerate(sequence))
    return fn(path, tree)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """Apply ``fn`` to every leaf of ``tree``, keeping the container types.

    Examples:
        >>> tree_map(lambda v: v * 10, {"a": (1, 2), "b": [3]})
        {'a': (10, 20), 'b': [30]}
    """
    return tree_map_with_path(lambda _, leaf: fn(leaf), tree)


def tree_leaves(tree: Any) -> list[Any]:
    """Return the leaves of ``tree`` in traversal order.

    Examples:
        >>> tree_leaves({"a": (1, 2), "b": [3, {"c": None}]})
        [1, 2, 3, None]
    """
    leaves: list[Any] = []
    tree_map_with_path(lambda _, leaf: leaves.append(leaf), tree)
    return leaves


def format_path(path: Path, root: str = "tree") -> str:
    """Spell a path the way Python would index it.

    Examples:
        >>> print(format_path(("camera", 1), root="obs"))
        obs["camera"][1]
    """
    return root + "".join(f'["{key}"]' if isinstance(key, str) else f"[{key!r}]" for key in path)
