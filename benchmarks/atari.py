"""AtariPreprocessing on Pong: observations per second, array_env beside Gymnasium.

Both wrappers run the same emulator (ale-py, ``frameskip=1``) with Gymnasium's defaults (no-op
reset, frame skip 4, greyscale 84x84), timed in alternating windows of one run; the bare env
row takes the same four emulator steps per observation without any preprocessing. With torch
installed, a row preprocesses frames converted to torch at the edge (CPU, and CUDA when there
is one). ``python -m benchmarks.atari`` prints the table; ``python -m benchmarks`` includes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from benchmarks._record import Measurement, Progress, alternate_best, markdown_table

__all__ = ["collect"]

_GAME = "ALE/Pong-v5"


def _make(wrap: Callable[[Any], Any] | None, obs_type: str = "rgb") -> Any:
    import ale_py

    gym.register_envs(ale_py)
    env = gym.make(_GAME, frameskip=1, repeat_action_probability=0.0, obs_type=obs_type)
    return env if wrap is None else wrap(env)


def _runner(env: Any, skip: int) -> Callable[[int], None]:
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    actions = rng.integers(env.action_space.n, size=4096)
    position = [0]

    def run(steps: int) -> None:
        for _ in range(steps):
            action = int(actions[position[0] % 4096])
            position[0] += 1
            for _ in range(skip):
                _, _, terminated, truncated, _ = env.step(action)
                if terminated or truncated:
                    env.reset()
                    break

    return run


def _torch_wrap(device: str) -> Callable[[Any], Any]:
    from array_env.wrappers import AtariPreprocessing, NumpyToTorch

    return lambda env: AtariPreprocessing(NumpyToTorch(env, device=device))


def collect(seconds: float, progress: Progress | None = None) -> list[Measurement]:
    """Observations per second of both AtariPreprocessing wrappers on Pong, and the bare env."""
    from array_env.wrappers import AtariPreprocessing

    batch = 32
    ours, theirs, bare = alternate_best(
        [
            _runner(_make(AtariPreprocessing), 1),
            _runner(_make(gym.wrappers.AtariPreprocessing), 1),
            _runner(_make(None), 4),
        ],
        seconds * 3,
        batch,
    )
    rows = [
        Measurement(
            "atari", "AtariPreprocessing", "single Pong-v5", "numpy", "frames/s",
            1 / ours, 1 / theirs, None, f"4 emulator frames each; bare env {1 / bare:.0f}/s",
        )
    ]  # fmt: skip
    if progress is not None:
        progress.advance("atari AtariPreprocessing numpy")
    # the ALE's greyscale screen as the env's observation: no RGB frame to convert
    ours, theirs_grey, bare_grey = alternate_best(
        [
            _runner(_make(AtariPreprocessing, "grayscale"), 1),
            _runner(_make(gym.wrappers.AtariPreprocessing, "grayscale"), 1),
            _runner(_make(None, "grayscale"), 4),
        ],
        seconds * 3,
        batch,
    )
    rows.append(
        Measurement(
            "atari", "AtariPreprocessing", "single Pong-v5 obs_type=grayscale", "numpy",
            "frames/s", 1 / ours, 1 / theirs_grey, None, f"bare env {1 / bare_grey:.0f}/s",
        )
    )  # fmt: skip
    rows.append(_vector_row(seconds))
    if progress is not None:
        progress.advance("atari vector AtariPreprocessing numpy")
    try:
        import torch
    except ImportError:
        return rows
    torch.set_num_threads(1)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        (on_device,) = alternate_best([_runner(_make(_torch_wrap(device)), 1)], seconds * 2, batch)
        label = "torch" if device == "cpu" else "torch:cuda"
        rows.append(
            Measurement(
                "atari", "AtariPreprocessing", "single Pong-v5", label, "frames/s",
                1 / on_device, 1 / theirs, None, "frames converted to torch at the edge",
            )
        )  # fmt: skip
        if progress is not None:
            progress.advance(f"atari AtariPreprocessing {label}")
    return rows


_VECTOR_ENVS = 8


def _make_vector(obs_type: str = "grayscale") -> Any:
    import ale_py

    gym.register_envs(ale_py)
    return gym.make_vec(
        _GAME, _VECTOR_ENVS, vectorization_mode="sync", frameskip=1,
        repeat_action_probability=0.0, obs_type=obs_type,
    )  # fmt: skip


def _vector_runner(envs: Any, skip: int) -> Callable[[int], None]:
    """Steps of a vector env (its own next-step autoreset), each action repeated ``skip`` times."""
    rng = np.random.default_rng(0)
    envs.reset(seed=0)
    actions = rng.integers(envs.single_action_space.n, size=(4096, _VECTOR_ENVS))
    position = [0]

    def run(steps: int) -> None:
        for _ in range(steps):
            action = actions[position[0] % 4096]
            position[0] += 1
            for _ in range(skip):
                envs.step(action)

    return run


def _vector_row(seconds: float) -> Measurement:
    """array_env's vector AtariPreprocessing beside Gymnasium's single one in a SyncVectorEnv."""
    import ale_py

    from array_env.vector import AtariPreprocessing

    gym.register_envs(ale_py)

    def gym_per_sub_env() -> Any:
        return gym.make_vec(
            _GAME, _VECTOR_ENVS, vectorization_mode="sync", frameskip=1,
            repeat_action_probability=0.0, obs_type="grayscale",
            wrappers=[gym.wrappers.AtariPreprocessing],
        )  # fmt: skip

    ours, theirs, bare = alternate_best(
        [
            _vector_runner(AtariPreprocessing(_make_vector()), 1),
            _vector_runner(gym_per_sub_env(), 1),
            _vector_runner(_make_vector(), 4),
        ],
        seconds * 3,
        4,
    )
    return Measurement(
        "atari", "AtariPreprocessing", f"vector Pong-v5 obs_type=grayscale x{_VECTOR_ENVS}",
        "numpy", "frames/s", _VECTOR_ENVS / ours, _VECTOR_ENVS / theirs, None,
        f"Gymnasium: its single wrapper in each sub-env; bare env {_VECTOR_ENVS / bare:.0f}/s",
    )  # fmt: skip


if __name__ == "__main__":
    print(markdown_table(collect(2.0)))
