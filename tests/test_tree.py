from collections import OrderedDict, namedtuple
from typing import Any

from array_env._tree import format_path, tree_leaves, tree_map, tree_map_with_path

# A plain collections.namedtuple on purpose: tree functions must rebuild untyped ones too.
Point = namedtuple("Point", "x y")  # pyright: ignore[reportUntypedNamedTuple]


def test_container_types_are_preserved() -> None:
    tree: OrderedDict[str, Any] = OrderedDict(a=[1, (2, Point(3, 4))], b={"c": None})
    out = tree_map(lambda v: v if v is None else v + 1, tree)
    # Read the types before narrowing `out`: `type(out) is C` would make its items unknown.
    types: list[type[Any]] = [type(out), type(out["a"]), type(out["a"][1]), type(out["a"][1][1])]
    assert types == [OrderedDict, list, tuple, Point]
    assert list(out) == ["a", "b"]
    assert out == OrderedDict(a=[2, (3, Point(4, 5))], b={"c": None})


def test_non_array_leaves_reach_the_function_unchanged() -> None:
    seen = tree_leaves({"s": "text", "b": b"raw", "n": None, "f": 1.5, "t": True})
    assert seen == ["text", b"raw", None, 1.5, True]


def test_paths_name_keys_and_indices() -> None:
    paths: list[tuple[object, ...]] = []
    tree_map_with_path(lambda p, _: paths.append(p), {"camera": [0, Point(1, 2)]})
    assert paths == [("camera", 0), ("camera", 1, "x"), ("camera", 1, "y")]
    assert format_path(("camera", 1), root="obs") == 'obs["camera"][1]'
