"""The layer contract in pyproject.toml covers the whole project package: import-linter cannot list
``marketplace`` (the wiring) and ``marketplace.core`` (the kernel) as two layers, so the wiring is
listed module by module, and a module added to ``marketplace/`` must be given its layer there too."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = (c for c in config["contracts"] if c["id"] == "layers")
    return [[name.strip() for name in layer.replace(":", "|").split("|")] for layer in contract["layers"]]


def _owners(module: str, layers: list[list[str]]) -> list[str]:
    return [name for layer in layers for name in layer if module == name or module.startswith(name + ".")]


def test_every_marketplace_module_is_in_exactly_one_layer():
    layers = _layers()
    modules = grimp.build_graph("marketplace", cache_dir=None).modules

    misplaced = {
        module: owners
        for module in sorted(modules)
        if module != "marketplace" and len(owners := _owners(module, layers)) != 1
    }

    assert misplaced == {}


def test_every_app_of_the_project_is_a_layer():
    from django.apps import apps

    named = {name for layer in _layers() for name in layer}
    project_apps = {config.name for config in apps.get_app_configs() if (ROOT / Path(*config.name.split("."))).is_dir()}

    assert project_apps - named == set()
