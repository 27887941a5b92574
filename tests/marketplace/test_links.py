"""Templates draw links with Django's ``{% url %}`` only: no template tag of the project reverses a URL
itself (a cached ``{% route %}`` was measured and removed; docs/performance.md, "Templates")."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def test_no_template_tag_of_the_project_reverses_urls():
    tag_modules = [p for p in ROOT.glob("*/**/templatetags/*.py") if ".venv" not in p.parts]
    assert tag_modules
    assert [str(p.relative_to(ROOT)) for p in tag_modules if re.search(r"\breverse\b|lru_cache", p.read_text())] == []
    templates = [p for p in (ROOT / "templates").rglob("*.html") if "{% route " in p.read_text()]
    assert templates == []


def test_the_layout_links_of_a_guest_lead_to_their_pages(db):
    body = Client().get(reverse("home")).content.decode()

    for name in ("home", "login", "signup"):
        assert f'href="{reverse(name)}"' in body


def _main_navigation(body: str) -> str:
    return re.search(r'<nav aria-label="Main">.*?</nav>', body, re.S).group(0)


def test_a_brand_finds_its_saved_lists_and_its_deadlines_in_the_main_navigation(db):
    from tests.factories import MembershipFactory

    client = Client()
    client.force_login(MembershipFactory().user)

    nav = _main_navigation(client.get(reverse("brands:dashboard")).content.decode())

    for name in ("matching:list_index", "deals:deadlines", "creators:directory", "payouts:wallet"):
        assert f'href="{reverse(name)}"' in nav, name
