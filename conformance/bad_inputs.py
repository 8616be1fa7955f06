"""Ready-made malformed inputs for ``BI-1 bad_input_rejected`` (see :class:`~.framework.BadInput`).

Each function returns a :class:`~.framework.BadInput` whose documented error is
:class:`array_env.ArrayMismatchError` (a ``ValueError`` and a ``gymnasium.error.Error``). An
``action`` builder returns ``None`` where the input cannot be built on the subject's backend (a
second device exists only for array-api-strict); that input is then not fed there.

Examples:
    >>> [bad.what for bad in (observation_shape(), action_namespace())]
    ['an observation with one extra element on its last axis', 'an action of another namespace']
"""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np

from array_env._checks import ArrayMismatchError
from array_env._tree import tree_map
from array_env.testing import Backend, to_host

from .framework import BadInput, Subject

__all__ = [
    "step_before_reset",
    "action_device",
    "action_namespace",
    "action_shape",
    "observation_namespace",
    "observation_shape",
    "reward_namespace",
    "reward_shape",
]


def _other_namespace(backend: Backend) -> Backend:
    return Backend.ARRAY_API_STRICT if backend.namespace_name == "numpy" else Backend.NUMPY


def _other_device(backend: Backend) -> Backend | None:
    return {
        Backend.ARRAY_API_STRICT: Backend.ARRAY_API_STRICT_DEVICE1,
        Backend.ARRAY_API_STRICT_DEVICE1: Backend.ARRAY_API_STRICT,
    }.get(backend)


def _widen(subject: Subject, leaf: Any) -> Any:
    host = np.asarray(to_host(leaf))
    extra = np.concatenate([host, host[..., :1]], axis=-1) if host.ndim else np.stack([host, host])
    return subject.backend.asarray(extra, dtype=host.dtype.name)


def _first_leaf(tree: Any, change: Any) -> Any:
    done = False

    def once(leaf: Any) -> Any:
        nonlocal done
        if done or not hasattr(leaf, "shape"):
            return leaf
        done = True
        return change(leaf)

    return tree_map(once, tree)


def observation_shape() -> BadInput:
    """The env's observation (its first array leaf) gets one extra element on its last axis."""

    def output(subject: Subject, out: tuple[Any, ...]) -> tuple[Any, ...]:
        return (_first_leaf(out[0], functools.partial(_widen, subject)), *out[1:])

    return BadInput(
        "an observation with one extra element on its last axis",
        output=output,
        error=ArrayMismatchError,
    )


def observation_namespace() -> BadInput:
    """The env's observation comes in another namespace than at reset."""

    def output(subject: Subject, out: tuple[Any, ...]) -> tuple[Any, ...]:
        other = _other_namespace(subject.backend)
        moved = tree_map(lambda x: other.asarray(np.asarray(to_host(x))), out[0])
        return (moved, *out[1:])

    return BadInput("an observation of another namespace", output=output, error=ArrayMismatchError)


def reward_shape() -> BadInput:
    """The env's reward gets the wrong shape (one element more than it should have)."""

    def output(subject: Subject, out: tuple[Any, ...]) -> tuple[Any, ...]:
        return (out[0], _widen(subject, out[1]), *out[2:])

    return BadInput("a reward of the wrong shape", output=output, error=ArrayMismatchError)


def reward_namespace() -> BadInput:
    """The env's reward comes in another namespace."""

    def output(subject: Subject, out: tuple[Any, ...]) -> tuple[Any, ...]:
        other = _other_namespace(subject.backend)
        return (out[0], other.asarray(np.asarray(to_host(out[1]))), *out[2:])

    return BadInput("a reward of another namespace", output=output, error=ArrayMismatchError)


def action_shape() -> BadInput:
    """The agent's action gets one extra element on its last axis."""

    def action(subject: Subject, env: Any) -> Any:
        host = subject.host_action(env, 2)
        return subject.upload(tree_map(lambda x: _widen_host(x), host))

    return BadInput(
        "an action with one extra element on its last axis", action=action, error=ArrayMismatchError
    )


def _widen_host(x: Any) -> Any:
    host = np.asarray(x)
    return np.concatenate([host, host[..., :1]], axis=-1) if host.ndim else np.stack([host, host])


def action_namespace() -> BadInput:
    """The agent's action comes in another namespace than the wrapper's."""

    def action(subject: Subject, env: Any) -> Any:
        other = _other_namespace(subject.agent_backend)
        return subject.upload(subject.host_action(env, 2), backend=other)

    return BadInput("an action of another namespace", action=action, error=ArrayMismatchError)


def action_device() -> BadInput:
    """The agent's action comes on another device (array-api-strict only)."""

    def action(subject: Subject, env: Any) -> Any:
        other = _other_device(subject.agent_backend)
        if other is None:
            return None
        return subject.upload(subject.host_action(env, 2), backend=other)

    return BadInput("an action on another device", action=action, error=ArrayMismatchError)


def step_before_reset() -> BadInput:
    """A ``step`` before the first ``reset``: ``gymnasium.error.ResetNeeded``."""
    return BadInput("a step before reset", before_reset=True, error=gym.error.ResetNeeded)
