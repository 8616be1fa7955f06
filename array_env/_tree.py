"""Map a function over nested observations, keeping every container's type.

Containers are mappings (``dict``, ``OrderedDict`` and other ``Mapping`` types that can be built
from pairs), ``list``, ``tuple`` and namedtuples. Everything else is a leaf, handed to the
function together with its path from the root, so errors can say where they happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

__all__ = ["Path", "format_path", "is_container", "tree_leaves", "tree_map", "tree_map_with_path"]

Path: TypeAlias = tuple[Any, ...]
"""The keys and indices that lead from the root of a tree to a node."""


def is_container(node: Any) -> bool:
    """Return whether ``node`` is a container that tree functions descend into.

    Example:
        >>> is_container({"a": 1}), is_container((1, 2)), is_container("text")
        (True, True, False)
    """
    return isinstance(node, Mapping | list | tuple)


def tree_map_with_path(fn: Callable[[Path, Any], Any], tree: Any, path: Path = ()) -> Any:
    """Apply ``fn(path, leaf)`` to every leaf of ``tree`` and rebuild the containers.

    Args:
        fn: Called with the path of each leaf (a tuple of keys and indices) and the leaf.
        tree: Nested dicts, lists, tuples and namedtuples with arbitrary leaves.
        path: The path of ``tree`` itself, prepended to every leaf's path.

    Returns:
        A tree of the same structure and container types holding ``fn``'s results.

    Example:
        >>> from collections import namedtuple
        >>> Point = namedtuple("Point", "x y")
        >>> tree_map_with_path(lambda p, v: p, {"a": [0, Point(1, 2)]})
        {'a': [('a', 0), Point(x=('a', 1, 'x'), y=('a', 1, 'y'))]}
    """
    # Typed views of the narrowed node: ``isinstance`` on ``Any`` gives pyright unknown items.
    if isinstance(tree, Mapping):
        mapping: Mapping[Any, Any] = tree  # pyright: ignore[reportUnknownVariableType]
        items = [(k, tree_map_with_path(fn, v, (*path, k))) for k, v in mapping.items()]
        if type(mapping) is dict:
            return dict(items)
        rebuild: Any = type(mapping)  # OrderedDict and other Mappings built from pairs
        return rebuild(items)
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

    Example:
        >>> tree_map(lambda v: v * 10, {"a": (1, 2), "b": [3]})
        {'a': (10, 20), 'b': [30]}
    """
    return tree_map_with_path(lambda _, leaf: fn(leaf), tree)


def tree_leaves(tree: Any) -> list[Any]:
    """Return the leaves of ``tree`` in traversal order.

    Example:
        >>> tree_leaves({"a": (1, 2), "b": [3, {"c": None}]})
        [1, 2, 3, None]
    """
    leaves: list[Any] = []
    tree_map_with_path(lambda _, leaf: leaves.append(leaf), tree)
    return leaves


def format_path(path: Path, root: str = "tree") -> str:
    """Spell a path the way Python would index it.

    Example:
        >>> print(format_path(("camera", 1), root="obs"))
        obs["camera"][1]
    """
    return root + "".join(f'["{key}"]' if isinstance(key, str) else f"[{key!r}]" for key in path)
