from __future__ import annotations

from typing import Any

import gymnasium as gym
import gymnasium.wrappers.vector as gym_vector
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from array_env.testing import Backend, assert_on_backend
from array_env.vector import TransformObservation as VectorTransform
from array_env.wrappers import TransformObservation
from tests.observation_harness import (
    OnBackend,
    check_matches_gymnasium,
    check_vector_matches_gymnasium,
    rollout,
)


def _double(obs: Any) -> Any:
    return obs * 2 + 1


def test_equals_gymnasium_on_numpy() -> None:
    count = check_matches_gymnasium(
        lambda: TransformObservation(gym.make("CartPole-v1"), _double, None),  # pyright: ignore[reportUnknownLambdaType]
        lambda: gym.wrappers.TransformObservation(gym.make("CartPole-v1"), _double, None),
        in_space=False,  # the function leaves the space, as in Gymnasium's example
    )
    assert count > 2000


def test_a_subclass_observation_runs_in_step_and_reset() -> None:
    # Gymnasium's ObservationWrapper.step calls self.observation; so does a subclass's step.
    class Negated(TransformObservation[Any, Any, Any]):
        def observation(self, observation: Any) -> Any:
            return -super().observation(observation)

    env = Negated(gym.make("CartPole-v1"), _double, None)
    theirs = gym.wrappers.TransformObservation(gym.make("CartPole-v1"), _double, None)
    ours_first, _ = env.reset(seed=3)
    theirs_first, _ = theirs.reset(seed=3)
    np.testing.assert_array_equal(ours_first, -theirs_first)
    for _ in range(5):
        np.testing.assert_array_equal(env.step(0)[0], -theirs.step(0)[0])


def test_observation_space_is_replaced() -> None:
    space = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    env = TransformObservation(gym.make("CartPole-v1"), _double, space)
    assert env.observation_space is space
    assert env.func is _double


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.DISABLED], ids=str)
def test_vector_equals_gymnasium_vector(mode: AutoresetMode) -> None:
    check_vector_matches_gymnasium(
        lambda: gym.make("CartPole-v1"), lambda e: VectorTransform(e, _double),
        lambda e: gym_vector.TransformObservation(e, _double), mode,
    )  # fmt: skip


def test_vector_spaces_follow_gymnasium() -> None:
    single = gym.spaces.Box(-1, 1, (2,), np.float32)
    ours = VectorTransform(gym.make_vec("CartPole-v1", 3), _double, single_observation_space=single)
    theirs = gym_vector.TransformObservation(
        gym.make_vec("CartPole-v1", 3), _double, single_observation_space=single
    )
    assert ours.observation_space == theirs.observation_space  # pyright: ignore[reportUnknownMemberType]
    assert ours.single_observation_space == theirs.single_observation_space  # pyright: ignore[reportUnknownMemberType]


def test_func_runs_on_the_backend(backend: Backend) -> None:
    env: Any = TransformObservation(OnBackend(gym.make("CartPole-v1"), backend), _double, None)  # pyright: ignore[reportUnknownVariableType]
    observations = rollout(env, 50, seed=0)
    assert_on_backend(observations, backend.xp, backend.device)
