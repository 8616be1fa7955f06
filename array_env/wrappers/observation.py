"""Observation wrappers: the functional cores and their single-environment shells.

Each wrapper's maths is a pure function of (state, input) written with ``xp``; the class holds
the state, resolves namespace and device at its first contact, and delegates. The vector twins
in :mod:`array_env.vector.observation` call the same cores with a leading batch axis.
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium.error import InvalidBound
from gymnasium.vector.utils import batch_space

from array_env._ops.ring_buffer import (
    FrameRing,
    RingLayout,
    make_layout,
    push_frame,
    stacked_frames,
    start_ring,
)
from array_env._ops.running_moments import (
    Moments,
    update_moments_one,
)
from array_env.convert import convert_array
from array_env.core import Wrapper
from array_env.typing import ArrayT, Namespace
from array_env.wrappers._contract import ArrayContract, contract_for
from array_env.wrappers._moments_holder import MomentsHolder

__all__ = ["FrameStackObservation", "NormalizeObservation", "normalize_observation"]

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
    epsilon: float,
    dtype: Any,
    xp: Namespace[ArrayT],
) -> ArrayT:
    """Centre and scale ``observation`` with the running statistics, then cast to ``dtype``.

    Args:
        moments: The running statistics (their shape broadcasts against ``observation``).
        observation: One observation, or a batch with a leading axis.
        epsilon: Added to the variance under the square root.
        dtype: The output dtype (float32, as Gymnasium declares).
        xp: The namespace of both.
    """
    scaled = (observation - moments.mean) / xp.sqrt(moments.var + epsilon)
    return xp.astype(scaled, dtype)


def check_epsilon(owner: str, epsilon: float) -> None:
    """Raise :class:`gymnasium.error.InvalidBound` unless ``epsilon`` is strictly positive."""
    if not epsilon > 0:
        raise InvalidBound(f"{owner}: epsilon must be strictly positive, got {epsilon}")


def normalized_box(owner: str, space: gym.Space[Any]) -> gym.spaces.Box:
    """Return the unbounded float32 Box of the same shape, or raise for a non-Box space."""
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(
            f"{owner}: expected a Box observation space, got {type(space).__name__} ({space})"
        )
    return gym.spaces.Box(low=-np.inf, high=np.inf, shape=space.shape, dtype=np.float32)


class ObservationMoments(MomentsHolder):
    """What NormalizeObservation adds to :class:`MomentsHolder`, single and vector alike."""

    _not_pickled = ("_float32", "_cast")  # derived again at the copy's first contact
    _host_dtype: Any
    _float32: Any
    _cast: bool

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
        elif not contract.matches(observations):
            contract.check(observations, owner=type(self).__name__, name=name)
        return contract


class NormalizeObservation(
    ObservationMoments, Wrapper[ArrayT, Act, ArrayT, Act], gym.utils.RecordConstructorArgs
):
    """Normalise observations to zero mean and unit variance with running statistics.

    The statistics (float64 where the backend has it) live on the observations' device and are
    updated on every ``reset`` and ``step`` while :attr:`update_running_mean` is true; set it to
    ``False`` to freeze them, e.g. for evaluation. Observations come back as float32 in the
    input's namespace, on its device; the observation space becomes an unbounded float32 Box.
    :meth:`state_dict` and :meth:`load_state_dict` save and restore the statistics as plain
    arrays. The vector twin is :class:`array_env.vector.NormalizeObservation`.

    Args:
        env: The environment; its observation space must be a Box.
        epsilon: Added to the variance under the square root; must be positive.

    Raises:
        gymnasium.error.InvalidBound: If ``epsilon`` is not positive.
        TypeError: If the observation space is not a Box.

    Example:
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

    def __init__(self, env: gym.Env[ArrayT, Act], epsilon: float = 1e-8) -> None:
        check_epsilon(type(self).__name__, epsilon)
        observation_space = normalized_box(type(self).__name__, env.observation_space)
        gym.utils.RecordConstructorArgs.__init__(self, epsilon=epsilon)
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        # a float32 Box, whose samples are NumPy arrays rather than the env's array type ArrayT
        self.observation_space = observation_space  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        self.epsilon = epsilon
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
        contract = self._observation_contract(
            observation, name="observation", shape=self._moments_shape
        )
        xp = contract.fast_xp
        if self._cast:
            observation = xp.astype(observation, self._moments.mean.dtype)
        if self.update_running_mean:
            self._moments = update_moments_one(self._moments, observation, xp=xp)
        return normalize_observation(
            self._moments, observation, epsilon=self.epsilon, dtype=self._float32, xp=xp
        )


def frame_stack_settings(
    owner: str, space: gym.Space[Any], stack_size: int, padding_type: Any
) -> tuple[gym.spaces.Box, str, Any]:
    """Validate FrameStackObservation's arguments; return the frame Box, padding kind and value.

    The padding kind is ``"reset"``, ``"zero"`` or ``"_custom"`` (Gymnasium's names); the value
    is a host (NumPy) frame of the space's dtype, or ``None`` for ``"reset"``.

    Raises:
        TypeError: If the space is not a Box or ``stack_size`` is not an integer.
        ValueError: If ``stack_size < 1`` or ``padding_type`` is neither ``"reset"``,
            ``"zero"`` nor a frame inside the space.
    """
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(
            f"{owner}: expected a Box observation space, got {type(space).__name__} ({space})"
        )
    # isinstance cannot recover Box's type parameter from Space[Any]: pyright says Unknown.
    box: gym.spaces.Box[Any] = space  # pyright: ignore[reportUnknownVariableType]
    # stack_size is typed int, but users pass anything: checked at run time on purpose.
    if isinstance(stack_size, bool) or not isinstance(stack_size, int | np.integer):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"{owner}: stack_size must be an integer, got {type(stack_size).__name__}")
    if stack_size < 1:
        raise ValueError(f"{owner}: stack_size must be at least 1, got {stack_size}")
    if isinstance(padding_type, str):
        if padding_type == "reset":
            return box, "reset", None
        if padding_type == "zero":
            return box, "zero", np.zeros(box.shape, dtype=box.dtype)
        raise ValueError(
            f"{owner}: padding_type must be 'reset', 'zero' or a frame of {space}, "
            f"got {padding_type!r}"
        )
    from array_env.convert import to_namespace

    host = (
        to_namespace(padding_type, "numpy")
        if compat.is_array_api_obj(padding_type)
        else (np.asarray(padding_type))
    )
    if host not in box:
        raise ValueError(
            f"{owner}: a custom padding_type must be a frame inside {space}, got {padding_type!r}"
        )
    return box, "_custom", np.asarray(host, dtype=box.dtype)


class FrameStackObservation(Wrapper[FrameT, Act, FrameT, Act], gym.utils.RecordConstructorArgs):
    """Return the last ``stack_size`` observations stacked on a new leading axis, oldest first.

    Behaves as Gymnasium's ``FrameStackObservation`` (same padding options: ``"reset"`` repeats
    the reset observation, ``"zero"`` pads with zeros, or a custom frame inside the observation
    space), for observations of any namespace on any device; stacks come back in that namespace
    and on that device. The frames live in a preallocated ring buffer
    (:mod:`array_env._ops.ring_buffer`): a step writes one frame and gathers the stack into a
    new array, instead of shifting the stack. The vector twin is
    :class:`array_env.vector.FrameStackObservation`.

    Args:
        env: The environment; its observation space must be a Box.
        stack_size: The number of frames per stack, at least 1.
        padding_type: ``"reset"``, ``"zero"``, or a frame inside the observation space.

    Raises:
        TypeError: If the observation space is not a Box or ``stack_size`` is not an integer.
        ValueError: If ``stack_size < 1`` or ``padding_type`` is invalid.

    Example:
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
        box, padding_kind, host_padding = frame_stack_settings(
            type(self).__name__, env.observation_space, stack_size, padding_type
        )
        gym.utils.RecordConstructorArgs.__init__(
            self, stack_size=stack_size, padding_type=padding_type
        )
        Wrapper.__init__(self, env)  # pyright: ignore[reportUnknownMemberType]
        self.observation_space = batch_space(box, n=int(stack_size))
        self.stack_size: int = int(stack_size)
        self.padding_type: str = padding_kind
        self._frame_space = box
        self._host_padding = host_padding
        self._contract: ArrayContract | None = None
        self._ring: FrameRing | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[FrameT, dict[str, Any]]:
        """Reset the env and start the stack from its first observation."""
        observation, info = self.env.reset(seed=seed, options=options)
        contract = self._check(observation)
        xp = contract.fast_xp
        self._ring = start_ring(observation, layout=self._layout, padding=self._padding, xp=xp)
        return stacked_frames(self._ring, layout=self._layout, xp=xp), info

    def step(self, action: Act) -> tuple[FrameT, Any, Any, Any, dict[str, Any]]:
        """Step the env and push its observation onto the stack."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        ring = self._ring
        if ring is None:
            raise gym.error.ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        contract = self._check(observation)
        xp, layout = contract.fast_xp, self._layout
        self._ring = ring = push_frame(ring, observation, layout=layout, xp=xp)
        return stacked_frames(ring, layout=layout, xp=xp), reward, terminated, truncated, info

    def _check(self, observation: FrameT) -> ArrayContract:
        contract = self._contract
        if contract is None:
            owner = type(self).__name__
            contract = contract_for(
                observation, owner=owner, name="observation",
                host_dtype=self._frame_space.dtype, shape=self._frame_space.shape,
            )  # fmt: skip
            self._layout, self._padding = frame_stack_constants(
                contract, self.stack_size, batch_ndim=0, frame_ndim=len(self._frame_space.shape),
                host_padding=self._host_padding,
            )  # fmt: skip
            self._contract = contract
        elif not contract.matches(observation):
            contract.check(observation, owner=type(self).__name__, name="observation")
        return contract


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
