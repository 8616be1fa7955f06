"""to_namespace / TreeConverter: values, dtypes, memory sharing, structures, errors."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np
import pytest

from array_env import convert_tree, resolve_namespace, to_namespace, tree_leaves, tree_map
from array_env.convert import TreeConverter
from array_env.testing import (
    Backend,
    assert_on_backend,
    backend_params,
    shares_memory,
    to_host,
)

CPU = [b for b in Backend if not b.is_gpu]
GPU = [Backend.TORCH_CUDA, Backend.JAX_CUDA, Backend.CUPY]

# Pairs whose conversion hands over the buffer on the CPU (DLPack or the backends' own views).
# NumPy -> JAX is absent: JAX shares a NumPy buffer only when it happens to be 64-byte aligned.
ZERO_COPY_CPU = [
    (Backend.NUMPY, Backend.TORCH),
    (Backend.TORCH, Backend.NUMPY),
    (Backend.TORCH, Backend.JAX),
    (Backend.JAX, Backend.TORCH),
    (Backend.JAX, Backend.NUMPY),
    (Backend.NUMPY, Backend.ARRAY_API_STRICT),
    (Backend.ARRAY_API_STRICT, Backend.NUMPY),
    (Backend.NUMPY_READONLY, Backend.ARRAY_API_STRICT),
    (Backend.TORCH, Backend.ARRAY_API_STRICT),
    (Backend.ARRAY_API_STRICT, Backend.TORCH),
]


class Point(NamedTuple):
    x: Any
    y: Any


def _host_tree() -> dict[str, Any]:
    return {
        "camera": (np.arange(12, dtype=np.uint8).reshape(3, 4), np.array([True, False])),
        "state": np.linspace(-1.0, 1.0, 4, dtype=np.float32),
        "steps": np.array([3, 1], dtype=np.int32),
    }


def _on(backend: Backend, host_tree: Any) -> Any:
    """Build ``host_tree`` on ``backend``, keeping every dtype."""
    return tree_map(lambda x: backend.asarray(x, dtype=x.dtype.name), host_tree)


def _pickled(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


def _expected_dtype(name: str, target: Backend) -> str:
    """The dtype ``target`` holds for a NumPy dtype ``name``, following the target's rules."""
    if target.has_float64 or not name.endswith("64"):
        return name
    if target in (Backend.JAX, Backend.JAX_CUDA):  # jax narrows every 64-bit type
        return name.replace("64", "32")
    return name


@pytest.mark.parametrize("target", backend_params(CPU))
def test_every_cpu_pair_round_trips_values(backend: Backend, target: Backend) -> None:
    source_tree = _on(backend, _host_tree())
    out = to_namespace(source_tree, target.xp, target.device)
    assert_on_backend(out, target.xp, target.device)
    back = to_namespace(out, backend.xp, backend.device)
    assert_on_backend(back, backend.xp, backend.device)
    for converted in (out, back):
        for got, host in zip(tree_leaves(converted), tree_leaves(_host_tree()), strict=True):
            np.testing.assert_array_equal(to_host(got), host)
            assert str(to_host(got).dtype) == str(host.dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16", "uint8", "bool"])
@pytest.mark.parametrize("target", backend_params(CPU))
def test_dtype_is_kept_or_canonicalised_like_the_target(target: Backend, dtype: str) -> None:
    x = np.zeros(3, dtype=dtype)
    if not target.has_float64 and dtype == "float64" and target is not Backend.JAX:
        with pytest.raises(TypeError, match=r"tree of type numpy.ndarray .*float64"):
            to_namespace(x, target.xp, target.device_spec)
        return
    out = to_namespace(x, target.xp, target.device_spec)
    assert str(to_host(out).dtype) == _expected_dtype(dtype, target)


def test_jax_keeps_float64_in_x64_mode() -> None:
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        out = to_namespace(np.zeros(2, dtype=np.float64), "jax")
        assert str(out.dtype) == "float64"
    out = to_namespace(np.zeros(2, dtype=np.float64), "jax")
    assert str(out.dtype) == ("float64" if jax.config.values["jax_enable_x64"] else "float32")


@pytest.mark.parametrize(
    ("source", "target"), [pytest.param(s, t, id=f"{s.label}->{t.label}") for s, t in ZERO_COPY_CPU]
)
def test_cpu_pairs_share_memory(source: Backend, target: Backend) -> None:
    for backend in (source, target):
        if backend.unavailable_reason:
            pytest.skip(backend.unavailable_reason)
    x = source.asarray(np.arange(64, dtype=np.float32).reshape(8, 8))
    out = to_namespace(x, target.xp)
    assert shares_memory(out, x)
    np.testing.assert_array_equal(to_host(out), to_host(x))


@pytest.mark.gpu
@pytest.mark.parametrize("target", backend_params(GPU))
@pytest.mark.parametrize("source", backend_params(GPU))
def test_gpu_pairs_share_memory(source: Backend, target: Backend) -> None:
    x = source.asarray(np.arange(64, dtype=np.float32).reshape(8, 8))
    out = to_namespace(x, target.xp, target.device)
    assert_on_backend(out, target.xp, target.device)
    assert shares_memory(out, x)
    np.testing.assert_array_equal(to_host(out), np.arange(64, dtype=np.float32).reshape(8, 8))


@pytest.mark.gpu
@pytest.mark.parametrize("target", backend_params(GPU))
def test_numpy_to_gpu_is_one_copy_and_back(target: Backend) -> None:
    x = np.arange(6, dtype=np.float32)
    out = to_namespace(x, target.xp, target.device)
    assert_on_backend(out, target.xp, target.device)
    host = to_namespace(out, "numpy")
    np.testing.assert_array_equal(host, x)
    assert isinstance(host, np.ndarray)


@pytest.mark.parametrize("target", ["torch", "jax", "array_api_strict"])
def test_read_only_numpy_never_becomes_writable(target: str) -> None:
    pytest.importorskip(target)
    x = np.arange(4.0)
    x.flags.writeable = False
    out = to_namespace(x, target)
    if target == "torch":
        out[0] = 100.0
    elif target == "array_api_strict":
        with pytest.raises(ValueError, match="read-only"):
            out[0] = 100.0
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(to_host(out)[1:], [1.0, 2.0, 3.0])


def test_one_converter_applies_per_array_rules_after_caching_the_type() -> None:
    torch = pytest.importorskip("torch")
    to_torch = TreeConverter("torch")
    writable = np.arange(4.0)
    read_only = np.arange(4.0)
    read_only.flags.writeable = False
    assert shares_memory(to_torch(writable), writable)
    assert not shares_memory(to_torch(read_only), read_only)
    reversed_view = np.arange(4.0)[::-1]  # torch.from_dlpack aborts the process on these
    assert torch.equal(
        to_torch(reversed_view), torch.tensor([3.0, 2.0, 1.0, 0.0], dtype=torch.float64)
    )


@pytest.mark.parametrize("target", ["torch", "jax", "array_api_strict"])
def test_awkward_numpy_layouts_are_copied(target: str) -> None:
    pytest.importorskip(target)
    big_endian = np.arange(4, dtype=">f4")
    negative = np.arange(4.0, dtype=np.float32)[::-1]
    strided = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
    for x in (big_endian, negative, strided):
        out = to_namespace(x, target)
        np.testing.assert_array_equal(to_host(out), x)
        assert to_host(out).dtype == np.float32


def test_tensors_that_require_grad_are_detached() -> None:
    torch = pytest.importorskip("torch")
    t = torch.ones(3, requires_grad=True)
    assert not to_namespace(t, "torch").requires_grad
    np.testing.assert_array_equal(to_namespace(t, "numpy"), np.ones(3, dtype=np.float32))


@pytest.mark.parametrize("target", ["jax", "array_api_strict"])
def test_tensors_that_require_grad_cross_dlpack_detached(target: str) -> None:
    # torch refuses to export a tensor that requires grad through DLPack, and so does the
    # copy through the host: only the detach makes these pairs work at all.
    torch = pytest.importorskip("torch")
    pytest.importorskip(target)
    t = torch.arange(4.0) * torch.ones(4, requires_grad=True)  # a non-leaf in a graph
    out = to_namespace({"obs": t}, target)["obs"]
    np.testing.assert_array_equal(to_host(out), np.arange(4.0, dtype=np.float32))
    assert t.grad_fn is not None  # the caller's graph is left as it was


@pytest.mark.parametrize("target", ["numpy", "jax", "array_api_strict"])
def test_conjugate_and_negative_views_are_resolved(target: str) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip(target)
    z = torch.tensor([1 + 2j, 3 - 1j], dtype=torch.complex64)
    for view, expected in ((z.conj(), [1 - 2j, 3 + 1j]), (z.conj().imag, [-2.0, 1.0])):
        np.testing.assert_array_equal(to_host(to_namespace(view, target)), expected)


def test_bfloat16_to_numpy_is_a_type_error_naming_the_leaf() -> None:
    torch = pytest.importorskip("torch")
    obs = {"camera": [torch.zeros(2), torch.zeros(2, dtype=torch.bfloat16)]}
    with pytest.raises(TypeError, match=r'obs\["camera"\]\[1\] of type torch.Tensor .*bfloat16'):
        TreeConverter("numpy")(obs, "obs")


def test_containers_keep_their_types_and_plain_values(backend: Backend) -> None:
    tree = {
        "ordered": OrderedDict([("b", np.ones(2, np.float32)), ("a", np.zeros(1, np.float32))]),
        "point": Point(np.ones(1, np.float32), "label"),
        "list": [np.arange(3), None, 1.5, b"raw"],
        "tuple": (True, 7),
    }
    out = to_namespace(tree, backend.xp, backend.device_spec)
    assert type(out["ordered"]) is OrderedDict
    assert list(out["ordered"]) == ["b", "a"]
    assert type(out["point"]) is Point
    assert out["point"].y == "label"
    assert out["list"][1:] == [None, 1.5, b"raw"]
    assert out["tuple"] == (True, 7)
    assert type(out["tuple"][0]) is bool
    assert_on_backend(out, backend.xp, backend.device)
    np.testing.assert_array_equal(to_host(out["list"][0]), [0, 1, 2])


def test_numpy_scalars_become_zero_d_arrays_and_strings_stay() -> None:
    out = to_namespace(
        {"f32": np.float32(1.5), "f64": np.float64(2.5), "flag": np.bool_(True), "s": np.str_("a")},
        "array_api_strict",
    )
    assert (out["f32"].shape, str(out["f32"].dtype)) == ((), "array_api_strict.float32")
    assert (out["f64"].shape, str(out["f64"].dtype)) == ((), "array_api_strict.float64")
    assert str(out["flag"].dtype) == "array_api_strict.bool"
    assert out["s"] == "a"
    labels = np.array(["left", "right"])
    assert to_namespace(labels, "array_api_strict") is labels


def test_object_arrays_are_converted_element_by_element() -> None:
    final_obs = np.empty(3, dtype=object)
    final_obs[0], final_obs[2] = np.ones(2), {"x": np.zeros(1)}
    out = to_namespace({"final_obs": final_obs}, "array_api_strict", "device1")["final_obs"]
    assert out.dtype == object
    assert out is not final_obs
    assert out[1] is None
    assert_on_backend([out[0], out[2]["x"]], Backend.ARRAY_API_STRICT_DEVICE1.xp, "device1")
    assert final_obs[0].__class__ is np.ndarray  # the input is untouched


def test_same_namespace_and_device_returns_the_array_itself(backend: Backend) -> None:
    x = backend.asarray([1.0, 2.0], "float32")
    assert to_namespace(x, backend.xp, backend.device) is x


def test_unsupported_leaf_names_its_path_and_type() -> None:
    obs = {"camera": [np.zeros(2), object()], "state": np.zeros(1)}
    with pytest.raises(TypeError, match=r'obs\["camera"\]\[1\] of type builtins.object to numpy'):
        TreeConverter("numpy")(obs, "obs")
    with pytest.raises(TypeError, match=r'tree\["camera"\]\[1\] of type builtins.object'):
        to_namespace(obs, "array_api_strict")
    final_obs = np.empty(2, dtype=object)
    final_obs[1] = {1j: {1, 2}}
    with pytest.raises(TypeError, match=r'infos\["final_obs"\]\[1\]\[1j\] of type builtins.set'):
        TreeConverter("numpy")({"final_obs": final_obs}, "infos")


@pytest.mark.parametrize(
    ("xp", "device", "listed"),
    [
        ("numpy", "cuda:0", "cpu"),
        ("array_api_strict", "device9", "device1"),
        ("torch", "cuda:99", "cpu"),
    ],
)
def test_unavailable_device_lists_the_existing_ones(xp: str, device: str, listed: str) -> None:
    pytest.importorskip(xp)
    with pytest.raises(
        ValueError, match=rf"device '{device}' is not available for {xp}; available: .*{listed}"
    ):
        to_namespace(np.zeros(1), xp, device)


def test_device_accepts_objects_and_names() -> None:
    import array_api_strict as xps

    by_object = to_namespace(np.zeros(1), xps, xps.Device("device1"))
    by_name = to_namespace(np.zeros(1), "array_api_strict", "device1")
    assert by_object.device == by_name.device == xps.Device("device1")


@pytest.mark.parametrize("copier", [copy.deepcopy, _pickled])
@pytest.mark.parametrize(
    ("xp", "device"), [("array_api_strict", "device1"), ("jax", "cpu:0"), ("torch", None)]
)
def test_converter_pickles_and_deep_copies_by_name(
    copier: Any, xp: str, device: str | None
) -> None:
    pytest.importorskip(xp)
    converter = TreeConverter(xp, device)
    converter({"warm": np.zeros(1)})  # a cached strategy must not get in the way
    clone = copier(converter)
    assert clone.xp is converter.xp
    assert clone.device == converter.device
    out = clone({"a": np.arange(2.0)})["a"]
    assert_on_backend(out, converter.xp, converter.device)


@pytest.mark.parametrize("target", ["torch", "array_api_strict", "numpy"])
def test_every_standard_mapping_converts_with_its_type(target: str) -> None:
    from collections import ChainMap, Counter, defaultdict
    from types import MappingProxyType

    pytest.importorskip(target)
    leaf = np.arange(3.0)
    trees: list[Any] = [
        Counter[str]({"a": leaf}),
        defaultdict[str, Any](list, a=leaf),
        ChainMap({"a": leaf}, {"a": np.zeros(3), "b": leaf}),
        MappingProxyType({"a": leaf}),
        OrderedDict(a=leaf),
    ]
    for tree in trees:
        out = to_namespace({"x": tree}, target)["x"]
        assert type(out) is type(tree), (type(tree), out)
        assert sorted(out) == sorted(tree)
        for key in tree:
            np.testing.assert_array_equal(to_host(out[key]), to_host(tree[key]))
    assert to_namespace({"x": trees[1]}, target)["x"].default_factory is list


def test_other_mappings_and_masked_arrays_are_type_errors_naming_the_path() -> None:
    from collections.abc import Iterator, Mapping

    class Frozen(Mapping[str, Any]):
        def __init__(self, **items: Any) -> None:
            self._items = items

        def __getitem__(self, key: str) -> Any:
            return self._items[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self._items)

        def __len__(self) -> int:
            return len(self._items)

    with pytest.raises(TypeError, match=r'obs\["a"\]\[0\] of type .*Frozen to numpy: a Mapping'):
        convert_tree(
            {"a": [Frozen(x=np.ones(1))]}, xp=resolve_namespace("numpy"), device=None, root="obs"
        )
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match=r'tree\["m"\] of type numpy.ma.MaskedArray.*mask'):
        to_namespace({"m": masked}, "array_api_strict")
    kept = to_namespace({"m": masked}, "numpy")["m"]
    assert kept is masked  # NumPy keeps the mask: the array itself comes back
