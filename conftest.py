"""Settings that must be in place before any test module imports a backend."""

import os

# PyTorch's OpenMP pool busy-waits: with two threads on a two-core machine that also runs other
# pytest workers, a 64 KiB reduction takes 30 ms instead of 0.5 ms. One thread per process.
os.environ.setdefault("OMP_NUM_THREADS", "1")
