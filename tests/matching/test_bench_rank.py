"""The benchmarks reach into matching's modules (bench/rank.py times private steps by wrapping them): every
module attribute a bench script names must exist, so moving code between modules cannot leave a bench that
fails only when someone runs it."""

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "bench").glob("*.py"))


def module_names(tree: ast.Module) -> dict[str, str]:
    """Names the script binds to a project module (``from matching import scoring``, ``import x.y as z``)."""
    bound = {}
    for node in ast.walk(tree):
        # Only project modules are looked up: finding ``locust.HttpUser`` would import locust, which
        # monkey-patches the standard library with gevent (bench/soak.py) inside the test run.
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] in PROJECT
        ):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if importlib.util.find_spec(node.module.split(".")[0]) and _is_module(candidate):
                    bound[alias.asname or alias.name] = candidate
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.split(".")[0] in PROJECT and _is_module(alias.name):
                    bound[alias.asname] = alias.name
    return {name: module for name, module in bound.items() if module.split(".")[0] in PROJECT}


PROJECT = {"matching", "marketplace", "creators", "brands", "orders", "payouts", "insights"}


def _is_module(dotted: str) -> bool:
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False


def named_attributes(path: Path) -> list[tuple[str, str, int]]:
    """(module, attribute, line) for every ``module.attribute`` and ``_timed(module, "attribute")``."""
    tree = ast.parse(path.read_text())
    modules = module_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            found.append((modules[node.value.id], node.attr, node.lineno))
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("_timed", "getattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in modules
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            found.append((modules[node.args[0].id], node.args[1].value, node.lineno))
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_module_attribute_a_bench_script_names_exists(script):
    missing = [
        f"{script.name}:{line}: {module}.{attribute}"
        for module, attribute, line in named_attributes(script)
        if not hasattr(importlib.import_module(module), attribute)
    ]

    assert not missing


def test_the_check_sees_the_timed_rebuild_step():
    found = {(m, a) for m, a, _ in named_attributes(ROOT / "bench" / "rank.py")}

    assert ("matching.snapshot.builder", "_primary_interest") in found
    assert ("matching.scoring", "rank_plan") in found
