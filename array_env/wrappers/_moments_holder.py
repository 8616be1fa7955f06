"""The running-statistics state NormalizeObservation and NormalizeReward share, single and vector.

:class:`MomentsHolder` keeps the :class:`ArrayContract`, the :class:`Moments` and the
``update_running_mean`` switch, saves and loads them as plain arrays, and pickles them through
the host. :class:`RunningMeanStdView` shows them as Gymnasium's ``RunningMeanStd`` does
(``mean``, ``var``, ``count``), readable and assignable, so ``env.return_rms.var`` and
``eval_env.obs_rms = train_env.obs_rms`` work unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from array_env._namespace import PicklableNamespaces, resolve_namespace
from array_env._ops.running_moments import (
    Moments,
    init_moments,
    moments_from_state_dict,
    moments_state_dict,
    statistics_dtype,
)
from array_env.convert import convert_array, to_namespace
from array_env.wrappers._contract import ArrayContract

__all__ = ["MomentsHolder", "RunningMeanStdView", "not_pickled"]


def not_pickled(cls: type) -> set[str]:
    """The attributes every class in ``cls``'s MRO declares in its own ``_not_pickled``."""
    names: set[str] = set()
    for klass in cls.__mro__:
        names.update(vars(klass).get("_not_pickled", ()))
    return names


class MomentsHolder(PicklableNamespaces):
    """The state handling NormalizeObservation and NormalizeReward share, single and vector.

    Holds the :class:`ArrayContract` (``None`` until the first array), the running statistics
    and the ``update_running_mean`` switch, and implements ``state_dict``/``load_state_dict``.
    Statistics start on the host (NumPy float64) and move to the contract's namespace and
    device at the first contact, so state loaded before the first ``reset`` is kept.

    Pickling sends :meth:`state_dict` through the host; every class in the hierarchy lists in
    its own ``_not_pickled`` the attributes it derives again at the copy's first contact.
    """

    _namespace_fields = ()
    _not_pickled: ClassVar[tuple[str, ...]] = ("_contract", "_moments")
    _device_arrays: ClassVar[tuple[str, ...]] = ()
    """Further array attributes (``None`` or arrays) that travel to the host when pickled."""

    _contract: ArrayContract | None
    _moments: Moments[Any]
    _moments_shape: tuple[int, ...]
    update_running_mean: bool
    """Whether ``reset``/``step`` update the statistics (set ``False`` to freeze them)."""

    def _init_moments(self, shape: tuple[int, ...]) -> None:
        self._contract = None
        self._moments_shape = shape
        self._moments = init_moments(shape, xp=resolve_namespace("numpy"), device="cpu")
        self.update_running_mean = True

    def _adopt(self, contract: ArrayContract) -> ArrayContract:
        """Fix the contract and move the statistics to its namespace and device.

        Everything is built first and assigned last: a failure (a device out of memory) leaves
        the holder as it was, still without a contract.
        """
        state = self._state_arrays()
        previous = self._contract
        self._contract = contract
        try:
            loaded = self._loaded_arrays(state)
            moved = {
                name: convert_array(value, xp=contract.xp, device=contract.device)
                for name in self._device_arrays
                if (value := getattr(self, name)) is not None
            }
        except BaseException:
            self._contract = previous
            raise
        self._assign_arrays(loaded)
        for name, value in moved.items():
            setattr(self, name, value)
        return contract

    def __getstate__(self) -> dict[str, Any]:
        # Namespaces and some devices do not pickle: send the state to the host, and let the
        # copy resolve its contract again at its first contact.
        state = super().__getstate__()
        state["_saved_arrays"] = to_namespace(self._state_arrays(), "numpy")
        for name in not_pickled(type(self)):
            state.pop(name, None)
        for name in self._device_arrays:
            state[name] = to_namespace(state.get(name), "numpy")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        saved = state.pop("_saved_arrays")
        super().__setstate__(state)
        self._contract = None
        self._assign_arrays(self._loaded_arrays(saved))

    @property
    def _statistics_dtype(self) -> Any:
        contract = self._contract
        assert contract is not None
        return statistics_dtype(contract.xp, contract.device)

    def _state_arrays(self) -> dict[str, Any]:
        return dict(moments_state_dict(self._moments))

    def _loaded_arrays(self, state: dict[str, Any]) -> dict[str, Any]:
        """Validate ``state`` and build the new state; assigns nothing (all or nothing).

        Subclasses extend both this and :meth:`_assign_arrays` with their own keys.
        """
        contract = self._contract
        if contract is None:  # on the host until the first contact; float32 state stays so
            xp, device = resolve_namespace("numpy"), "cpu"
            dtype = np.float32 if "mean_low" in state else np.float64
        else:
            xp, device, dtype = contract.fast_xp, contract.device, self._statistics_dtype
        moments = moments_from_state_dict(
            state,
            xp=xp,
            device=device,
            dtype=dtype,
            shape=self._moments_shape,
            owner=type(self).__name__,
        )
        return {"moments": moments}

    def _assign_arrays(self, loaded: dict[str, Any]) -> None:
        self._moments = loaded["moments"]

    def state_dict(self) -> dict[str, Any]:
        """Return the statistics as a dict of plain arrays, in the wrapper's namespace.

        ``numpy.savez(path, **array_env.to_namespace(env.state_dict(), "numpy"))`` saves it.
        """
        return self._state_arrays()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Load :meth:`state_dict`'s arrays, of any backend and device (``numpy.load`` works).

        Every value is checked before any is assigned: a rejected dict changes nothing.

        Raises:
            KeyError: If a key is missing.
            ValueError: If an array has the wrong shape, or a value is impossible (not a real
                number, not finite, a negative variance, a count that is not positive).
        """
        self._assign_arrays(self._loaded_arrays(dict(state)))


class RunningMeanStdView:
    """Gymnasium's ``RunningMeanStd`` attributes over a wrapper's device statistics.

    ``mean`` and ``var`` read as arrays of the wrapper's namespace (NumPy before the first
    contact), ``count`` as a Python float, as Gymnasium's. Assigning one of them goes through
    the wrapper's ``load_state_dict`` (same checks: a rejected value changes nothing), so the
    view, :meth:`MomentsHolder.state_dict` and the wrapper's outputs always agree. The view
    holds no state of its own: it reads the wrapper each time.

    Examples:
        >>> import gymnasium as gym
        >>> from array_env.wrappers import NormalizeReward
        >>> env = NormalizeReward(gym.make("CartPole-v1"))
        >>> env.return_rms.var = 4.0
        >>> float(env.return_rms.var), env.return_rms.count
        (4.0, 0.0001)
    """

    __slots__ = ("_holder",)

    def __init__(self, holder: MomentsHolder) -> None:
        self._holder = holder

    def __repr__(self) -> str:
        return f"RunningMeanStdView(mean={self.mean!r}, var={self.var!r}, count={self.count!r})"

    @property
    def mean(self) -> Any:
        """The running mean (an array of the statistics' shape)."""
        return self._value("mean")

    @mean.setter
    def mean(self, value: Any) -> None:
        self._set(mean=value)

    @property
    def var(self) -> Any:
        """The running population variance (an array of the statistics' shape)."""
        return self._value("var")

    @var.setter
    def var(self, value: Any) -> None:
        self._set(var=value)

    @property
    def count(self) -> float:
        """The number of samples seen, plus the prior's pseudo-count (1e-4)."""
        return float(to_namespace(self._value("count"), "numpy"))

    @count.setter
    def count(self, value: Any) -> None:
        self._set(count=value)

    def assign(self, source: Any) -> None:
        """Copy ``mean``, ``var`` and ``count`` from a ``RunningMeanStd`` or another view."""
        self._set(mean=source.mean, var=source.var, count=source.count)

    def _value(self, key: str) -> Any:
        state = self._holder.state_dict()
        low = state.get(f"{key}_low")
        return state[key] if low is None else state[key] + low

    def _set(self, **values: Any) -> None:
        state = self._holder.state_dict()
        for key, value in values.items():
            state[key] = value
            if f"{key}_low" in state:  # the assigned value is exact: no low-order part
                state[f"{key}_low"] = state[f"{key}_low"] * 0
        self._holder.load_state_dict(state)
