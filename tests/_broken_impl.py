"""A deliberately wrong implementation of ``ArrayConversion`` for the CLI's failure tests.

It converts the environment's outputs correctly but hands the agent's actions to the
environment unconverted, so ``moved_as_asked`` must fail while ``round_trip`` (values only)
passes. ``array-env check --impl _broken_impl`` must report it and exit non-zero.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from array_env import device_name, namespace_name, to_namespace


class ArrayConversion(gym.Wrapper[Any, Any, Any, Any]):
    def __init__(
        self,
        env: gym.Env[Any, Any],
        env_xp: Any,
        target_xp: Any,
        env_device: Any = None,
        target_device: Any = None,
    ) -> None:
        super().__init__(env)
        device = None if target_device is None else device_name(target_device)
        self._target = (namespace_name(target_xp), device)  # names pickle, modules do not

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        out: tuple[Any, dict[str, Any]] = to_namespace(
            self.env.reset(seed=seed, options=options), *self._target
        )
        return out

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        out: tuple[Any, Any, bool, bool, dict[str, Any]] = to_namespace(
            self.env.step(action), *self._target
        )
        return out
