"""Observation wrappers: the functional cores and their single-environment shells.

Each wrapper's maths is a pure function of (state, input) written with ``xp``; the class holds
the state, resolves namespace and device at its first contact, and delegates. The vector twins
in :mod:`array_env.vector.observation` call the same cores with a leading batch axis.
"""

from __future__ import annotations

from collections import deque
from copy import deepcopy
from typing import Any, Protocol, Self, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound
from gymnasium.vector.utils import batch_space

from array_env._checks import ArrayMismatchError
from array_env._ops.ring_buffer import (
    RingLayout,
    make_layout,
    push_frame,
    stacked_frames,
    start_ring,
)
from array_env._ops.running_moments import (
    Moments,
    merge_centred_batch,
    require_finite,
    update_moments,
    update_moments_one,
)
from array_env._ops.stop_gradient import stop_gradient
from array_env._tree import format_path
from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.typing import ArrayT, Namespace
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._moments_holder import MomentsHolder, RunningMeanStdView
from array_env.wrappers._stack_leaves import (
    StackLeaf,
    assemble,
    frame_stack_settings,
    leaf_values,
    space_dtype,
)

__all__ = [
    "FrameStackObservation",
    "NormalizeObservation",
    "normalize_observation",
    "update_and_normalize",
]

Act = TypeVar("Act")


class _Frame(Protocol):
    """What FrameStackObservation needs of an observation type: an array, of any dtype.

    Narrower than :class:`array_env.typing.Array` on purpose: that protocol's arithmetic is
    Self-typed, which ``NDArray[uint8]`` (image frames) and other integer arrays do not satisfy,
    and stacking does no arithmetic on the frames' type.
    """

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The array's shape."""
        ...

    @property
    def dtype(self) -> Any:
        """The array's data type object (backend-specific)."""
        ...

    @property
    def device(self) -> Any:
        """The device the array lives on (backend-specific)."""
        ...

    def __getitem__(self, key: Any, /) -> Self: ...


FrameT = TypeVar("FrameT", bound=_Frame)


def normalize_observation(
    moments: Moments[ArrayT],
    observation: ArrayT,
    *,
    epsilon: float | ArrayT,
    dtype: Any,
    xp: Namespace[ArrayT],
) -> ArrayT:
    """Centre and scale ``observation`` with the running statistics, then cast to ``dtype``.

    Args:
        moments: The running statistics (their shape broadcasts against ``observation``).
        observation: One observation, or a batch with a leading axis.
        epsilon: Added to the variance under the square root (a number, or a 0-d array of
            the statistics' dtype).
        dtype: The output dtype (float32, as Gymnasium declares).
        xp: The namespace of both.
    """
    scaled = observation - moments.mean
    scaled /= xp.sqrt(moments.var + epsilon)  # in place: `scaled` is a fresh array
    return xp.astype(scaled, dtype)


def update_and_normalize(
    moments: Moments[ArrayT],
    batch: ArrayT,
    *,
    epsilon: float | ArrayT,
    dtype: Any,
    xp: Namespace[ArrayT],
) -> tuple[Moments[ArrayT], ArrayT]:
    """:func:`update_moments` then :func:`normalize_observation` on a batch, in one working array.

    The vector wrapper's step: on large batches the passes over memory set the speed, so the
    float64 statistics work in a single widened copy of the batch, updated in place (centred
    on its first sample for the sums, then on the new mean, then scaled), instead of a fresh
    array per operation. The results equal the two functions'. Float32 statistics (no float64
    on the device) take the two functions as they are.

    Args:
        moments: The running statistics.
        batch: Observations stacked on axis 0, any real dtype (never written).
        epsilon: Added to the variance under the square root.
        dtype: The output dtype.
        xp: The namespace of both.

    Examples:
        >>> import numpy as np
        >>> from array_env._ops.running_moments import init_moments
        >>> m = init_moments((2,), xp=np, device="cpu", prior_count=0.0)
        >>> m, out = update_and_normalize(
        ...     m, np.asarray([[1.0, 5.0], [3.0, 5.0]]), epsilon=1e-8, dtype=np.float32, xp=np
        ... )
        >>> m.mean.tolist(), out.tolist()
        ([2.0, 5.0], [[-1.0, 0.0], [1.0, 0.0]])
    """
    n = batch.shape[0]
    if moments.low is not None or n is None:
        updated = update_moments(moments, batch, xp=xp)
        return updated, normalize_observation(updated, batch, epsilon=epsilon, dtype=dtype, xp=xp)
    work = xp.astype(batch, moments.mean.dtype)  # a copy: the batch is never written
    first = xp.asarray(work[0, ...], copy=True)  # not a view: `work` changes in place below
    work -= first
    updated = merge_centred_batch(moments, work, first, xp=xp)
    work -= updated.mean - first
    work /= xp.sqrt(updated.var + epsilon)
    return updated, xp.astype(work, dtype)


def check_epsilon(owner: str, epsilon: object) -> None:
    """Raise unless ``epsilon`` is a strictly positive real number (Gymnasium's wording).

    Raises:
        TypeError: If ``epsilon`` is not an int or float (Python or NumPy; bool is refused).
        gymnasium.error.InvalidBound: If it is not strictly positive (NaN included).
    """
    # Gymnasium compares first and fails with a bare TypeError; bool passes its comparison.
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.integer | np.floating):
        raise TypeError(
            f"{owner}: `epsilon` should be a real number, got {type(epsilon).__name__} {epsilon!r}"
        )
    if not epsilon > 0:
        raise InvalidBound(f"{owner}: `epsilon` should be strictly positive. Received {epsilon}")


def normalized_box(owner: str, space: gym.Space[Any]) -> gym.spaces.Box:
    """Return the unbounded float32 Box of the space's shape (Gymnasium's rule).

    Gymnasium accepts every space that has a shape (Box, Discrete, MultiDiscrete, MultiBinary).

    Raises:
        ValueError: If the space has no shape (Dict, Tuple, Text, ...), as Gymnasium raises.
    """
    if space.shape is None:
        raise ValueError(
            f"{owner}: NormalizeObservation wrapper requires the observation space to have a "
            f"shape, got {type(space).__name__} ({space})"
        )
    return gym.spaces.Box(low=-np.inf, high=np.inf, shape=space.shape, dtype=np.float32)


class ObservationMoments(MomentsHolder):
    """What NormalizeObservation adds to :class:`MomentsHolder`, single and vector alike."""

    _not_pickled = ("_float32", "_cast", "_epsilon")  # derived again at the first contact
    _host_dtype: Any
    _float32: Any
    _cast: bool
    _epsilon: tuple[Any, Any] | None
    epsilon: float

    def _device_epsilon(self, contract: ArrayContract) -> Any:
        """Return ``epsilon`` as a 0-d array of the statistics' dtype, made again if assigned.

        NumPy adds a Python float to an array at about twice the cost of a 0-d array.
        """
        cached = self._epsilon
        if cached is not None and cached[0] is self.epsilon:
            return cached[1]
        value = contract.xp.asarray(
            self.epsilon, dtype=self._moments.mean.dtype, device=contract.device
        )
        self._epsilon = (self.epsilon, value)
        return value

    def _observation_contract(
        self, observations: Any, *, name: str, shape: tuple[int, ...]
    ) -> ArrayContract:
        """Check ``observations``; at the first contact, fix the contract and the dtypes."""
        contract = self._contract
        if contract is None:
            contract = self._adopt(
                contract_for(
                    observations,
                    owner=type(self).__name__,
                    name=name,
                    host_dtype=self._host_dtype,
                    shape=shape,
                )
            )
            self._float32 = contract.xp.float32
            self._cast = not contract.xp.isdtype(contract.dtype, "real floating")
            self._epsilon = None
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name=name)
        return contract

    @property
    def obs_rms(self) -> RunningMeanStdView:
        """The observation statistics, as Gymnasium's ``RunningMeanStd``.

        ``mean``, ``var`` and ``count`` are readable and assignable (validated as
        :meth:`load_state_dict` does, on the same device state as :meth:`state_dict`);
        assigning a ``RunningMeanStd`` (Gymnasium's, or another wrapper's ``obs_rms``) copies
        its three values: ``eval_env.obs_rms = train_env.obs_rms``.
        """
        return RunningMeanStdView(self)

    @obs_rms.setter
    def obs_rms(self, source: Any) -> None:
        RunningMeanStdView(self).assign(source)


class NormalizeObservation(
    ObservationMoments, Wrapper[ArrayT, Act, ArrayT, Act], gym.utils.RecordConstructorArgs
):
    """Normalise observations to zero mean and unit variance with running statistics.

    The statistics (float64 where the backend has it) live on the observations' device and are
    updated on every ``reset`` and ``step`` while :attr:`update_running_mean` is true; set it to
    ``False`` to freeze them, e.g. for evaluation. Observations come back as float32 in the
    input's namespace, on its device; the observation space becomes an unbounded float32 Box.
    :meth:`state_dict` and :meth:`load_state_dict` save and restore the statistics as plain
    arrays, and :attr:`obs_rms` shows them as Gymnasium's ``RunningMeanStd`` (``mean``, ``var``,
    ``count``, readable and assignable). Every space with a shape is accepted, as in Gymnasium
    (Discrete observations may be Python ints). The statistics never join an autograd graph:
    a PyTorch observation that requires grad is counted detached (that step's output keeps its
    gradient through the observation). The vector twin is
    :class:`array_env.vector.NormalizeObservation`.

    Non-finite values: as in Gymnasium, one NaN or infinite observation makes the statistics,
    and every later output, NaN for the rest of the run, silently. ``check_finite=True`` rejects
    such an observation with ``ValueError`` before the statistics change (one host read per
    step: a synchronisation on a GPU, so it is off by default). With float32 statistics (no
    float64 on the device), finite observations up to float32's range keep them finite.

    Args:
        env: The environment; its observation space must have a shape.
        epsilon: Added to the variance under the square root; must be positive.
        check_finite: Reject non-finite observations before they reach the statistics.

    Raises:
        TypeError: If ``epsilon`` is not a real number.
        gymnasium.error.InvalidBound: If ``epsilon`` is not positive.
        ValueError: If the observation space has no shape (Dict, Tuple, ...).

    Examples:
        >>> import gymnasium as gym
        >>> env = NormalizeObservation(gym.make("CartPole-v1"))
        >>> obs, _ = env.reset(seed=123)
        >>> obs.dtype, obs.shape, env.observation_space.dtype
        (dtype('float32'), (4,), dtype('float32'))
        >>> for action in [0, 1] * 10:  # alternate pushes: the pole stays up
        ...     obs, *_ = env.step(action)
        >>> bool(abs(obs).max() < 5)
        True
        >>> sorted(env.state_dict())
        ['count', 'mean', 'var']
    """

    _namespace_fields = ()

    def __init__(
        self, env: gym.Env[ArrayT, Act], epsilon: float = 1e-8, *, check_finite: bool = False
    ) -> None:
        check_epsilon(type(self).__name__, epsilon)
        observation_space = normalized_box(type(self).__name__, env.observation_space)
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        # a float32 Box, whose samples are NumPy arrays rather than the env's array type ArrayT
        self.observation_space = observation_space  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        self.epsilon = epsilon
        self.check_finite = bool(check_finite)
        self._host_dtype = env.observation_space.dtype
        self._init_moments(observation_space.shape)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[ArrayT, dict[str, Any]]:
        """Reset the env and normalise (and count) its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        return self._normalize(observation), info

    def step(self, action: Act) -> tuple[ArrayT, Any, Any, Any, dict[str, Any]]:
        """Step the env and normalise (and count) the observation."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._normalize(observation), reward, terminated, truncated, info

    def _normalize(self, observation: ArrayT) -> Any:
        contract = self._contract
        if contract is None or not contract.matches(observation):
            observation = host_leaf_value(observation, self._host_dtype)  # a Discrete env's int
            contract = self._observation_contract(
                observation, name="observation", shape=self._moments_shape
            )
        xp = contract.fast_xp
        if self._cast:
            observation = xp.astype(observation, self._moments.mean.dtype)
        if self.check_finite:
            require_finite(observation, owner=type(self).__name__, name="observation", xp=xp)
        if self.update_running_mean:  # the statistics never join an autograd graph
            self._moments = update_moments_one(self._moments, stop_gradient(observation), xp=xp)
        epsilon = self._device_epsilon(contract)
        return normalize_observation(
            self._moments, observation, epsilon=epsilon, dtype=self._float32, xp=xp
        )


def host_leaf_value(value: Any, dtype: Any) -> Any:
    """A Python number as a NumPy array of the leaf's dtype, a NumPy scalar as a 0-d array.

    Gymnasium's Discrete envs return Python ints (FrozenLake) or NumPy integers, and its
    FrameStackObservation stacks them with NumPy; this accepts the same values. Anything else
    is returned unchanged, for the contract to check.
    """
    if isinstance(value, bool | int | float):
        return np.asarray(value, dtype=dtype)
    return np.asarray(value) if _is_numpy_scalar(value) else value


def _is_numpy_scalar(value: object) -> bool:
    return isinstance(value, np.generic)


class FrameStackObservation(Wrapper[FrameT, Act, FrameT, Act], gym.utils.RecordConstructorArgs):
    """Return the last ``stack_size`` observations stacked on a new leading axis, oldest first.

    Behaves as Gymnasium's ``FrameStackObservation`` (same padding options: ``"reset"`` repeats
    the reset observation, ``"zero"`` pads with Gymnasium's zero value of the space, or a
    custom value inside the observation space; same ``observation_space``, ``stack_size`` and
    ``padding_type``), for observations of any namespace on any device; stacks come back in
    that namespace and on that device. Every space Gymnasium stacks is stacked: Box, Discrete,
    MultiDiscrete and MultiBinary values into one array; Dict and Tuple leaf by leaf (a
    ``dict``/``tuple`` of stacks); Text, Graph, Sequence, OneOf and other non-array values as a
    tuple of the last ``stack_size`` values, as Gymnasium returns them. Array frames live in a
    preallocated ring buffer (:mod:`array_env._ops.ring_buffer`) per leaf: a step writes one
    frame and gathers the stack into a new array, instead of shifting the stack. Frames are
    stored detached from any autograd graph. The vector twin is
    :class:`array_env.vector.FrameStackObservation`.

    Args:
        env: The environment.
        stack_size: The number of frames per stack, at least 1.
        padding_type: ``"reset"``, ``"zero"``, or a value inside the observation space.

    Raises:
        TypeError: If ``stack_size`` is not an integer.
        ValueError: If ``stack_size < 1`` or ``padding_type`` is invalid.

    Examples:
        >>> import gymnasium as gym
        >>> env = FrameStackObservation(gym.make("CartPole-v1"), 3, padding_type="zero")
        >>> env.observation_space.shape
        (3, 4)
        >>> obs, _ = env.reset(seed=123)
        >>> [round(float(x), 5) for x in obs[:, 0]]
        [0.0, 0.0, 0.01824]
        >>> obs, *_ = env.step(1)
        >>> [round(float(x), 5) for x in obs[:, 0]]
        [0.0, 0.01824, 0.01734]
    """

    def __init__(
        self, env: gym.Env[FrameT, Act], stack_size: int, *, padding_type: str | FrameT = "reset"
    ) -> None:
        padding_kind, leaves = frame_stack_settings(
            type(self).__name__, env.observation_space, stack_size, padding_type
        )
        gym.utils.RecordConstructorArgs.__init__(
            self, stack_size=stack_size, padding_type=padding_type
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = batch_space(env.observation_space, n=int(stack_size))
        self.stack_size: int = int(stack_size)
        self.padding_type: str = padding_kind
        self._leaves = leaves
        self._root_leaf = len(leaves) == 1 and leaves[0].path == ()
        self._root_array = self._root_leaf and leaves[0].is_array
        self._contracts: list[ArrayContract | None] = [None] * len(leaves)
        self._layouts: list[Any] = [None] * len(leaves)
        self._paddings: list[Any] = [None] * len(leaves)
        self._rings: list[Any] | None = None  # a FrameRing per array leaf, a deque per other

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[FrameT, dict[str, Any]]:
        """Reset the env and start the stack from its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        values = self._checked(observation)
        rings: list[Any] = []
        for i, (leaf, value) in enumerate(zip(self._leaves, values, strict=True)):
            if leaf.is_array:
                xp = self._xp(i)
                rings.append(start_ring(stop_gradient(value), layout=self._layouts[i],
                                        padding=self._paddings[i], xp=xp))  # fmt: skip
            else:
                pad = value if leaf.padding is None else leaf.padding
                rings.append(deque([pad] * (self.stack_size - 1) + [value], self.stack_size))
        self._rings = rings
        return self._stacked(rings), info

    def step(self, action: Act) -> tuple[FrameT, Any, Any, Any, dict[str, Any]]:
        """Step the env and push its observation onto the stack."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        rings = self._rings
        if rings is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        contract = self._contracts[0]
        if self._root_array and contract is not None:  # one array: the step path of a Box
            if not contract.matches(observation):
                observation = self._checked(observation)[0]
            xp, layout = contract.fast_xp, self._layouts[0]
            rings[0] = ring = push_frame(rings[0], stop_gradient(observation), layout=layout,
                                         xp=xp)  # fmt: skip
            return stacked_frames(ring, layout=layout, xp=xp), reward, terminated, truncated, info
        values = self._checked(observation)
        for i, (leaf, value) in enumerate(zip(self._leaves, values, strict=True)):
            if leaf.is_array:
                rings[i] = push_frame(rings[i], stop_gradient(value), layout=self._layouts[i],
                                      xp=self._xp(i))  # fmt: skip
            else:
                rings[i].append(value)
        return self._stacked(rings), reward, terminated, truncated, info

    def _xp(self, i: int) -> Any:
        contract = self._contracts[i]
        assert contract is not None
        return contract.fast_xp

    def _stacked(self, rings: list[Any]) -> Any:
        out = [
            stacked_frames(ring, layout=self._layouts[i], xp=self._xp(i))
            if leaf.is_array
            else deepcopy(tuple(ring))
            for i, (leaf, ring) in enumerate(zip(self._leaves, rings, strict=True))
        ]
        return out[0] if self._root_leaf else assemble(self.env.observation_space, out)

    def _checked(self, observation: Any) -> list[Any]:
        """Each leaf's value, checked; fixes the contracts at the first contact (all or none)."""
        owner = type(self).__name__
        values = stack_leaf_values(owner, self._leaves, observation, self._root_leaf)
        fixed: list[tuple[int, ArrayContract]] = []
        for i, leaf in enumerate(self._leaves):
            contract = self._contracts[i]
            if not leaf.is_array or (contract is not None and contract.matches(values[i])):
                continue
            value = values[i] = host_leaf_value(values[i], space_dtype(leaf.space))
            name = format_path(leaf.path, "observation")
            if contract is None:
                fixed.append((i, contract_for(
                    value, owner=owner, name=name, host_dtype=space_dtype(leaf.space),
                    shape=leaf.space.shape,
                )))  # fmt: skip
            else:
                contract.check(value, owner=owner, name=name)
        if fixed:
            built = [
                (
                    i,
                    contract,
                    *frame_stack_constants(
                        contract,
                        self.stack_size,
                        batch_ndim=0,
                        frame_ndim=len(contract.shape or ()),
                        host_padding=self._leaves[i].padding,
                    ),
                )
                for i, contract in fixed
            ]
            for i, contract, layout, padding in built:
                self._contracts[i], self._layouts[i], self._paddings[i] = contract, layout, padding
        return values


def stack_leaf_values(owner: str, leaves: list[StackLeaf], tree: Any, root: bool) -> list[Any]:
    """The leaves' values of an observation; :class:`ArrayMismatchError` if one is missing."""
    if root:
        return [tree]
    try:
        return leaf_values(leaves, tree)
    except (KeyError, IndexError, TypeError) as e:
        raise ArrayMismatchError(
            f"{owner}: observation does not have the observation space's structure "
            f"(missing {e!r}), got {type(tree).__name__}"
        ) from None


def frame_stack_constants(
    contract: ArrayContract,
    stack_size: int,
    *,
    batch_ndim: int,
    frame_ndim: int,
    host_padding: Any,
) -> tuple[RingLayout, Any]:
    """The ring layout and the padding frame on the contract's namespace and device."""
    layout = make_layout(
        stack_size, batch_ndim=batch_ndim, frame_ndim=frame_ndim,
        pad_with_first=host_padding is None, xp=contract.xp, device=contract.device,
    )  # fmt: skip
    if host_padding is None:
        return layout, None
    padding = convert_array(host_padding, xp=contract.xp, device=contract.device)
    return layout, contract.xp.astype(padding, contract.dtype)
