"""The array_env conformance suite: the properties every wrapper must hold, on every backend.

Run it with ``pytest conformance`` or ``array-env check``; ``--impl MODULE`` runs the same
properties against another implementation of the wrappers (for example ``gymnasium.wrappers``).
See ``conformance/README.md``.
"""
