"""The suite's base environments end episodes, in every autoreset mode, natively and in sync."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env.testing import Backend, to_host

from .envs import ConformanceEnv, make_base
from .framework import MODES, NUM_ENVS, BaseSpec
from .properties import STEPS


def _flags(x: Any) -> np.ndarray:
    return np.asarray(to_host(x)).astype(bool)


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize("sync", [False, True], ids=["native", "SyncVectorEnv"])
def test_vector_episodes_end_by_both_flags_and_match_the_sync_twin(
    mode: AutoresetMode, sync: bool
) -> None:
    env = make_base(BaseSpec(Backend.NUMPY, "vector", mode=mode, sync=sync))
    twin = make_base(BaseSpec(Backend.NUMPY, "vector", mode=mode, sync=not sync))
    obs, _ = env.reset(seed=3)
    np.testing.assert_array_equal(obs, twin.reset(seed=3)[0])
    seen_terminated = seen_truncated = np.zeros(NUM_ENVS, dtype=bool)
    for step in range(STEPS):
        actions = np.zeros((NUM_ENVS, 2), dtype=np.float32)
        out, twin_out = env.step(actions), twin.step(actions)
        for a, b in zip(out[:4], twin_out[:4], strict=True):
            np.testing.assert_array_equal(to_host(a), to_host(b), err_msg=f"step {step}")
        seen_terminated = seen_terminated | _flags(out[2])
        seen_truncated = seen_truncated | _flags(out[3])
        done = _flags(out[2]) | _flags(out[3])
        if mode is AutoresetMode.SAME_STEP and done.any():
            assert np.asarray(out[4]["_final_obs"]).any()
        if mode is AutoresetMode.DISABLED and done.any():
            options = {"reset_mask": done}
            np.testing.assert_array_equal(env.reset(options=dict(options))[0],
                                          twin.reset(options=dict(options))[0])  # fmt: skip
    assert seen_terminated.any()
    assert seen_truncated.any()
    assert (seen_terminated | seen_truncated).all(), "every sub-env finishes an episode"


@pytest.mark.parametrize("backend", [Backend.NUMPY, Backend.ARRAY_API_STRICT])
def test_single_env_returns_array_flags_and_ends_its_episodes(backend: Backend) -> None:
    env = ConformanceEnv(backend, index=1)
    env.reset(seed=0)
    ends = 0
    for _ in range(STEPS):
        _, reward, terminated, truncated, _ = env.step(np.zeros(2, dtype=np.float32))
        assert hasattr(reward, "shape")
        assert hasattr(terminated, "shape")
        if bool(to_host(terminated)) or bool(to_host(truncated)):
            ends += 1
            env.reset()
    assert ends >= 2
