"""Plug-in points: where a lower layer calls a higher one that it may not import.

The wiring names the module for each point in settings (``CALLER_LOADER = "brands.callers"``,
``ORDER_MATCHING = "matching.for_orders"``); the kernel loads it by name, once. docs/architecture.md
lists the points and what each module must provide.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings


@cache
def plugin(setting: str) -> ModuleType:
    """The module named by ``settings.<setting>``."""
    return import_module(getattr(settings, setting))
