"""Read the docs site's ``objects.inv`` back with Sphinx's intersphinx tool and check it.

Gymnasium's documentation (and most of the Python world's) is built with Sphinx, which links to
other projects through their ``objects.inv`` inventories. mkdocstrings writes one for this site;
this script reads it with ``python -m sphinx.ext.intersphinx``, exactly as a Sphinx project's
intersphinx would, and fails unless every public class of ``array_env.wrappers`` and
``array_env.vector`` is in it as a ``py:class``. CI runs it after ``mkdocs build``:

    python tests/check_inventory.py SITE/objects.inv
"""

from __future__ import annotations

import subprocess
import sys

import array_env.vector
import array_env.wrappers


def inventory_classes(path: str) -> set[str]:
    """The ``py:class`` names of an inventory, as Sphinx's intersphinx tool lists them."""
    listing = subprocess.run(
        [sys.executable, "-m", "sphinx.ext.intersphinx", path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names: set[str] = set()
    section = ""
    for line in listing.splitlines():
        if line and not line.startswith(" "):
            section = line.strip()
        elif section == "py:class" and ":" in line:
            names.add(line.split(":", 1)[0].strip())
    return names


def public_classes() -> dict[str, str]:
    """Every public wrapper, ``"array_env.vector.Name"`` -> its defining module's dotted path."""
    found: dict[str, str] = {}
    for package in (array_env.wrappers, array_env.vector):
        for name in package.__all__:
            cls = getattr(package, name)
            found[f"{package.__name__}.{name}"] = f"{cls.__module__}.{cls.__qualname__}"
    return found


def main(argv: list[str]) -> int:
    """Print what is missing; exit 1 if anything is."""
    if len(argv) != 1:
        print(__doc__)
        return 2
    listed = inventory_classes(argv[0])
    missing = [
        public
        for public, defined in public_classes().items()
        if public not in listed and defined not in listed
    ]
    for public in missing:
        print(f"missing from objects.inv: {public}")
    print(f"objects.inv: {len(listed)} classes; public wrappers missing: {len(missing)}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
