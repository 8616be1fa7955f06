"""``StickyAction`` and ``RepeatAction``, single and vector.

Sticky draws come from the env's seeded host generator. Gymnasium's ``SyncVectorEnv`` hands out
one generator per sub-env; the suite's native vector env has a single one, so the sticky cases run
over a native env that exposes one seeded generator per sub-env as ``SyncVectorEnv`` does
(``RowGeneratorsVectorEnv``), which makes each row comparable with a single wrapper over that
sub-env alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from ..bad_inputs import action_device, action_namespace, action_shape
from ..envs import ConformanceEnv, ConformanceVectorEnv, make_base
from ..framework import BaseSpec, WrapperCase

__all__ = ["CASES", "AlignedEnv", "RowGeneratorsVectorEnv"]

_COMMON = ("NS-1", "SP-1", "MU-1", "DT-1", "DT-2", "GY-1", "GY-2", "HS-1", "CP-1", "CP-2")


class RowGeneratorsVectorEnv(ConformanceVectorEnv):
    """The suite's native vector env with one seeded generator per sub-env (``seed + i``)."""

    _rows: tuple[np.random.Generator, ...] | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if seed is not None:
            self._rows = tuple(seeding.np_random(seed + i)[0] for i in range(self.num_envs))
        return super().reset(seed=seed, options=options)

    @property
    def np_random(self) -> Any:
        """One generator per sub-env once seeded (``SyncVectorEnv``'s shape)."""
        if self._rows is None:
            self._rows = tuple(seeding.np_random()[0] for _ in range(self.num_envs))
        return self._rows

    @np_random.setter
    def np_random(self, value: Any) -> None:
        self._rows = None  # one generator for the batch, as the base class has
        self._np_random = value


def _row_generators(spec: BaseSpec) -> Any:
    if spec.kind == "vector" and not spec.sync:
        mode = spec.mode or AutoresetMode.NEXT_STEP
        return RowGeneratorsVectorEnv(spec.backend, spec.num_envs, mode)
    return make_base(spec)


class AlignedEnv(ConformanceEnv):
    """Sub-env ``index`` living sub-env 0's episodes, so every row's episodes end together.

    Reset with ``seed + index`` (as ``SyncVectorEnv`` and the driver of ``VS-1`` do), it behaves
    as sub-env 0 reset with ``seed``: a row of :func:`aligned_vector`.
    """

    def __init__(self, backend: Any, index: int = 0) -> None:
        super().__init__(backend, index=0)
        self.offset = index

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        return super().reset(seed=None if seed is None else seed - self.offset, options=options)


def _aligned(spec: BaseSpec) -> Any:
    """Base envs whose sub-envs' episodes all end on the same step (see :class:`AlignedEnv`)."""
    if spec.kind == "single":
        return AlignedEnv(spec.backend, spec.sub_env)
    mode = spec.mode or AutoresetMode.NEXT_STEP
    if spec.sync:
        rows = [lambda i=i: AlignedEnv(spec.backend, i) for i in range(spec.num_envs)]
        return SyncVectorEnv(rows, autoreset_mode=mode)
    env = ConformanceVectorEnv(spec.backend, spec.num_envs, mode)
    env.index = np.zeros(spec.num_envs, dtype=np.int64)  # every row is sub-env 0
    return env


def _host_scalars(spec: BaseSpec) -> Any:
    """The single base env returning Python float rewards and bool flags (Gymnasium's kind)."""
    return ConformanceEnv(spec.backend, index=spec.sub_env, python_scalars=True)


def _sticky(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, 0.5, (1, 3))


def _repeat(cls: Any, env: Any, param: Any) -> Any:
    return cls(env, 2)


_HOST_FLAGS = (
    "sticky decisions are host draws that depend on where each sub-env's episode ended, so the "
    "vector wrapper reads terminated | truncated once per step"
)
_REPEAT_HOST = (
    "repeating stops where an episode ends, so every inner step's terminated | truncated is "
    "read on the host (Gymnasium's single-env loop reads them too)"
)

CASES = [
    *(
        WrapperCase(
            wrapper="StickyAction",
            kind=kind,
            wrap=_sticky,
            env=_row_generators,
            properties=(*_COMMON, "BI-1", *(("VS-1",) if kind == "vector" else ())),
            bad_inputs=(action_shape(), action_namespace(), action_device()),
            quirks={"no_host_sync": _HOST_FLAGS} if kind == "vector" else {},
        )
        for kind in ("single", "vector")
    ),
    WrapperCase(
        wrapper="RepeatAction",
        kind="single",
        wrap=_repeat,
        properties=_COMMON,
        quirks={"no_host_sync": _REPEAT_HOST},
    ),
    # Python float rewards and bool flags, as Gymnasium's own envs return them: summed as host
    # floats (NS-1 is about arrays, and these rewards are not arrays on either side)
    WrapperCase(
        wrapper="RepeatAction",
        kind="single",
        wrap=_repeat,
        env=_host_scalars,
        properties=tuple(p for p in _COMMON if p != "NS-1"),
        quirks={"no_host_sync": _REPEAT_HOST},
    ),
    # A vector env cannot pause one sub-env, so the vector RepeatAction stops every row's repeat
    # where any episode ends: a row equals the single wrapper where episodes end together, which
    # these base envs guarantee (tests/test_repeat_action.py covers rows that end apart).
    WrapperCase(
        wrapper="RepeatAction",
        kind="vector",
        wrap=_repeat,
        env=_aligned,
        properties=(*_COMMON, "VS-1"),
        quirks={"no_host_sync": _REPEAT_HOST},
    ),
]
