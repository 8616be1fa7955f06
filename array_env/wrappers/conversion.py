"""Wrappers that let an agent of one array backend drive an environment of another.

:class:`ArrayConversion` converts the environment's outputs to the agent's namespace and device
and the agent's actions back to the environment's, with :class:`array_env.convert.TreeConverter`
(zero-copy wherever DLPack allows). The named wrappers (:class:`NumpyToTorch`,
:class:`JaxToNumpy`, ...) fix the two namespaces and take Gymnasium's constructor arguments;
they import their backends only when constructed. The vector twins live in
:mod:`array_env.vector.conversion`.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, SupportsFloat

import array_api_compat as compat
import gymnasium as gym
from gymnasium.core import RenderFrame
from typing_extensions import TypeVar

from array_env._namespace import device_name, namespace_name, resolve_namespace
from array_env._tree import tree_leaves
from array_env.convert import TreeConverter
from array_env.core import Wrapper
from array_env.typing import Device, DeviceLike, Namespace

if TYPE_CHECKING:
    import jax
    import torch
    from numpy.typing import NDArray

__all__ = [
    "ArrayConversion",
    "JaxToNumpy",
    "JaxToTorch",
    "NumpyToJax",
    "NumpyToTorch",
    "TorchToJax",
    "TorchToNumpy",
]

# Defaults let a type checker accept namespaces given by name, where nothing pins the types.
Src = TypeVar("Src", default=Any)
Dst = TypeVar("Dst", default=Any)


def recorded_namespace(xp: Any) -> str:
    """Spell a namespace constructor argument by name, for ``gymnasium.make(env.spec)``.

    Modules neither deep-copy nor pickle; their names do.
    """
    return namespace_name(resolve_namespace(xp))


def recorded_device(device: DeviceLike | None) -> str | None:
    """Spell a device constructor argument by name (JAX devices do not deep-copy either)."""
    return None if device is None else device_name(device)


def env_converter(converter: TreeConverter, first_output: Any) -> TreeConverter:
    """Pin an action converter without a device to the device of the env's first array output.

    Without it, actions would land wherever DLPack leaves them (a CPU tensor for a JAX
    environment on a GPU).
    """
    if converter.device is not None:
        return converter
    for leaf in tree_leaves(first_output):
        if compat.is_array_api_obj(leaf):
            return TreeConverter(converter.xp, compat.device(leaf))
    return converter


class ArrayConversion(
    Wrapper[Dst, Dst, Src, Any], gym.utils.RecordConstructorArgs, Generic[Src, Dst]
):
    """Converts an environment's arrays to another namespace and device, and actions back.

    Observations, infos and rendered frames are converted to ``target_xp`` on ``target_device``;
    ``step`` returns the reward as a ``float`` and the flags as ``bool``, like Gymnasium.
    Actions and ``reset``'s ``options`` go to ``env_xp`` on ``env_device``; without an
    ``env_device``, the device of the environment's first observation. Memory is shared
    wherever the pair allows it (see :mod:`array_env.convert`).

    Unlike Gymnasium, Python numbers in ``info`` stay Python numbers instead of becoming 0-d
    arrays. The vector version is :class:`array_env.vector.ArrayConversion`.

    Args:
        env: The environment to wrap.
        env_xp: The environment's namespace: a namespace, module or name such as ``"numpy"``.
        target_xp: The agent's namespace.
        env_device: The device the environment takes actions on (object or ``"cuda:0"``).
        target_device: The device outputs are moved to; ``None`` leaves them where DLPack
            puts them (the environment's device when the target can address it).

    Raises:
        ValueError: If a device does not exist here; the message lists those that do.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> env = ArrayConversion(gym.make("CartPole-v1"), np, xps, target_device="device1")
        >>> obs, info = env.reset(seed=0)
        >>> obs.device
        array_api_strict.Device('device1')
        >>> obs, reward, terminated, truncated, info = env.step(xps.asarray(1))
        >>> type(reward), type(terminated)
        (<class 'float'>, <class 'bool'>)
    """

    def __init__(
        self,
        env: gym.Env[Src, Any],
        env_xp: Namespace[Src] | ModuleType | str,
        target_xp: Namespace[Dst] | ModuleType | str,
        env_device: DeviceLike | None = None,
        target_device: DeviceLike | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self,
            env_xp=recorded_namespace(env_xp),
            target_xp=recorded_namespace(target_xp),
            env_device=recorded_device(env_device),
            target_device=recorded_device(target_device),
        )
        super().__init__(env)
        self._to_env = TreeConverter(env_xp, env_device)
        self._to_target = TreeConverter(target_xp, target_device)

    @property
    def xp(self) -> Namespace[Dst]:
        """The namespace the agent sees."""
        return self._to_target.xp

    @property
    def device(self) -> Device | None:
        """The device outputs are moved to (``None``: where the conversion leaves them)."""
        return self._to_target.device

    def step(self, action: Dst) -> tuple[Dst, SupportsFloat, bool, bool, dict[str, Any]]:
        """Convert ``action`` for the environment, step it, and convert what it returns."""
        obs, reward, terminated, truncated, info = self.env.step(self._to_env(action, "action"))
        return (
            self._to_target(obs, "obs"),
            float(reward),
            bool(terminated),
            bool(truncated),
            self._to_target(info, "info"),
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Dst, dict[str, Any]]:
        """Reset the environment (``options`` converted to its namespace) and convert the result."""
        if options:
            options = self._to_env(options, "options")
        obs, info = self.env.reset(seed=seed, options=options)
        self._to_env = env_converter(self._to_env, obs)
        return self._to_target(obs, "obs"), self._to_target(info, "info")

    def render(self) -> RenderFrame | list[RenderFrame] | None:
        """Render the environment, converting the frames to the target namespace."""
        frames: RenderFrame | list[RenderFrame] | None = self._to_target(
            self.env.render(), "render"
        )
        return frames


class NumpyToTorch(ArrayConversion["NDArray[Any]", "torch.Tensor"]):
    """Wraps a NumPy environment so that an agent interacts with it through PyTorch tensors.

    On the CPU the tensors share memory with the environment's arrays. The vector version is
    :class:`array_env.vector.NumpyToTorch`.

    Args:
        env: The NumPy environment to wrap.
        device: The torch device for observations (``"cuda:0"``, ``torch.device``...);
            ``None`` keeps them on the CPU.

    Examples:
        >>> import gymnasium as gym
        >>> import torch
        >>> env = NumpyToTorch(gym.make("CartPole-v1"))
        >>> obs, _ = env.reset(seed=123)
        >>> type(obs), obs.dtype
        (<class 'torch.Tensor'>, torch.float32)
        >>> obs, reward, terminated, truncated, info = env.step(torch.tensor(1))
        >>> type(reward), type(terminated)
        (<class 'float'>, <class 'bool'>)
    """

    def __init__(
        self, env: gym.Env[NDArray[Any], Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "numpy", "torch", target_device=device)


class TorchToNumpy(ArrayConversion["torch.Tensor", "NDArray[Any]"]):
    """Wraps a PyTorch environment so that an agent interacts with it through NumPy arrays.

    The vector version is :class:`array_env.vector.TorchToNumpy`.

    Args:
        env: The PyTorch environment to wrap.
        device: The torch device the environment takes actions on; ``None`` uses the device of
            its first observation.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> torch_env = NumpyToTorch(gym.make("CartPole-v1"))
        >>> env = TorchToNumpy(torch_env)
        >>> obs, _ = env.reset(seed=123)
        >>> type(obs)
        <class 'numpy.ndarray'>
        >>> obs, reward, terminated, truncated, info = env.step(np.int64(1))
    """

    def __init__(
        self, env: gym.Env[torch.Tensor, Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "torch", "numpy", env_device=device)


class JaxToNumpy(ArrayConversion["jax.Array", "NDArray[Any]"]):
    """Wraps a JAX environment so that an agent interacts with it through NumPy arrays.

    Without 64-bit mode JAX narrows 64-bit actions to 32 bits. The vector version is
    :class:`array_env.vector.JaxToNumpy`.

    Args:
        env: The JAX environment to wrap.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> env = JaxToNumpy(NumpyToJax(gym.make("CartPole-v1")))
        >>> obs, _ = env.reset(seed=123)
        >>> type(obs)
        <class 'numpy.ndarray'>
        >>> obs, reward, terminated, truncated, info = env.step(np.int64(1))
    """

    def __init__(self, env: gym.Env[jax.Array, Any]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env, "jax", "numpy")


class NumpyToJax(ArrayConversion["NDArray[Any]", "jax.Array"]):
    """Wraps a NumPy environment so that an agent interacts with it through JAX arrays.

    Without 64-bit mode JAX narrows 64-bit observations to 32 bits. The vector version is
    :class:`array_env.vector.NumpyToJax`.

    Args:
        env: The NumPy environment to wrap.
        device: The JAX device for observations (``"cuda:0"``, a ``jax.Device``...); ``None``
            for JAX's default device.

    Examples:
        >>> import gymnasium as gym
        >>> import jax.numpy as jnp
        >>> env = NumpyToJax(gym.make("CartPole-v1"))
        >>> obs, _ = env.reset(seed=123)
        >>> obs.dtype
        dtype('float32')
        >>> obs, reward, terminated, truncated, info = env.step(jnp.asarray(1))
    """

    def __init__(self, env: gym.Env[NDArray[Any], Any], device: DeviceLike | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "numpy", "jax", target_device=device)


class JaxToTorch(ArrayConversion["jax.Array", "torch.Tensor"]):
    """Wraps a JAX environment so that an agent interacts with it through PyTorch tensors.

    Tensors share memory with the JAX arrays (DLPack) on the same device: clone a tensor before
    writing to it in place. The vector version is :class:`array_env.vector.JaxToTorch`.

    Args:
        env: The JAX environment to wrap.
        device: The torch device for observations; ``None`` keeps the JAX arrays' device.

    Examples:
        >>> import gymnasium as gym
        >>> import torch
        >>> env = JaxToTorch(NumpyToJax(gym.make("CartPole-v1")))
        >>> obs, _ = env.reset(seed=123)
        >>> type(obs)
        <class 'torch.Tensor'>
        >>> obs, reward, terminated, truncated, info = env.step(torch.tensor(1))
    """

    def __init__(
        self, env: gym.Env[jax.Array, Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "jax", "torch", target_device=device)


class TorchToJax(ArrayConversion["torch.Tensor", "jax.Array"]):
    """Wraps a PyTorch environment so that an agent interacts with it through JAX arrays.

    The arrays share memory with the tensors (DLPack) on the same device. The vector version is
    :class:`array_env.vector.TorchToJax`.

    Args:
        env: The PyTorch environment to wrap.
        device: The JAX device for observations; ``None`` keeps the tensors' device.

    Examples:
        >>> import gymnasium as gym
        >>> import jax.numpy as jnp
        >>> env = TorchToJax(NumpyToTorch(gym.make("CartPole-v1")))
        >>> obs, _ = env.reset(seed=123)
        >>> obs.shape
        (4,)
        >>> obs, reward, terminated, truncated, info = env.step(jnp.asarray(1))
    """

    def __init__(self, env: gym.Env[torch.Tensor, Any], device: DeviceLike | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "torch", "jax", target_device=device)
