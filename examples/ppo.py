"""PPO in plain PyTorch on array_env's native vector environments, everything on one device.

The environment, the wrapper stack and the agent share a device: observations are born as torch
tensors on it (``array_env/CartPole-v1`` or ``array_env/Pendulum-v1`` with ``xp="torch"``),
``RecordEpisodeStatistics``, ``NormalizeObservation`` and ``NormalizeReward`` (plus
``RescaleAction`` and ``ClipAction`` for Pendulum) update their statistics there, and actions go
back as tensors. No step copies anything to the host; episode returns are read back only when a
line is printed.

Run ``python examples/ppo.py`` (CartPole, to an average return of 475),
``python examples/ppo.py --env pendulum`` (above -300), or add ``--quick`` for a short smoke run.
``--device cuda`` runs it on a GPU.
"""

# torch's own annotations leave a few signatures partially unknown to pyright strict.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import torch
from torch import nn

import array_env.envs  # noqa: F401  # pyright: ignore[reportUnusedImport]  (registers the ids)
from array_env.vector import (
    ClipAction,
    NormalizeObservation,
    NormalizeReward,
    RecordEpisodeStatistics,
    RescaleAction,
)


@dataclass(frozen=True)
class Settings:
    """Hyperparameters of one run; the defaults of each env are in :data:`PRESETS`."""

    env_id: str
    continuous: bool
    num_envs: int
    rollout: int
    total_steps: int
    learning_rate: float
    gamma: float
    gae_lambda: float
    epochs: int
    minibatches: int
    clip: float
    entropy: float
    target: float


PRESETS = {
    "cartpole": Settings(
        env_id="array_env/CartPole-v1",
        continuous=False,
        num_envs=8,
        rollout=128,
        total_steps=300_000,
        learning_rate=2.5e-4,
        gamma=0.99,
        gae_lambda=0.95,
        epochs=4,
        minibatches=4,
        clip=0.2,
        entropy=0.01,
        target=475.0,
    ),
    "pendulum": Settings(
        env_id="array_env/Pendulum-v1",
        continuous=True,
        num_envs=8,
        rollout=256,
        total_steps=400_000,
        learning_rate=1e-3,
        gamma=0.9,
        gae_lambda=0.95,
        epochs=10,
        minibatches=4,
        clip=0.2,
        entropy=0.0,
        target=-300.0,
    ),
}


def layer(inputs: int, outputs: int, gain: float = 2**0.5) -> nn.Linear:
    """An orthogonally initialised linear layer (PPO's usual initialisation)."""
    linear = nn.Linear(inputs, outputs)
    nn.init.orthogonal_(linear.weight, gain)
    nn.init.zeros_(linear.bias)
    return linear


class Agent(nn.Module):
    """Separate actor and critic MLPs; categorical or diagonal-Gaussian policy."""

    def __init__(self, obs_size: int, action_size: int, continuous: bool) -> None:
        super().__init__()
        self.continuous = continuous
        self.critic = nn.Sequential(
            layer(obs_size, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, 1, 1.0)
        )
        self.actor = nn.Sequential(
            layer(obs_size, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, action_size, 0.01)
        )
        self.log_std = nn.Parameter(torch.zeros(action_size))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """The critic's estimate, one value per row."""
        value: torch.Tensor = self.critic(obs)
        return value.squeeze(-1)

    def policy(self, obs: torch.Tensor) -> torch.distributions.Distribution:
        """The action distribution at ``obs``."""
        out = self.actor(obs)
        if self.continuous:
            return torch.distributions.Independent(
                torch.distributions.Normal(out, self.log_std.exp()), 1
            )
        return torch.distributions.Categorical(logits=out)


def make_envs(
    settings: Settings, device: str
) -> tuple[Any, RecordEpisodeStatistics[Any, Any, Any]]:
    """The stack on ``device`` (same-step autoreset), and its episode-statistics layer."""
    envs: Any = gym.make_vec(
        settings.env_id,
        num_envs=settings.num_envs,
        vectorization_mode="vector_entry_point",
        autoreset_mode="SameStep",
        xp="torch",
        device=device,
    )
    statistics = RecordEpisodeStatistics(envs, buffer_length=20)
    # Continuous actions: the policy acts in [-1, 1], rescaled to the env's bounds and clipped.
    envs = ClipAction(RescaleAction(statistics, -1.0, 1.0)) if settings.continuous else statistics
    envs = NormalizeObservation(envs)
    return NormalizeReward(envs, gamma=settings.gamma), statistics


def advantages(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_value: torch.Tensor,
    settings: Settings,
) -> torch.Tensor:
    """Generalised advantage estimates of one rollout, ``(rollout, num_envs)``."""
    out = torch.zeros_like(rewards)
    running = torch.zeros_like(last_value)
    next_value = last_value
    for t in reversed(range(rewards.shape[0])):
        alive = 1.0 - dones[t]
        delta = rewards[t] + settings.gamma * next_value * alive - values[t]
        running = delta + settings.gamma * settings.gae_lambda * alive * running
        out[t] = running
        next_value = values[t]
    return out


def average_return(statistics: RecordEpisodeStatistics[Any, Any, Any]) -> float | None:
    """Mean raw return of the last finished episodes (a host read: only when printing)."""
    returns = statistics.return_queue
    if len(returns) == 0:
        return None
    return float(torch.stack([torch.as_tensor(r) for r in returns]).float().mean())


def train(settings: Settings, device: str, seed: int) -> float:
    """Train until the step budget is spent or the target return is reached; return the average."""
    torch.manual_seed(seed)
    envs, statistics = make_envs(settings, device)
    obs_size = envs.single_observation_space.shape[0]
    space = envs.single_action_space
    action_size = space.shape[0] if settings.continuous else int(space.n)
    agent = Agent(obs_size, action_size, settings.continuous).to(device)
    optimiser = torch.optim.Adam(agent.parameters(), lr=settings.learning_rate, eps=1e-5)
    n, length = settings.num_envs, settings.rollout
    buffer_obs = torch.zeros((length, n, obs_size), device=device)
    action_shape = (length, n, action_size) if settings.continuous else (length, n)
    buffer_actions = torch.zeros(action_shape, device=device)
    buffer_logp, buffer_rewards, buffer_dones, buffer_values = (
        torch.zeros((length, n), device=device) for _ in range(4)
    )
    obs, _ = envs.reset(seed=seed)
    updates = max(1, settings.total_steps // (n * length))
    start, steps, average = time.perf_counter(), 0, float("-inf")
    for update in range(updates):
        for group in optimiser.param_groups:
            group["lr"] = settings.learning_rate * (1.0 - update / updates)
        for t in range(length):
            with torch.no_grad():
                dist = agent.policy(obs)
                action = dist.sample()
                buffer_logp[t], buffer_values[t] = dist.log_prob(action), agent.value(obs)
            buffer_obs[t], buffer_actions[t] = obs, action
            env_action = action if settings.continuous else action.to(torch.int64)
            obs, reward, terminated, truncated, _ = envs.step(env_action)
            buffer_rewards[t] = reward
            buffer_dones[t] = (terminated | truncated).to(torch.float32)
        steps += n * length
        with torch.no_grad():
            adv = advantages(
                buffer_rewards, buffer_values, buffer_dones, agent.value(obs), settings
            )
        returns = adv + buffer_values
        flat = (
            buffer_obs.reshape(-1, obs_size),
            buffer_actions.reshape((-1, action_size) if settings.continuous else (-1,)),
            buffer_logp.reshape(-1),
            adv.reshape(-1),
            returns.reshape(-1),
        )
        size = n * length
        batch = size // settings.minibatches
        for _ in range(settings.epochs):
            order = torch.randperm(size, device=device)
            for first in range(0, size, batch):
                index = order[first : first + batch]
                b_obs, b_act, b_logp, b_adv, b_ret = (x[index] for x in flat)
                b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8)
                dist = agent.policy(b_obs)
                ratio = (dist.log_prob(b_act) - b_logp).exp()
                clipped = ratio.clamp(1 - settings.clip, 1 + settings.clip)
                policy_loss = -torch.min(ratio * b_adv, clipped * b_adv).mean()
                value_loss = 0.5 * (agent.value(b_obs) - b_ret).pow(2).mean()
                loss = policy_loss + 0.5 * value_loss - settings.entropy * dist.entropy().mean()
                optimiser.zero_grad()
                torch.autograd.backward(loss)
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimiser.step()
        found = average_return(statistics)
        if found is not None:
            average = found
        if update % 10 == 0 or update == updates - 1:
            rate = steps / (time.perf_counter() - start)
            print(f"steps {steps:>8}  average return {average:8.1f}  {rate:8.0f} steps/s")
        if average >= settings.target and len(statistics.return_queue) >= 20:
            break
    rate = steps / (time.perf_counter() - start)
    print(
        f"final: {steps} steps, average return {average:.1f} (target {settings.target}), "
        f"{rate:.0f} steps/s on {device}"
    )
    envs.close()
    return average


def main(argv: list[str] | None = None) -> int:
    """Command line entry: ``--env``, ``--device``, ``--seed``, ``--steps``, ``--quick``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--env", choices=sorted(PRESETS), default="cartpole")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, help="total environment steps (default: preset)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    settings = PRESETS[args.env]
    if args.quick:
        settings = dataclasses.replace(settings, total_steps=2 * settings.num_envs * 128)
    elif args.steps is not None:
        settings = dataclasses.replace(settings, total_steps=args.steps)
    average = train(settings, args.device, args.seed)
    return 0 if args.quick or average >= settings.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
