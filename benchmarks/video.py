"""RecordVideo's cost per step: not recording, and recording (encoding every frame with PyAV).

Timed on array_env's reference envs on NumPy (Catch 84x84 and CartPole 400x600 frames), single
and vector (4 sub-envs tiled), each beside the bare env in alternating windows of one run.
Gymnasium's RecordVideo buffers frames and encodes with moviepy at the end of a clip, so its
per-step cost is not comparable and is not measured. ``python -m benchmarks.video``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from benchmarks._record import Measurement, Progress, alternate_best, markdown_table

__all__ = ["collect"]


def _stepper(env: Any, vector: bool) -> Callable[[int], None]:
    env.reset(seed=0)
    action = np.ones(4, dtype=np.int64) if vector else np.asarray(1)

    def run(steps: int) -> None:
        for _ in range(steps):
            _, _, terminated, truncated, _ = env.step(action)
            if not vector and (terminated or truncated):
                env.reset()

    return run


def _never(step: int) -> bool:
    return False


def _first(step: int) -> bool:
    return step == 0


def collect(seconds: float, progress: Progress | None = None) -> list[Measurement]:
    """Microseconds per step: bare, wrapped but idle, and recording every step."""
    import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]
    from array_env.vector import RecordVideo as VectorRecordVideo
    from array_env.wrappers import RecordVideo

    folder = tempfile.mkdtemp()
    rows: list[Measurement] = []
    for game in ("array_env/Catch-v0", "array_env/CartPole-v1"):
        for vector in (False, True):

            def make(game: str = game, vector: bool = vector) -> Any:
                if vector:
                    return gym.make_vec(
                        game, 4, vectorization_mode="vector_entry_point", xp="numpy",
                        render_mode="rgb_array",
                    )  # fmt: skip
                return gym.make(game, xp="numpy", render_mode="rgb_array")

            cls: Any = VectorRecordVideo if vector else RecordVideo
            idle = cls(make(), folder, step_trigger=_never)
            recording = cls(make(), folder, step_trigger=_first, video_length=10**9)
            bare, idle_t, rec_t = alternate_best(
                [_stepper(make(), vector), _stepper(idle, vector), _stepper(recording, vector)],
                seconds,
                16,
            )
            recording.close()
            kind = f"{'vector x4' if vector else 'single'} {game.split('/')[1]}"
            for name, value in (("RecordVideo idle", idle_t), ("RecordVideo recording", rec_t)):
                rows.append(
                    Measurement(
                        "video",
                        name,
                        kind,
                        "numpy",
                        "us/step",
                        value * 1e6,
                        None,
                        bare * 1e6,
                        f"bare env {bare * 1e6:.1f} us/step",
                    )
                )
            if progress is not None:
                progress.advance(f"video {kind}")
    return rows


if __name__ == "__main__":
    print(markdown_table(collect(2.0)))
