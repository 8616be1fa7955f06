# CuPy ships no type information and is absent from machines without a GPU. This stub makes
# `import cupy` resolve to `Any` everywhere, so both checkers give the same answer with or
# without it installed.
from typing import Any

def __getattr__(name: str) -> Any: ...  # pyright: ignore[reportIncompleteStub]
