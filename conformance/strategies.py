"""Hypothesis strategies for spaces and observation trees, and the suite's two profiles.

:func:`spaces` draws Gymnasium spaces: ``Box`` of every standard dtype (bool, signed and unsigned
integers, float32, float64) with shapes including 0-d and empty ones, ``Discrete`` with a start,
``MultiDiscrete``, ``MultiBinary``, and ``Dict`` and ``Tuple`` nestings of them.
:func:`observations` draws a tree inside a given space. The ``ci`` profile is seeded
(derandomised, a few examples: the same inputs on every run); ``thorough`` draws many more
(``array-env check --thorough``, or ``ARRAY_ENV_CONFORMANCE_PROFILE=thorough``).

Examples:
    >>> from hypothesis import find
    >>> space = find(spaces(), lambda s: isinstance(s, gym.spaces.Dict))
    >>> isinstance(space, gym.spaces.Dict)
    True
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["PROFILE_VARIABLE", "observations", "profile", "spaces", "use_profile"]

PROFILE_VARIABLE = "ARRAY_ENV_CONFORMANCE_PROFILE"
"""The environment variable naming the profile (``ci`` by default)."""

_CHECKS: list[HealthCheck] = list(HealthCheck)  # pyright: ignore[reportAssignmentType]
_BASE = settings(deadline=None, database=None, report_multiple_bugs=False,
                 suppress_health_check=_CHECKS)  # fmt: skip
settings.register_profile("array_env_ci", _BASE, derandomize=True, max_examples=8)
settings.register_profile("array_env_thorough", _BASE, max_examples=200)

_INTEGERS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
_FLOATS = ("float32", "float64")

shapes = st.lists(st.integers(0, 3), max_size=3).map(tuple)
"""Shapes of up to three axes of up to 3 elements, including ``()`` and empty ones."""


@st.composite
def _boxes(draw: st.DrawFn) -> gym.spaces.Box:
    dtype = draw(st.sampled_from(("bool", *_INTEGERS, *_FLOATS)))
    shape = draw(shapes)
    if dtype == "bool":
        # Box takes bool at runtime; its annotation lists only numeric dtypes.
        return gym.spaces.Box(0, 1, shape, np.bool_)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
    if dtype in _INTEGERS:
        info = np.iinfo(dtype)
        low = draw(st.integers(max(int(info.min), -50), 10))
        high = draw(st.integers(low, min(int(info.max), 60)))
        return gym.spaces.Box(low, high, shape, np.dtype(dtype).type)
    low_f = draw(st.one_of(st.just(-np.inf), st.floats(-10, 0, width=32)))
    high_f = draw(st.one_of(st.just(np.inf), st.floats(0.5, 10, width=32)))
    return gym.spaces.Box(low_f, high_f, shape, np.dtype(dtype).type)


def _leaves() -> st.SearchStrategy[gym.Space[Any]]:
    return st.one_of(
        _boxes(),
        st.builds(gym.spaces.Discrete, st.integers(1, 5), start=st.integers(-3, 3)),
        st.lists(st.integers(1, 4), min_size=1, max_size=3).map(gym.spaces.MultiDiscrete),
        st.one_of(st.integers(1, 4), st.just((2, 2))).map(gym.spaces.MultiBinary),
    )


def spaces(*, nested: bool = True) -> st.SearchStrategy[gym.Space[Any]]:
    """Gymnasium spaces: leaves, and (``nested``) Dict and Tuple nestings of up to 4 leaves."""
    if not nested:
        return _leaves()

    def nest(children: st.SearchStrategy[gym.Space[Any]]) -> st.SearchStrategy[gym.Space[Any]]:
        keys = st.text("abcxyz", min_size=1, max_size=3)
        return st.one_of(
            st.dictionaries(keys, children, min_size=1, max_size=3).map(gym.spaces.Dict),
            st.lists(children, min_size=1, max_size=3).map(lambda s: gym.spaces.Tuple(tuple(s))),
        )

    return st.recursive(_leaves(), nest, max_leaves=4)


def observations(space: gym.Space[Any]) -> st.SearchStrategy[Any]:
    """Trees inside ``space`` (host NumPy), drawn through the space's own seeded sampler."""

    def sample(seed: int) -> Any:
        space.seed(seed)
        return space.sample()

    return st.integers(0, 2**31 - 1).map(sample)


def profile() -> str:
    """The profile in use: ``ci`` unless :data:`PROFILE_VARIABLE` says ``thorough``."""
    return "thorough" if os.environ.get(PROFILE_VARIABLE) == "thorough" else "ci"


def use_profile() -> settings:
    """The hypothesis settings of the profile in use."""
    return settings.get_profile(f"array_env_{profile()}")
