"""The reference list's ``...V0`` names, as aliases of the canonical Gymnasium 1.x classes.

``from array_env.experimental import NormalizeObservationV0`` gives the very class
:class:`array_env.wrappers.NormalizeObservation`; nothing here has behaviour of its own.
"""

__all__: list[str] = []
