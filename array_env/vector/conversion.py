"""Vector twins of :mod:`array_env.wrappers.conversion`: one agent backend, one env backend.

Observations, rewards, terminations, truncations and infos are converted to the agent's
namespace and device; actions and ``reset``'s ``options`` back to the environment's. The named
wrappers import their backends only when constructed.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic

import gymnasium as gym
from gymnasium.vector import VectorEnv, VectorWrapper
from typing_extensions import TypeVar

from array_env.convert import TreeConverter
from array_env.typing import Device, DeviceLike, Namespace
from array_env.wrappers.conversion import env_converter, recorded_device, recorded_namespace

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


class ArrayConversion(
    # VectorWrapper has one array type for the wrapper and the env it wraps, but rewards and
    # flags change namespace too: the wrapper is a VectorEnv[Dst, Dst, Dst] (so stacks above it
    # infer Dst in both checkers), and ``env`` is redeclared below with the inner types.
    VectorWrapper[Dst, Dst, Src, Any, Dst],
    gym.utils.RecordConstructorArgs,
    Generic[Src, Dst],
):
    """Converts a vector environment's arrays to another namespace and device, and actions back.

    Observations, rewards, terminations, truncations and infos are converted to ``target_xp``
    on ``target_device``; actions and ``reset``'s ``options`` go to ``env_xp`` on
    ``env_device`` (without one, the device of the first observation). Rendered frames are
    passed through, as in Gymnasium. Python numbers in ``infos`` stay Python numbers.

    The single-environment version is :class:`array_env.wrappers.ArrayConversion`.

    Args:
        env: The vector environment to wrap.
        env_xp: The environment's namespace: a namespace, module or name such as ``"numpy"``.
        target_xp: The agent's namespace.
        env_device: The device the environment takes actions on (object or ``"cuda:0"``).
        target_device: The device outputs are moved to; ``None`` leaves them where DLPack
            puts them.

    Raises:
        ValueError: If a device does not exist here; the message lists those that do.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> import array_api_strict as xps
        >>> envs = ArrayConversion(gym.make_vec("CartPole-v1", 3), np, xps)
        >>> obs, infos = envs.reset(seed=0)
        >>> obs.shape
        (3, 4)
        >>> obs, rewards, terminations, truncations, infos = envs.step(xps.asarray([0, 1, 0]))
        >>> rewards.dtype, terminations.dtype
        (array_api_strict.float32, array_api_strict.bool)
    """

    env: VectorEnv[Src, Any, Any]  # the wrapped env: Src observations, its own arrays

    def __init__(
        self,
        env: VectorEnv[Src, Any, Any],
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

    def step(self, actions: Dst) -> tuple[Dst, Dst, Dst, Dst, dict[str, Any]]:
        """Convert ``actions`` for the environment, step it, and convert what it returns."""
        obs, rewards, terminations, truncations, infos = self.env.step(
            self._to_env(actions, "actions")
        )
        to_target = self._to_target
        return (
            to_target(obs, "obs"),
            to_target(rewards, "rewards"),
            to_target(terminations, "terminations"),
            to_target(truncations, "truncations"),
            to_target(infos, "infos"),
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Dst, dict[str, Any]]:
        """Reset the environments (``options`` converted to their namespace), convert the result."""
        if options:
            options = self._to_env(options, "options")
        obs, infos = self.env.reset(seed=seed, options=options)
        self._to_env = env_converter(self._to_env, obs)
        return self._to_target(obs, "obs"), self._to_target(infos, "infos")


class NumpyToTorch(ArrayConversion["NDArray[Any]", "torch.Tensor"]):
    """Wraps a NumPy vector environment for an agent that uses PyTorch tensors.

    A vectorised version of :class:`array_env.wrappers.NumpyToTorch`.

    Args:
        env: The NumPy vector environment to wrap.
        device: The torch device for outputs; ``None`` keeps them on the CPU (shared memory).

    Examples:
        >>> import gymnasium as gym
        >>> import torch
        >>> envs = NumpyToTorch(gym.make_vec("CartPole-v1", 3))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(torch.tensor([0, 1, 0]))
        >>> type(obs), rewards.dtype, terminations.dtype
        (<class 'torch.Tensor'>, torch.float32, torch.bool)
    """

    def __init__(
        self, env: VectorEnv[NDArray[Any], Any, Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "numpy", "torch", target_device=device)


class TorchToNumpy(ArrayConversion["torch.Tensor", "NDArray[Any]"]):
    """Wraps a PyTorch vector environment for an agent that uses NumPy arrays.

    A vectorised version of :class:`array_env.wrappers.TorchToNumpy`.

    Args:
        env: The PyTorch vector environment to wrap.
        device: The torch device the environment takes actions on; ``None`` uses the device of
            its first observation.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = TorchToNumpy(NumpyToTorch(gym.make_vec("CartPole-v1", 3)))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(np.array([0, 1, 0]))
        >>> type(obs), type(rewards)
        (<class 'numpy.ndarray'>, <class 'numpy.ndarray'>)
    """

    def __init__(
        self, env: VectorEnv[torch.Tensor, Any, Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "torch", "numpy", env_device=device)


class JaxToNumpy(ArrayConversion["jax.Array", "NDArray[Any]"]):
    """Wraps a JAX vector environment for an agent that uses NumPy arrays.

    A vectorised version of :class:`array_env.wrappers.JaxToNumpy`.

    Args:
        env: The JAX vector environment to wrap.

    Examples:
        >>> import gymnasium as gym
        >>> import numpy as np
        >>> envs = JaxToNumpy(NumpyToJax(gym.make_vec("CartPole-v1", 3)))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(np.array([0, 1, 0]))
        >>> type(obs)
        <class 'numpy.ndarray'>
    """

    def __init__(self, env: VectorEnv[jax.Array, Any, Any]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        super().__init__(env, "jax", "numpy")


class NumpyToJax(ArrayConversion["NDArray[Any]", "jax.Array"]):
    """Wraps a NumPy vector environment for an agent that uses JAX arrays.

    A vectorised version of :class:`array_env.wrappers.NumpyToJax`. Without 64-bit mode JAX
    narrows 64-bit arrays to 32 bits.

    Args:
        env: The NumPy vector environment to wrap.
        device: The JAX device for outputs; ``None`` for JAX's default device.

    Examples:
        >>> import gymnasium as gym
        >>> import jax.numpy as jnp
        >>> envs = NumpyToJax(gym.make_vec("CartPole-v1", 3))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(jnp.asarray([0, 1, 0]))
        >>> obs.shape
        (3, 4)
    """

    def __init__(
        self, env: VectorEnv[NDArray[Any], Any, Any], device: DeviceLike | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "numpy", "jax", target_device=device)


class JaxToTorch(ArrayConversion["jax.Array", "torch.Tensor"]):
    """Wraps a JAX vector environment for an agent that uses PyTorch tensors.

    A vectorised version of :class:`array_env.wrappers.JaxToTorch`; tensors share memory with
    the JAX arrays on the same device.

    Args:
        env: The JAX vector environment to wrap.
        device: The torch device for outputs; ``None`` keeps the JAX arrays' device.

    Examples:
        >>> import gymnasium as gym
        >>> import torch
        >>> envs = JaxToTorch(NumpyToJax(gym.make_vec("CartPole-v1", 3)))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(torch.tensor([0, 1, 0]))
        >>> type(obs)
        <class 'torch.Tensor'>
    """

    def __init__(
        self, env: VectorEnv[jax.Array, Any, Any], device: torch.device | str | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "jax", "torch", target_device=device)


class TorchToJax(ArrayConversion["torch.Tensor", "jax.Array"]):
    """Wraps a PyTorch vector environment for an agent that uses JAX arrays.

    A vectorised version of :class:`array_env.wrappers.TorchToJax`; arrays share memory with the
    tensors on the same device.

    Args:
        env: The PyTorch vector environment to wrap.
        device: The JAX device for outputs; ``None`` keeps the tensors' device.

    Examples:
        >>> import gymnasium as gym
        >>> import jax.numpy as jnp
        >>> envs = TorchToJax(NumpyToTorch(gym.make_vec("CartPole-v1", 3)))
        >>> obs, _ = envs.reset(seed=123)
        >>> obs, rewards, terminations, truncations, infos = envs.step(jnp.asarray([0, 1, 0]))
        >>> obs.shape
        (3, 4)
    """

    def __init__(
        self, env: VectorEnv[torch.Tensor, Any, Any], device: DeviceLike | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, device=recorded_device(device))
        super().__init__(env, "torch", "jax", target_device=device)
