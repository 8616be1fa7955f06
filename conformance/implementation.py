"""Which implementation of the wrappers the suite runs against.

An implementation is a pair of modules that provide the wrapper classes by their Gymnasium names:
one for single-environment wrappers and one for vector wrappers. ``array_env`` (the default) is
``array_env.wrappers`` + ``array_env.vector``; ``gymnasium.wrappers`` is ``gymnasium.wrappers`` +
``gymnasium.wrappers.vector``. Any other ``MODULE`` uses ``MODULE.vector`` for vector wrappers
when that module exists, and ``MODULE`` itself otherwise.

Examples:
    >>> impl = load_implementation("gymnasium.wrappers")
    >>> impl.vector.__name__
    'gymnasium.wrappers.vector'
    >>> impl.is_reference
    False
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

__all__ = ["DEFAULT_IMPLEMENTATION", "Implementation", "MissingWrapperError", "load_implementation"]

Kind = Literal["single", "vector"]

DEFAULT_IMPLEMENTATION = "array_env"
_KNOWN: dict[str, tuple[str, str]] = {
    "array_env": ("array_env.wrappers", "array_env.vector"),
    "array_env.wrappers": ("array_env.wrappers", "array_env.vector"),
    "gymnasium": ("gymnasium.wrappers", "gymnasium.wrappers.vector"),
    "gymnasium.wrappers": ("gymnasium.wrappers", "gymnasium.wrappers.vector"),
}


class MissingWrapperError(AttributeError):
    """The implementation under test provides no class of the wrapper's name."""


@dataclass(frozen=True)
class Implementation:
    """The modules that provide the wrapper classes under test.

    Attributes:
        name: The name it was selected by (``--impl``).
        single: The module holding single-environment wrappers.
        vector: The module holding vector wrappers.
    """

    name: str
    single: ModuleType
    vector: ModuleType

    @property
    def is_reference(self) -> bool:
        """Whether this is array_env itself, the only implementation the xfail lists apply to."""
        return self.single.__name__ == "array_env.wrappers"

    def wrapper(self, name: str, kind: Kind) -> Any:
        """Return the class named ``name`` from the single or vector module.

        Raises:
            MissingWrapperError: If the module has no such class.
        """
        module = self.single if kind == "single" else self.vector
        try:
            return getattr(module, name)
        except AttributeError as e:
            raise MissingWrapperError(f"{module.__name__} provides no {name}") from e


def load_implementation(spec: str | None = None) -> Implementation:
    """Import the implementation named ``spec`` (``None`` selects array_env).

    Raises:
        ImportError: If the module does not exist.
    """
    name = spec or DEFAULT_IMPLEMENTATION
    single_name, vector_name = _KNOWN.get(name, (name, ""))
    single = importlib.import_module(single_name)
    if not vector_name:
        candidate = f"{single_name}.vector"
        vector_name = candidate if _module_exists(candidate) else single_name
    return Implementation(name=name, single=single, vector=importlib.import_module(vector_name))


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
