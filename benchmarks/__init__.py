"""Side-by-side measurements of array_env against Gymnasium and the bare environments.

``python -m benchmarks`` runs every suite (conversion, environments, wrappers, and Atari when
ale-py is installed), writes the rows as JSON under ``benchmarks/results/`` with the machine and
library versions, and draws the plots; each suite also runs alone as ``python -m
benchmarks.<suite>`` and prints its tables.
"""
