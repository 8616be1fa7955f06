"""Vector action transforms: the twins of :mod:`array_env.wrappers.action_transform`.

Each calls the single wrapper's core once on the ``(num_envs, ...)`` batch (Gymnasium loops
over the sub-envs and concatenates into a NumPy buffer).
"""

from __future__ import annotations

from typing import Any, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from array_env.wrappers._contract import ArrayContract
from array_env.wrappers.action_transform import (
    ActionAffine,
    BinTable,
    IndexStream,
    bin_centers,
    check_bins,
    discretize_action,
    float_action_contract,
    host_bin_table,
    require_box,
    rescale_action,
    rescaled_box,
    upload_affine,
    upload_bin_table,
)

__all__ = ["DiscretizeAction", "RescaleAction"]

Obs = TypeVar("Obs")
A = TypeVar("A")  # the vector env's ArrayType (rewards, terminations), passed through untouched


class RescaleAction(VectorWrapper[Obs, Any, Obs, Any, A], gym.utils.RecordConstructorArgs):
    """Affinely rescale the sub-envs' Box action space to ``[min_action, max_action]``.

    The vector twin of :class:`array_env.wrappers.RescaleAction`: one subtraction and one
    division over the ``(num_envs, *shape)`` batch, constants moved once at the first batch.
    Actions keep their namespace, device and dtype (Gymnasium's NumPy version casts them to the
    space's dtype).

    Args:
        env: The vector environment; its single action space must be a Box.
        min_action: The new lower bound (a number or an array of the single Box's shape).
        max_action: The new upper bound (a number or an array of the single Box's shape).

    Raises:
        TypeError: If the action space is not a Box or a bound is not a number or array.
        ValueError: If a bound has the wrong shape or ``min_action > max_action`` somewhere.
        gymnasium.error.InvalidBound: If ``min_action == max_action`` somewhere.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync")
        >>> envs = RescaleAction(envs, min_action=0.0, max_action=1.0)
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.array([[0.0], [0.75]], dtype=np.float32))
        >>> tuple(float(env.unwrapped.last_u) for env in envs.env.envs)
        (-2.0, 1.0)
    """

    def __init__(self, env: VectorEnv[Obs, Any, A], min_action: Any, max_action: Any) -> None:
        owner = type(self).__name__
        box = require_box(owner, env.single_action_space, f"{owner} requires a Box action space")  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
        single, gradient, intercept = rescaled_box(owner, box, min_action, max_action)
        gym.utils.RecordConstructorArgs.__init__(self, min_action=min_action, max_action=max_action)
        VectorWrapper.__init__(self, env)
        self.single_action_space = single
        self.action_space = batch_space(single, self.num_envs)
        self._shape: tuple[int, ...] = box.shape
        self._host_affine = (gradient, intercept)
        self._contract: ArrayContract | None = None
        self._affine: ActionAffine | None = None

    def actions(self, actions: Any) -> Any:
        """Map a batch of actions of the new Box onto the sub-envs' Box."""
        contract, affine = self._contract, self._affine
        if contract is None or affine is None:
            shape = (self.num_envs, *self._shape)
            contract = float_action_contract(type(self).__name__, "actions", actions, shape)
            affine = upload_affine(self._host_affine, contract, actions.dtype)
            self._contract, self._affine = contract, affine
        elif not contract.matches(actions):
            contract.check(actions, owner=type(self).__name__, name="actions")
        return rescale_action(actions, affine, xp=contract.fast_xp)

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs with the actions mapped back onto their Box."""
        return self.env.step(self.actions(actions))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_contract"] = state["_affine"] = None
        return state


class DiscretizeAction(VectorWrapper[Obs, Any, Obs, Any, A], gym.utils.RecordConstructorArgs):
    """Discretize the sub-envs' bounded Box action space into even bins.

    The vector twin of :class:`array_env.wrappers.DiscretizeAction` (Gymnasium has none): a batch
    of flat indices ``(num_envs,)``, or of per-dimension indices ``(num_envs, n_dims)`` with
    ``multidiscrete=True``, becomes a batch of bin centres in one gather. Host (NumPy) indices
    give NumPy actions; index arrays of another namespace give actions there, on their device.

    Args:
        env: The vector environment; its single action space must be a bounded Box.
        bins: Bins per dimension: one count for all, or one per dimension of the flattened Box.
        multidiscrete: Expose ``MultiDiscrete(bins)`` per sub-env instead of ``Discrete``.

    Raises:
        TypeError: If the action space is not a Box.
        ValueError: If the Box is unbounded, or ``bins`` does not match its dimensions.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = gym.make_vec("Pendulum-v1", 2, vectorization_mode="sync")
        >>> envs = DiscretizeAction(envs, bins=4)
        >>> envs.action_space
        MultiDiscrete([4 4])
        >>> _ = envs.reset(seed=0)
        >>> _ = envs.step(np.array([0, 3]))
        >>> tuple(float(env.unwrapped.last_u) for env in envs.env.envs)
        (-1.5, 1.5)
    """

    def __init__(
        self, env: VectorEnv[Obs, Any, A], bins: int | tuple[int, ...], multidiscrete: bool = False
    ) -> None:
        owner = type(self).__name__
        box = require_box(
            owner,
            env.single_action_space,  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            f"{owner} is only compatible with Box continuous actions",
        )
        low, high = np.ravel(box.low), np.ravel(box.high)
        if np.any(np.isinf(low)) or np.any(np.isinf(high)):
            raise ValueError(
                f"{owner}: discretization requires action space to be finite. "
                f"Found: low={low}, high={high}"
            )
        counts = check_bins(owner, bins, int(low.size))
        gym.utils.RecordConstructorArgs.__init__(self, bins=bins, multidiscrete=multidiscrete)
        VectorWrapper.__init__(self, env)
        self._box = box
        self.low, self.high, self.n_dims = low, high, int(low.size)
        self.bins = counts
        self.multidiscrete = multidiscrete
        self.bin_centers = bin_centers(low, high, counts)
        self._host_table = host_bin_table(self.bin_centers, counts)
        single: gym.Space[Any] = (
            gym.spaces.MultiDiscrete(counts)
            if multidiscrete
            else gym.spaces.Discrete(int(np.prod(counts)))
        )
        self.single_action_space = single
        self.action_space = batch_space(single, self.num_envs)
        shape = (self.num_envs, self.n_dims) if multidiscrete else (self.num_envs,)
        self._indices = IndexStream(owner, "actions", shape)
        self._table: BinTable | None = None

    def actions(self, actions: Any) -> Any:
        """Return each sub-env's chosen bin centre, a batch of the sub-envs' Box."""
        index, contract, first = self._indices.admit(actions)
        table = self._table
        if first or table is None or index.dtype != table.bins.dtype:
            table = upload_bin_table(self._host_table, self._box.dtype, contract, index.dtype)
        out = discretize_action(
            index,
            table,
            multidiscrete=self.multidiscrete,
            shape=self._box.shape,
            xp=contract.fast_xp,
        )
        if first:
            self._indices.fix(contract, compat.is_numpy_array(index))
        self._table = table
        return out

    def step(self, actions: Any) -> tuple[Obs, A, A, A, dict[str, Any]]:
        """Step the sub-envs with the chosen bin centres."""
        return self.env.step(self.actions(actions))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_table"] = None
        indices = self._indices
        state["_indices"] = IndexStream(indices.owner, indices.name, indices.shape)
        return state
