"""Properties that apply to every wrapper, and the comparisons they share.

Family-specific properties live beside their cases (``conformance/cases/<family>.py``); a
property is registered once, by name, with :func:`~conformance.framework.register_property`.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import array_api_compat as compat

from array_env._namespace import device_name, namespace_name
from array_env._tree import tree_leaves
from array_env.testing import assert_trees_close
from conformance.framework import Subject, register_property

__all__ = ["assert_same_arrays", "describe_leaf", "gymnasium_class"]


def gymnasium_class(subject: Subject) -> Any:
    """Gymnasium's own class of the subject's wrapper and kind, or ``None`` where it has none."""
    import gymnasium as gym

    module = gym.wrappers if subject.case.kind == "single" else gym.wrappers.vector
    return getattr(module, subject.case.wrapper, None)


def describe_leaf(leaf: Any) -> str:
    """``"<namespace> on <device>"`` for an array, the type name for anything else."""
    if not compat.is_array_api_obj(leaf):
        return type(leaf).__name__
    return f"{namespace_name(compat.array_namespace(leaf))} on {device_name(compat.device(leaf))}"


def assert_same_arrays(actual: Any, expected: Any, what: str) -> None:
    """Assert equal structure, namespaces, devices, dtypes and values (a copy's outputs)."""
    actual_leaves, expected_leaves = tree_leaves(actual), tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), f"{what}: the trees differ in structure"
    for index, (a, e) in enumerate(zip(actual_leaves, expected_leaves, strict=True)):
        got, want = describe_leaf(a), describe_leaf(e)
        assert got == want, f"{what}: leaf {index} is {got}, expected {want}"
    assert_trees_close(actual, expected, rtol=0, atol=0)


def _check_copy(subject: Subject, duplicate: Callable[[Any], Any], how: str) -> None:
    env = subject.make()
    env.reset(seed=3)
    clone = duplicate(env)
    assert type(clone) is type(env), f"{how} gave a {type(clone).__name__}"
    expected = env.step(subject.action(env))
    actual = clone.step(subject.action(clone))
    assert_same_arrays(actual, expected, f"step after {how}")


@register_property("pickles")
def pickles(subject: Subject) -> None:
    """A reset wrapper survives pickle: the copy steps exactly like the original."""
    _check_copy(subject, lambda env: pickle.loads(pickle.dumps(env)), "pickle round trip")


@register_property("deep_copies")
def deep_copies(subject: Subject) -> None:
    """A reset wrapper survives ``copy.deepcopy``: the copy steps exactly like the original."""
    _check_copy(subject, copy.deepcopy, "deepcopy")
