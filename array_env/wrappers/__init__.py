"""Single-environment wrappers, with Gymnasium 1.x's names and constructor signatures.

Each family lives in its own module (conversion, observation, action, reward, common); the vector
twin of every wrapper has the same name in :mod:`array_env.vector`. Importing this package
imports no torch, jax or cupy.
"""

__all__: list[str] = []
