"""array_env: every Gymnasium wrapper, written once against the Python Array API standard.

Importing ``array_env`` imports no array backend beyond NumPy (which Gymnasium needs): torch,
jax and cupy are imported only when a namespace of theirs is asked for.

Examples:
    >>> import numpy as np
    >>> import array_env
    >>> array_env.to_namespace({"obs": np.zeros(2)}, "array_api_strict")["obs"].shape
    (2,)
"""

from array_env._checks import ArrayMismatchError
from array_env._namespace import (
    BACKEND_NAMES,
    available_devices,
    backend_available,
    device_name,
    namespace_name,
    resolve_device,
    resolve_namespace,
)
from array_env._tree import tree_leaves, tree_map, tree_map_with_path
from array_env.convert import TreeConverter, convert_array, convert_tree, to_namespace

__version__ = "0.1.0"

__all__ = [
    "BACKEND_NAMES",
    "ArrayMismatchError",
    "TreeConverter",
    "__version__",
    "available_devices",
    "backend_available",
    "convert_array",
    "convert_tree",
    "device_name",
    "namespace_name",
    "resolve_device",
    "resolve_namespace",
    "to_namespace",
    "tree_leaves",
    "tree_map",
    "tree_map_with_path",
]
