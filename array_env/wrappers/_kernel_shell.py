"""The shell every stateless observation wrapper shares: check, then apply a kernel's core.

A stateless wrapper is a *kernel* (host settings read from the space at construction, the
device constants it needs, and a pure core) inside this shell. The shell fixes one
:class:`ArrayContract` per input array at the first contact (namespace, device, dtype, shape),
uploads the kernel's constants once to that namespace and device, and on every later call runs
the contracts' cheap ``matches`` before the core; only a mismatch pays for the full check and
its :class:`ArrayMismatchError`. The single and vector wrappers use the same kernel; the vector
shell passes a leading batch axis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import array_api_compat as compat
import numpy as np

from array_env._ops.flatten import device_dtype, leaf_at
from array_env._tree import format_path
from array_env.convert import convert_array
from array_env.typing import Device, Namespace
from array_env.wrappers._contract import (
    NO_FAST_PATH,
    ArrayContract,
    FastPath,
    contract_for,
    device_to_check,
    fast_path,
)

__all__ = [
    "KernelInput",
    "KernelShell",
    "ObservationKernel",
    "adopt_leaf",
    "anchor_leaf",
    "host_leaf",
]


class KernelInput(NamedTuple):
    """One array a kernel reads from the observation tree.

    Attributes:
        path: Keys and indices from the root observation (``()`` for the observation itself).
        host_dtype: The NumPy dtype the space declares.
        shape: The shape of one observation's leaf (no batch axis).
    """

    path: tuple[Any, ...]
    host_dtype: Any
    shape: tuple[int, ...]


class ObservationKernel:
    """Host settings of a stateless wrapper, its device constants and its core.

    Subclasses set :attr:`inputs` and implement :meth:`upload` and :meth:`apply`.
    """

    inputs: tuple[KernelInput, ...]

    def upload(self, *, xp: Namespace[Any], device: Device) -> Any:
        """Return the core's constants on ``device`` (called once, at the first contact)."""
        return None

    def apply(
        self, constants: Any, leaves: list[Any], *, batch_ndim: int, xp: Namespace[Any]
    ) -> Any:
        """Run the core on the input leaves (in :attr:`inputs` order)."""
        raise NotImplementedError

    def bind(self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]) -> Callable[[Any], Any]:
        """The core of a one-array kernel as a function of that array (everything else bound).

        The shell's fast path calls it once the array has met its contract. Kernels override
        it with a closure over their core alone (one Python call fewer than :meth:`apply`).
        """

        def core(x: Any) -> Any:
            return self.apply(constants, [x], batch_ndim=batch_ndim, xp=xp)

        return core

    def bind_leaves(
        self, constants: Any, *, batch_ndim: int, xp: Namespace[Any]
    ) -> Callable[[Sequence[Any]], Any]:
        """The core as a function of the input leaves (in :attr:`inputs` order) alone."""

        def core(leaves: Sequence[Any]) -> Any:
            return self.apply(constants, list(leaves), batch_ndim=batch_ndim, xp=xp)

        return core


_HOST_SCALARS = (bool, int, float, np.generic)


def host_leaf(x: Any) -> Any:
    """A Python or NumPy scalar (what Gymnasium's Discrete envs return) as a 0-d NumPy array."""
    return np.asarray(x) if isinstance(x, _HOST_SCALARS) else x


def anchor_leaf(leaves: list[Any]) -> Any:
    """The leaf that fixes the namespace and device: the first array (a host scalar if none)."""
    for leaf in leaves:
        if compat.is_array_api_obj(leaf) and not isinstance(leaf, np.generic):
            return leaf
    return host_leaf(leaves[0])


def adopt_leaf(x: Any, contract: ArrayContract) -> Any:
    """A host scalar leaf (Gymnasium's Discrete values) as an array of the contract's namespace.

    Environments hand Discrete values out as Python or NumPy scalars even when their other
    leaves live on a device; they are uploaded (one small transfer) so the core sees one
    namespace. Arrays pass through untouched, to be checked.
    """
    if not isinstance(x, _HOST_SCALARS):
        return x
    return convert_array(np.asarray(x), xp=contract.xp, device=contract.device)


class KernelShell:
    """The contract handling of a stateless wrapper; mixed into a single or vector shell.

    Attributes set by the wrapper's constructor: ``_kernel`` and ``_batch`` (``()`` or
    ``(num_envs,)``).
    """

    _kernel: ObservationKernel
    _batch: tuple[int, ...] = ()
    _contracts: tuple[ArrayContract, ...] | None = None
    _constants: Any = None
    # The fast path of a kernel reading one array, the whole observation (set at first contact):
    # the contract and the bound core in one tuple (see ``FastPath``).
    _fast: FastPath = NO_FAST_PATH
    # The fast path of a kernel reading several entries of a Dict or Tuple observation: one
    # ``itemgetter`` for the leaves, (type, dtype, shape, device) per leaf, the bound core.
    _getter: Callable[[Any], tuple[Any, ...]] | None = None
    _specs: tuple[tuple[type[Any], Any, tuple[int, ...] | None, Any], ...] = ()
    _leaves_core: Callable[[Sequence[Any]], Any]

    def _transform(self, observation: Any) -> Any:
        """Check ``observation`` (a batch in a vector shell) and return the core's output."""
        value: Any = observation  # an identity test on the type would narrow it to ``object``
        array_type, dtype, shape, device, core = self._fast
        if (
            type(value) is array_type
            and ((kind := value.dtype) is dtype or kind == dtype)  # identity: no compare call
            and value.shape == shape
            and (device is None or value.device == device)
        ):  # the contract's ``matches``, inlined: the type test comes first
            return core(value)
        getter = self._getter
        if getter is not None:
            leaves = getter(value)
            for x, (kind, dtype, shape, device) in zip(leaves, self._specs, strict=True):
                if not (
                    type(x) is kind
                    and ((kind := x.dtype) is dtype or kind == dtype)
                    and x.shape == shape
                    and (device is None or x.device == device)
                ):
                    break
            else:
                return self._leaves_core(leaves)
        return self._transform_checked(value)

    def _transform_checked(self, observation: Any) -> Any:
        """The general path: any number of leaves, ``matches`` per leaf, else the full check."""
        kernel = self._kernel
        inputs = kernel.inputs
        leaves = (
            [observation]
            if len(inputs) == 1 and not inputs[0].path
            else [leaf_at(observation, item.path) for item in inputs]
        )
        contracts = self._contracts
        if contracts is None or not all(
            c.matches(x) for c, x in zip(contracts, leaves, strict=True)
        ):
            leaves, contracts = self._contact(leaves, self._batch, "observation")
        return kernel.apply(
            self._constants, leaves, batch_ndim=len(self._batch), xp=contracts[0].fast_xp
        )

    def _transform_one(self, observation: Any, name: str) -> Any:
        """Check and transform one sub-env's observation (a vector shell's ``final_obs`` row)."""
        leaves = [leaf_at(observation, item.path) for item in self._kernel.inputs]
        leaves, contracts = self._contact(leaves, (), name)
        return self._kernel.apply(self._constants, leaves, batch_ndim=0, xp=contracts[0].fast_xp)

    def _contact(
        self, leaves: list[Any], batch: tuple[int, ...], name: str
    ) -> tuple[list[Any], tuple[ArrayContract, ...]]:
        """The slow path: fix the contracts at the first contact, else raise on a mismatch."""
        owner = type(self).__name__
        inputs = self._kernel.inputs
        names = [format_path(item.path, name) for item in inputs]
        contracts = self._contracts
        if contracts is None:
            first = contract_for(anchor_leaf(leaves), owner=owner, name=names[0])
            leaves = [adopt_leaf(x, first) for x in leaves]
            xp, device = first.xp, first.device
            contracts = tuple(
                first._replace(
                    dtype=device_dtype(item.host_dtype, xp=xp, device=device),
                    shape=(*self._batch, *item.shape),
                )
                for item in inputs
            )
            _check_all(contracts, leaves, inputs, batch, owner=owner, names=names)
            self._contracts = contracts
            self._constants = constants = self._kernel.upload(xp=xp, device=device)
            if len(inputs) == 1 and not inputs[0].path:
                core = self._kernel.bind(constants, batch_ndim=len(self._batch), xp=first.fast_xp)
                self._fast = fast_path(contracts[0], core)
            elif len(inputs) > 1 and all(len(item.path) == 1 for item in inputs):
                self._leaves_core = self._kernel.bind_leaves(
                    constants, batch_ndim=len(self._batch), xp=first.fast_xp
                )
                self._specs = tuple(
                    (c.array_type, c.dtype, c.shape, device_to_check(c)) for c in contracts
                )
                self._getter = itemgetter(*(item.path[0] for item in inputs))
        else:
            leaves = [adopt_leaf(x, contracts[0]) for x in leaves]
            _check_all(contracts, leaves, inputs, batch, owner=owner, names=names)
        return leaves, contracts

    def __getstate__(self) -> dict[str, Any]:
        # Contracts travel by name but device constants may not pickle: rebuilt at first contact.
        state = dict(self.__dict__)
        for name in (
            "_contracts",
            "_constants",
            "_fast",
            "_getter",
            "_specs",
            "_leaves_core",
        ):
            state.pop(name, None)
        return state


def _check_all(
    contracts: tuple[ArrayContract, ...],
    leaves: list[Any],
    inputs: tuple[KernelInput, ...],
    batch: tuple[int, ...],
    *,
    owner: str,
    names: list[str],
) -> None:
    for contract, leaf, item, name in zip(contracts, leaves, inputs, names, strict=True):
        contract._replace(shape=(*batch, *item.shape)).check(leaf, owner=owner, name=name)
