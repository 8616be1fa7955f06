"""``python -m array_env``: the ``array-env`` command (see :mod:`array_env.cli`)."""

from array_env.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
