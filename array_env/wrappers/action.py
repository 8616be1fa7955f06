"""Action wrappers: the functional cores and their single-environment shells.

The vector twins in :mod:`array_env.vector.action` call the same cores with a leading batch axis.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np

from array_env._checks import ArrayMismatchError
from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.typing import ArrayT, Namespace
from array_env.wrappers._contract import ArrayContract, contract_for

__all__ = [
    "ActionBounds",
    "ClipAction",
    "action_bounds",
    "clip_action",
    "clip_host_action",
    "host_action",
    "unbounded_box",
]

Obs = TypeVar("Obs")


class ActionBounds(NamedTuple):
    """A Box's bounds on the actions' namespace and device, in the actions' dtype."""

    low: Any
    high: Any


def clip_action(action: ArrayT, bounds: ActionBounds, *, xp: Namespace[ArrayT]) -> ArrayT:
    """Clip ``action`` (one action, or a batch with a leading axis) into ``bounds``.

    ``minimum(maximum(a, low), high)`` equals ``clip`` for every float, NaN included, and is
    one Python call cheaper than NumPy's ``clip`` on the step path.

    Examples:
        >>> import array_api_strict as xp
        >>> bounds = ActionBounds(xp.asarray([-1.0, 0.0]), xp.asarray([1.0, 2.0]))
        >>> clip_action(xp.asarray([5.0, -3.0]), bounds, xp=xp)
        Array([1., 0.], dtype=array_api_strict.float64)
    """
    return xp.minimum(xp.maximum(action, bounds.low), bounds.high)


def unbounded_box(owner: str, space: gym.Space[Any]) -> gym.spaces.Box:
    """Return ``Box(-inf, inf)`` of the space's shape and dtype, or raise for a non-Box space."""
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(f"{owner} requires a Box action space, got {type(space)} ({space})")
    return gym.spaces.Box(-np.inf, np.inf, shape=space.shape, dtype=space.dtype)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]


def action_bounds(
    owner: str, space: gym.spaces.Box, first: Any, *, batch: tuple[int, ...]
) -> tuple[ArrayContract, ActionBounds]:
    """Fix the action contract from the first action and move the bounds to it.

    Actions must be real floating arrays of the space's shape (after ``batch``); every later
    action must have the first one's namespace, device and dtype.
    """
    contract = contract_for(first, owner=owner, name="action", shape=(*batch, *space.shape))
    if not contract.xp.isdtype(first.dtype, "real floating"):
        raise ArrayMismatchError(
            f"{owner}: action has dtype {first.dtype}, expected a real floating dtype"
        )
    contract = contract._replace(dtype=first.dtype)
    xp = contract.xp
    # float64 bounds cannot go to a device without float64; a float32 action needs no more.
    host_dtype = np.float32 if xp.finfo(first.dtype).bits <= 32 else np.float64

    def bound(values: np.ndarray) -> Any:
        moved = convert_array(np.asarray(values, dtype=host_dtype), xp=xp, device=contract.device)
        return xp.astype(moved, first.dtype)

    return contract, ActionBounds(bound(space.low), bound(space.high))


def host_action(action: Any, contract: ArrayContract | None) -> Any:
    """``action`` as a NumPy array when Gymnasium's ``np.clip`` leniency applies, else ``None``.

    It applies to host values while the wrapper's arrays are NumPy (or before its first
    action): lists, tuples, Python numbers, and NumPy arrays whose dtype differs from the first
    action's (a float32 action after float64 ones) or is an integer or bool dtype. A NumPy
    float array seen first fixes the contract instead (``None``).
    """
    if contract is not None and not compat.is_numpy_namespace(contract.xp):
        return None
    value: Any = action
    if _is_numpy(value):
        if contract is None and np.dtype(value.dtype).kind == "f":
            return None
    elif not _is_host_value(value):
        return None
    try:
        host = np.asarray(value)
    except (TypeError, ValueError):  # ragged lists: the strict check names them
        return None
    return host if host.dtype.kind in "biuf" else None


def _is_numpy(value: object) -> bool:
    return isinstance(value, np.ndarray | np.generic)


def _is_host_value(value: object) -> bool:
    return isinstance(value, list | tuple | bool | int | float)


def clip_host_action(
    owner: str, name: str, host: Any, space: gym.spaces.Box, *, batch: tuple[int, ...]
) -> Any:
    """Clip a host action as Gymnasium's ``np.clip(action, low, high)`` does, dtype included.

    The result's dtype is NumPy's promotion of the action's and the space's (a float64 or
    integer action gives float64 on a float32 Box, as in Gymnasium). Unlike ``np.clip`` the
    shape must be exactly ``(*batch, *space.shape)``: broadcasting a scalar is refused.
    """
    expected = (*batch, *space.shape)
    if host.shape != expected:
        raise ArrayMismatchError(f"{owner}: {name} has shape {host.shape}, expected {expected}")
    low: Any = space.low
    high: Any = space.high
    return np.minimum(np.maximum(host, low), high)


class ClipAction(Wrapper[Obs, ArrayT, Obs, ArrayT], gym.utils.RecordConstructorArgs):
    """Clip actions into the env's Box bounds before they reach it.

    Gymnasium's ``ClipAction`` for actions of any namespace on any device: the bounds are
    moved once, at the first action, to its namespace, device and dtype, and each step costs
    one ``maximum`` and one ``minimum``. The action space becomes ``Box(-inf, inf)`` of the same
    shape and dtype, as in Gymnasium 1.x. The first array action fixes the namespace, device
    and dtype; a later action of another namespace, device or shape is rejected with
    :class:`array_env.ArrayMismatchError`. Host values get Gymnasium's ``np.clip`` leniency
    while the actions are NumPy: lists, Python numbers, integer arrays and NumPy arrays of
    another float dtype are clipped with NumPy's promotion (float64 in, float64 out), but their
    shape must match exactly (no broadcasting of a scalar). The vector twin is
    :class:`array_env.vector.ClipAction`.

    Args:
        env: The environment; its action space must be a Box.

    Raises:
        TypeError: If the action space is not a Box.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> env = ClipAction(gym.make("Pendulum-v1"))
        >>> env.action_space
        Box(-inf, inf, (1,), float32)
        >>> _ = env.reset(seed=0)
        >>> _ = env.step(np.array([5.0], dtype=np.float32))  # the env receives [2.0]
        >>> float(env.unwrapped.last_u)
        2.0
    """

    def __init__(self, env: gym.Env[Obs, ArrayT]) -> None:
        action_space: gym.Space[Any] = unbounded_box(type(self).__name__, env.action_space)
        gym.utils.RecordConstructorArgs.__init__(self)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self._bounded: gym.spaces.Box = env.action_space  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        # a host Box describing the actions; the arrays themselves are ArrayT
        self.action_space = action_space  # pyright: ignore[reportAttributeAccessIssue]
        self._contract: ArrayContract | None = None
        self._bounds: ActionBounds | None = None

    def step(self, action: ArrayT) -> tuple[Obs, Any, Any, Any, dict[str, Any]]:
        """Clip the action into the env's bounds and step the env with it."""
        contract, bounds = self._contract, self._bounds
        if contract is None or bounds is None or not contract.matches(action):  # one match
            host = host_action(action, contract)
            if host is not None:  # Gymnasium's leniency for host values
                owner = type(self).__name__
                clipped = clip_host_action(owner, "action", host, self._bounded, batch=())
                return self.env.step(clipped)
            if contract is None or bounds is None:
                contract, bounds = action_bounds(
                    type(self).__name__, self._bounded, action, batch=()
                )
                self._contract, self._bounds = contract, bounds
            else:
                contract.check(action, owner=type(self).__name__, name="action")
        return self.env.step(clip_action(action, bounds, xp=contract.fast_xp))
