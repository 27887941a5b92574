"""``{% route %}`` answers what ``{% url %}`` would, for every link of the base layout."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.urls import get_script_prefix, set_script_prefix

BASE = Path(settings.BASE_DIR, "templates", "base.html").read_text()
NAMES = sorted(set(re.findall(r"{% route '([a-z_:]+)' %}", BASE)))


def _both(name: str) -> tuple[str, str]:
    cached = Template("{% load routes %}{% route name %}").render(Context({"name": name}))
    plain = Template("{% url name %}").render(Context({"name": name}))
    return cached, plain


def test_every_route_of_the_layout_equals_its_url_tag():
    assert len(NAMES) >= 20
    for name in NAMES:
        cached, plain = _both(name)
        assert cached == plain and cached.startswith("/"), name


def test_a_route_follows_the_script_prefix():
    before = get_script_prefix()
    try:
        _both("orders:list")
        set_script_prefix("/starmap/")
        cached, plain = _both("orders:list")
    finally:
        set_script_prefix(before)
    assert cached == plain and cached.startswith("/starmap/")
