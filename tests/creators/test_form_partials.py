"""One field partial and one form-errors partial for every form of the site, and what they show.

Each field is drawn in its container (``<id>_field``) with its label, its help text (``<id>_helptext``,
which the input's ``aria-describedby`` names) and its errors right below it (``<id>_errors``, which the
error summary links to); a field drawn by hand in a table cell gets its errors with the same id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.html import text_of
from tests.orders.conftest import make_creator

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PARTIALS = ("_field.html", "_form_errors.html")

pytestmark = pytest.mark.django_db


def test_every_form_is_drawn_by_the_one_field_partial_and_the_one_form_errors_partial():
    copies = sorted(str(p.relative_to(TEMPLATES)) for name in PARTIALS for p in TEMPLATES.rglob(name))
    assert copies == ["marketplace/_field.html", "marketplace/_form_errors.html"]
    included = {
        (str(path.relative_to(TEMPLATES)), name)
        for path in TEMPLATES.rglob("*.html")
        for name in re.findall(r'{% include "([^"]*/_(?:field|form_errors)\.html)"', path.read_text())
    }
    assert included and {name for _, name in included} == {f"marketplace/{p}" for p in PARTIALS}


def _tag(html: str, element_id: str) -> str:
    return re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html).group(0)


def test_a_refused_profile_field_shows_label_help_and_its_error_tied_to_the_box(client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(reverse("creators:profile_edit"), {"section": "capacity", "max_concurrent": "0"})

    html = response.content.decode()
    field = text_of(html, "id_max_concurrent_field")
    assert "Collaborations at the same time" in field and "many collaborations are in progress" in field
    assert '<label for="id_max_concurrent">' in html
    assert 'id="id_max_concurrent_helptext"' in html and 'id="id_max_concurrent_errors"' in html
    box = _tag(html, "id_max_concurrent")
    assert "id_max_concurrent_helptext" in box and 'aria-invalid="true"' in box
    assert "greater than or equal to 1" in text_of(html, "id_max_concurrent_errors")


def test_a_refused_price_in_the_rate_card_table_has_its_error_list_named_for_the_field(client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(reverse("creators:profile_edit"), {"section": "rate_card", "price_short_21_60": "abc"})

    html = response.content.decode()
    assert text_of(html, "id_price_short_21_60_errors")  # the list the cell's box is tied to
    assert text_of(html, "id_price_short_21_60_errors") in text_of(html, "id_price_short_21_60_field")
