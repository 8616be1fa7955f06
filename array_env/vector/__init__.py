"""Vector-environment wrappers: the twins of :mod:`array_env.wrappers`, same names.

They work on a leading batch axis with masks, never a Python loop over sub-environments, and
honour Gymnasium's three autoreset modes. Importing this package imports no torch, jax or cupy.
"""

__all__: list[str] = []
