"""The passive API checks behind :class:`array_env.wrappers.PassiveEnvChecker`, for any backend.

Gymnasium's ``gymnasium.utils.passive_env_checker`` assumes NumPy: a torch or JAX observation is
"not a numpy array" and ``obs in space`` converts it to the host. These checks accept an array of
any namespace and check its dtype, shape and bounds with that namespace on its device (one host
read per verdict, at the first reset or step only). NumPy data gets Gymnasium's checks with the
same warnings. Warnings keep Gymnasium's exact wording (so warning filters written for Gymnasium
match); errors keep it and are prefixed with the checker's name.
"""

from __future__ import annotations

import inspect
from typing import Any

import array_api_compat as compat
import gymnasium as gym
import numpy as np
from gymnasium import logger, spaces

from array_env.convert import convert_array
from array_env.wrappers._contract import space_dtype

__all__ = [
    "check_observation",
    "check_render",
    "check_reset",
    "check_space",
    "check_step",
    "shares_data",
    "warn_on_shared_data",
]


def _is(x: object, kinds: Any) -> bool:
    """``isinstance`` without narrowing: spaces and env outputs are checked as untyped data."""
    return isinstance(x, kinds)


def _require(condition: bool, owner: str, message: str) -> None:
    if not condition:
        raise AssertionError(f"{owner}: {message}")


def check_space(space: Any, kind: str, *, owner: str) -> None:
    """Check that an ``action`` or ``observation`` space (``kind``) is sensibly defined."""
    if not _is(space, spaces.Space):
        base = str(space.__class__.__base__)
        if base == "<class 'gym.spaces.space.Space'>":
            raise TypeError(
                f"{owner}: Gym is incompatible with Gymnasium, please update the environment "
                f"{kind}_space to `{base.replace('gym', 'gymnasium')}`."
            )
        raise TypeError(
            f"{owner}: {kind} space does not inherit from `gymnasium.spaces.Space`, actual "
            f"type: {type(space)}"
        )
    if _is(space, spaces.Box):
        _check_box(space, kind, owner=owner)
    elif _is(space, spaces.Discrete):
        _require(
            space.n > 0,
            owner,
            f"Discrete {kind} space's number of elements must be positive, actual number of "
            f"elements: {space.n}",
        )
        _require(
            space.shape == (),
            owner,
            f"Discrete {kind} space's shape should be empty, actual shape: {space.shape}",
        )
    elif _is(space, spaces.MultiDiscrete):
        _require(
            space.shape == space.nvec.shape,
            owner,
            f"Multi-discrete {kind} space's shape must be equal to the nvec shape, space shape: "
            f"{space.shape}, nvec shape: {space.nvec.shape}",
        )
        _require(
            bool(np.all(space.nvec > 0)),
            owner,
            f"Multi-discrete {kind} space's all nvec elements must be greater than 0, actual "
            f"nvec: {space.nvec}",
        )
    elif _is(space, spaces.MultiBinary):
        _require(
            all(n > 0 for n in space.shape),
            owner,
            f"Multi-binary {kind} space's all shape elements must be greater than 0, actual "
            f"shape: {space.shape}",
        )
    elif _is(space, spaces.Tuple):
        _require(len(space.spaces) > 0, owner, f"An empty Tuple {kind} space is not allowed.")
        for subspace in space.spaces:
            check_space(subspace, kind, owner=owner)
    elif _is(space, spaces.Dict):
        _require(len(space.spaces) > 0, owner, f"An empty Dict {kind} space is not allowed.")
        for subspace in space.spaces.values():
            check_space(subspace, kind, owner=owner)


def _check_box(space: Any, kind: str, *, owner: str) -> None:
    # Gymnasium's two messages differ in a typo ("have have") by kind and bound; kept verbatim.
    low_verb = "have have" if kind == "action" else "have"
    high_verb = "have" if kind == "action" else "have have"
    _require(
        space.low.shape == space.shape,
        owner,
        f"The Box {kind} space shape and low shape {low_verb} different shapes, low shape: "
        f"{space.low.shape}, box shape: {space.shape}",
    )
    _require(
        space.high.shape == space.shape,
        owner,
        f"The Box {kind} space shape and high shape {high_verb} different shapes, high shape: "
        f"{space.high.shape}, box shape: {space.shape}",
    )
    if np.any(space.low == space.high):
        logger.warn(f"A Box {kind} space maximum and minimum values are equal.")
    elif kind == "observation" and np.any(space.high < space.low):
        logger.warn("A Box observation space low value is greater than a high value.")


def _is_foreign_array(x: Any) -> bool:
    """An array of a namespace other than NumPy (NumPy data gets Gymnasium's exact checks)."""
    return compat.is_array_api_obj(x) and not _is(x, (np.ndarray, np.generic))


def _inside(x: Any, space: Any) -> bool:
    """``x in space`` for a Box, Discrete, MultiDiscrete or MultiBinary space, on x's device."""
    xp: Any = compat.array_namespace(x)
    device = compat.device(x)
    if _is(space, spaces.Discrete):
        if x.shape != () or not xp.isdtype(x.dtype, "integral"):
            return False
        start = int(space.start)
        return bool(xp.logical_and(x >= start, x < start + int(space.n)))
    if tuple(x.shape) != space.shape:
        return False
    if _is(space, spaces.Box):
        if not xp.isdtype(x.dtype, ("real floating", "integral", "bool")):
            return False
        low = convert_array(space.low, xp=xp, device=device)
        high = convert_array(space.high, xp=xp, device=device)
        if not xp.can_cast(x.dtype, low.dtype):  # Gymnasium's Box.contains: np.can_cast
            return False
        x = xp.astype(x, low.dtype)
        return bool(xp.all(xp.logical_and(x >= low, x <= high)))
    if _is(space, spaces.MultiDiscrete):
        start = convert_array(space.start, xp=xp, device=device)
        nvec = convert_array(space.nvec, xp=xp, device=device)
        return bool(xp.all(xp.logical_and(start <= x, x - start < nvec)))
    return bool(xp.all(xp.logical_or(x == 0, x == 1)))  # MultiBinary


_ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def _device_dtype(x: Any, space: Any) -> Any:
    """The space's dtype in ``x``'s namespace (JAX without x64 narrows 64-bit types)."""
    return space_dtype(space.dtype, xp=compat.array_namespace(x), device=compat.device(x))


def check_observation(obs: Any, space: Any, method_name: str, *, owner: str) -> None:
    """Warn (or raise, for a wrong structure) if ``obs`` does not fit ``space``."""
    pre = f"The obs returned by the `{method_name}()` method"
    foreign = _is_foreign_array(obs)
    if _is(space, spaces.Discrete):
        if not _is(obs, (np.int64, int)) and not (
            foreign
            and obs.shape == ()
            and compat.array_namespace(obs).isdtype(obs.dtype, "integral")
        ):
            logger.warn(f"{pre} should be an int or np.int64, actual type: {type(obs)}")
    elif _is(space, spaces.Box):
        if space.shape != ():
            if not _is(obs, np.ndarray) and not foreign:
                logger.warn(f"{pre} was expecting a numpy array, actual type: {type(obs)}")
            elif obs.dtype != (_device_dtype(obs, space) if foreign else space.dtype):
                logger.warn(
                    f"{pre} was expecting numpy array dtype to be {space.dtype}, actual type: "
                    f"{obs.dtype}"
                )
    elif _is(space, (spaces.MultiBinary, spaces.MultiDiscrete)):
        if not _is(obs, np.ndarray) and not foreign:
            logger.warn(f"{pre} was expecting a numpy array, actual type: {type(obs)}")
    elif _is(space, spaces.Tuple):
        if not _is(obs, tuple):
            logger.warn(f"{pre} was expecting a tuple, actual type: {type(obs)}")
        _require(
            len(obs) == len(space.spaces),
            owner,
            f"{pre} length is not same as the observation space length, obs length: "
            f"{len(obs)}, space length: {len(space.spaces)}",
        )
        for sub_obs, sub_space in zip(obs, space.spaces, strict=True):
            check_observation(sub_obs, sub_space, method_name, owner=owner)
    elif _is(space, spaces.Dict):
        _require(_is(obs, dict), owner, f"{pre} must be a dict, actual type: {type(obs)}")
        _require(
            obs.keys() == space.spaces.keys(),
            owner,
            f"{pre} observation keys is not same as the observation space keys, obs keys: "
            f"{list(obs.keys())}, space keys: {list(space.spaces.keys())}",
        )
        for key, sub_space in space.spaces.items():
            check_observation(obs[key], sub_space, method_name, owner=owner)
    if foreign and _is(space, _ARRAY_SPACES):
        if not _inside(obs, space):
            logger.warn(f"{pre} is not within the observation space.")
        return
    if _is(space, (spaces.Tuple, spaces.Dict)) and _has_foreign_leaf(obs):
        return  # the leaves were checked one by one above, on their devices
    try:
        if obs not in space:
            logger.warn(f"{pre} is not within the observation space.")
    except Exception as e:
        logger.warn(f"{pre} is not within the observation space with exception: {e}")


def _has_foreign_leaf(obs: Any) -> bool:
    if _is(obs, dict):
        return any(_has_foreign_leaf(v) for v in obs.values())
    if _is(obs, tuple):
        return any(_has_foreign_leaf(v) for v in obs)
    return _is_foreign_array(obs)


def _is_zero_d_array(x: Any) -> bool:
    """A 0-d array of any namespace, NumPy's included (array envs return those for flags)."""
    return compat.is_array_api_obj(x) and not _is(x, np.generic) and x.shape == ()


def _is_flag(x: Any) -> bool:
    if _is(x, (bool, np.bool_)):
        return True
    return _is_zero_d_array(x) and x.dtype == compat.array_namespace(x).bool


def _is_host_number(x: object) -> bool:
    """Gymnasium's test: the type is a NumPy integer or floating type (Python's count)."""
    kind: Any = type(x)
    return bool(np.issubdtype(kind, np.integer) or np.issubdtype(kind, np.floating))


def _is_number(x: Any) -> bool:
    if _is_host_number(x):
        return True
    return _is_zero_d_array(x) and compat.array_namespace(x).isdtype(
        x.dtype, ("real floating", "integral")
    )


def check_reset(
    env: gym.Env[Any, Any], *, owner: str, seed: int | None, options: dict[str, Any] | None
) -> Any:
    """Check ``env.reset``'s signature, call it, check what it returned, and return that."""
    signature = inspect.signature(env.reset)
    if "seed" not in signature.parameters and "kwargs" not in signature.parameters:
        logger.deprecation(
            "Current gymnasium version requires that `Env.reset` can be passed a `seed` instead "
            "of using `Env.seed` for resetting the environment random number generator."
        )
    else:
        seed_param = signature.parameters.get("seed")
        if seed_param is not None and seed_param.default is not None:
            logger.warn(
                "The default seed argument in `Env.reset` should be `None`, otherwise the "
                "environment will by default always be deterministic. "
                f"Actual default: {seed_param}"
            )
    if "options" not in signature.parameters and "kwargs" not in signature.parameters:
        logger.deprecation(
            "Current gymnasium version requires that `Env.reset` can be passed `options` to "
            "allow the environment initialisation to be passed additional information."
        )
    result = env.reset(seed=seed, options=options)
    if not _is(result, tuple):
        logger.warn(
            "The result returned by `env.reset()` was not a tuple of the form `(obs, info)`, "
            "where `obs` is a observation and `info` is a dictionary containing additional "
            f"information. Actual type: `{type(result)}`"
        )
    elif len(result) != 2:
        logger.warn(
            "The result returned by `env.reset()` should be `(obs, info)` by default, , where "
            "`obs` is a observation and `info` is a dictionary containing additional information."
        )
    else:
        obs, info = result
        check_observation(obs, env.observation_space, "reset", owner=owner)
        _require(
            _is(info, dict),
            owner,
            "The second element returned by `env.reset()` was not a dictionary, actual type: "
            f"{type(info)}",
        )
    return result


def check_step(env: gym.Env[Any, Any], result: Any, *, owner: str) -> None:
    """Check one ``env.step`` result (a 5-tuple, or the old 4-tuple with a deprecation)."""
    _require(
        _is(result, tuple),
        owner,
        f"Expects step result to be a tuple, actual type: {type(result)}",
    )
    if len(result) == 4:
        logger.deprecation(
            "Core environment is written in old step API which returns one bool instead of two. "
            "It is recommended to rewrite the environment with new step API. "
        )
        obs, reward, done, info = result
        if not _is_flag(done):
            logger.warn(f"Expects `done` signal to be a boolean, actual type: {type(done)}")
    elif len(result) == 5:
        obs, reward, terminated, truncated, info = result
        if not _is_flag(terminated):
            logger.warn(
                f"Expects `terminated` signal to be a boolean, actual type: {type(terminated)}"
            )
        if not _is_flag(truncated):
            logger.warn(
                f"Expects `truncated` signal to be a boolean, actual type: {type(truncated)}"
            )
    else:
        raise gym.error.Error(
            f"{owner}: Expected `Env.step` to return a four or five element tuple, actual number "
            f"of elements returned: {len(result)}."
        )
    check_observation(obs, env.observation_space, "step", owner=owner)
    if not _is_number(reward):
        logger.warn(
            "The reward returned by `step()` must be a float, int, np.integer or np.floating, "
            f"actual type: {type(reward)}"
        )
    elif _is_zero_d_array(reward):
        xp: Any = compat.array_namespace(reward)
        if xp.isdtype(reward.dtype, "real floating"):
            if bool(xp.isnan(reward)):
                logger.warn("The reward is a NaN value.")
            if bool(xp.isinf(reward)):
                logger.warn("The reward is an inf value.")
    else:
        if np.isnan(reward):
            logger.warn("The reward is a NaN value.")
        if np.isinf(reward):
            logger.warn("The reward is an inf value.")
    _require(
        _is(info, dict),
        owner,
        f"The `info` returned by `step()` must be a python dictionary, actual type: {type(info)}",
    )


def shares_data(a: Any, b: Any) -> bool:
    """Whether two outputs share a mutable object (an array buffer, a dict), at any depth.

    NumPy arrays are compared by memory (a new view of a reused buffer counts); arrays of other
    namespaces by identity (their buffers are not visible without a backend call).
    """
    if type(a) is not type(b):
        return False
    if _is(a, dict):
        return a is b or any(shares_data(a[k], b[k]) for k in a.keys() & b.keys())
    if _is(a, tuple):
        return any(shares_data(x, y) for x, y in zip(a, b, strict=False))
    if _is(a, np.ndarray):
        if a.dtype == object:
            return a is b or any(shares_data(x, y) for x, y in zip(a.flat, b.flat, strict=False))
        return bool(np.shares_memory(a, b))
    return _is_foreign_array(a) and a is b


def warn_on_shared_data(
    previous: tuple[Any, dict[str, Any]], data: tuple[Any, Any], previous_source: str, source: str
) -> None:
    """Warn if two calls returned observations or infos that share an object."""
    previous_obs, previous_info = (
        previous  # a reset that returned no pair fails here, as in Gymnasium
    )
    obs, info = data
    if shares_data(previous_obs, obs):
        logger.warn(
            f"The observations returned by `{previous_source}` and the following `{source}` share "
            "an object, therefore, modifying one will modify the other. Environments should "
            "return new observation data on every call as users commonly keep the data returned "
            "to them."
        )
    if shares_data(previous_info, info):
        logger.warn(
            f"The infos returned by `{previous_source}` and the following `{source}` share an "
            "object, therefore, modifying one will modify the other. Environments should return "
            "new info data on every call as users commonly keep the data returned to them."
        )


def check_render(env: gym.Env[Any, Any], *, owner: str) -> Any:
    """Check the render metadata, render, check the frame's type for the render mode."""
    modes = env.metadata.get("render_modes")
    if modes is None:
        logger.warn(
            "No render modes was declared in the environment (env.metadata['render_modes'] is "
            "None or not defined), you may have trouble when calling `.render()`."
        )
    else:
        if not _is(modes, (list, tuple)):
            logger.warn(
                "Expects the render_modes to be a sequence (i.e. list, tuple), actual type: "
                f"{type(modes)}"
            )
        elif not all(_is(mode, str) for mode in modes):
            logger.warn(
                "Expects all render modes to be strings, actual types: "
                f"{[type(mode) for mode in modes]}"
            )
        fps = env.metadata.get("render_fps")
        if len(modes) > 0:
            if fps is None:
                logger.warn(
                    "No render fps was declared in the environment (env.metadata['render_fps'] "
                    "is None or not defined), rendering may occur at inconsistent fps."
                )
            elif not _is_host_number(fps):
                logger.warn(
                    "Expects the `env.metadata['render_fps']` to be an integer or a float, "
                    f"actual type: {type(fps)}"
                )
            else:
                _require(
                    fps > 0,
                    owner,
                    "Expects the `env.metadata['render_fps']` to be greater than zero, actual "
                    f"value: {fps}",
                )
            _require(
                env.render_mode is None or env.render_mode in modes,
                owner,
                "The environment was initialized successfully however with an unsupported render "
                f"mode. Render mode: {env.render_mode}, modes: {modes}",
            )
        else:
            _require(
                env.render_mode is None,
                owner,
                "With no render_modes, expects the Env.render_mode to be None, actual value: "
                f"{env.render_mode}",
            )
    frame = env.render()
    if env.render_mode is not None:
        _check_frame(env.render_mode, frame)
    return frame


def _check_frame(mode: str, frame: Any) -> None:
    is_array = _is(frame, np.ndarray) or _is_foreign_array(frame)
    if mode == "human":
        if frame is not None:
            logger.warn(f"Human rendering should return `None`, got {type(frame)}")
    elif mode == "rgb_array":
        if not is_array:
            logger.warn(f"RGB-array rendering should return a numpy array, got {type(frame)}")
            return
        if str(frame.dtype).split(".")[-1] != "uint8":
            logger.warn(
                "RGB-array rendering should return a numpy array with dtype uint8, got "
                f"{frame.dtype}"
            )
        if frame.ndim != 3:
            logger.warn(
                f"RGB-array rendering should return a numpy array with three axes, got {frame.ndim}"
            )
        elif frame.shape[2] != 3:
            logger.warn(
                "RGB-array rendering should return a numpy array in which the last axis has three "
                f"dimensions, got {frame.shape[2]}"
            )
    elif mode == "depth_array":
        if not is_array:
            logger.warn(f"Depth-array rendering should return a numpy array, got {type(frame)}")
        elif frame.ndim != 2:
            logger.warn(
                f"Depth-array rendering should return a numpy array with two axes, got {frame.ndim}"
            )
    elif mode in ("ansi", "ascii"):
        if not _is(frame, str):
            logger.warn(f"ANSI/ASCII rendering should produce a string, got {type(frame)}")
    elif mode.endswith("_list"):
        if not _is(frame, list):
            logger.warn(f"Render mode `{mode}` should produce a list, got {type(frame)}")
        else:
            for item in frame:
                _check_frame(mode[: -len("_list")], item)
