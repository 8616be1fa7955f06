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


def test_every_standard_mapping_is_rebuilt_with_its_type_and_values() -> None:
    from collections import ChainMap, Counter, defaultdict
    from types import MappingProxyType

    trees: list[Any] = [
        Counter(a=1, b=2),
        defaultdict[str, int](int, k=1),
        ChainMap[str, int]({"a": 1}, {"a": 5, "b": 2}),
        MappingProxyType[str, int]({"a": 1}),
    ]
    outs: list[Any] = [tree_map(lambda v: v * 10, tree) for tree in trees]
    # Read the types before narrowing: `type(out) is C` would make the items unknown.
    types: list[type[Any]] = [type(out) for out in outs]
    assert types == [Counter, defaultdict, ChainMap, MappingProxyType]
    values: list[dict[str, Any]] = [dict(out) for out in outs]
    assert values == [{"a": 10, "b": 20}, {"k": 10}, {"a": 10, "b": 20}, {"a": 10}]
    assert outs[1].default_factory is int
    paths: list[tuple[object, ...]] = []
    tree_map_with_path(lambda p, _: paths.append(p), {"m": MappingProxyType({"x": [0]})})
    assert paths == [("m", "x", 0)]
