"""Count the pairs of top-level packages that import each other: ``python -m marketplace.dev.import_cycles``.

The kernel (``marketplace.core``) counts as a package of its own, apart from the wiring (the rest of
``marketplace``). Prints the count and the pairs; exits 1 when there is any. lint-imports checks the
layers themselves (pyproject.toml); this is the one figure docs/architecture.md quotes.
"""

from __future__ import annotations

import importlib.util
import sys

import grimp

PACKAGES = ("marketplace", "brands", "creators", "payouts", "orders", "matching", "insights")


def group(module: str) -> str:
    parts = module.split(".")
    return "marketplace.core" if parts[:2] == ["marketplace", "core"] else parts[0]


def cycles() -> list[tuple[str, str]]:
    graph = grimp.build_graph(*[p for p in PACKAGES if importlib.util.find_spec(p)], cache_dir=None)
    edges = {
        (group(module), group(imported))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if group(module) != group(imported)
    }
    return sorted({tuple(sorted(edge)) for edge in edges if (edge[1], edge[0]) in edges})


def main() -> int:
    pairs = cycles()
    print(f"{len(pairs)} package pairs import each other" + "".join(f"\n  {a} <-> {b}" for a, b in pairs))
    return 1 if pairs else 0


if __name__ == "__main__":
    sys.exit(main())
