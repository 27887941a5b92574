"""Tables become cards on a phone through one mechanism: every body cell of a table with column headings
carries ``data-label`` (its column's name), which starmap.css shows beside the value below 700 px.

Generated from the templates on disk: a table (or a row partial) added later is checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.html import text_of

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Tables that keep their columns on a phone, inside a box that scrolls on its own, and why.
KEEP_COLUMNS = {
    "marketplace/_chart_table.html": "a chart's figures, folded in a <details>, in .overflow-auto",
    "insights/platform_overview.html": "twelve months compared side by side, in .overflow-auto",
    "matching/creator_compare.html": "up to four creators compared side by side (a column each), in .overflow-auto",
}
CELL = re.compile(r"<td\b[^>]*>")
TABLE = re.compile(r"<table\b.*?</table>", re.S)


def unlabelled_cells(source: str) -> list[str]:
    """Body cells with no data-label; a cell spanning the row (an empty list's message) needs none."""
    return [cell for cell in CELL.findall(source) if "data-label" not in cell and "colspan" not in cell]


def cells_to_check(source: str) -> str:
    """The parts of a template whose cells must be labelled: tables with a <thead>, or a row partial."""
    if "<table" not in source:
        return source if "<tr" in source else ""
    return "".join(table for table in TABLE.findall(source) if "<thead" in table)


def test_every_cell_of_a_table_with_column_headings_names_its_column():
    missing = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        if name in KEEP_COLUMNS:
            continue
        cells = unlabelled_cells(cells_to_check(path.read_text(encoding="utf-8")))
        if cells:
            missing[name] = cells

    assert missing == {}


def test_the_tables_kept_as_tables_scroll_inside_their_own_box():
    for name in KEEP_COLUMNS:
        source = (TEMPLATES / name).read_text(encoding="utf-8")

        assert re.search(r'class="overflow-auto"[^>]*>\s*<table', source), name


FORMS_DRAWN_WITH_FORM_ERRORS = sorted(
    str(path.relative_to(TEMPLATES))
    for path in TEMPLATES.rglob("*.html")
    if 'include "marketplace/_form_errors.html"' in path.read_text(encoding="utf-8")
)


@pytest.mark.django_db
def test_a_form_sent_with_field_errors_lists_them_at_its_top_each_linking_to_its_field(client):
    response = client.post(reverse("signup_brand"), {"email": "not an address", "brand_name": ""})

    html = response.content.decode()
    summary = text_of(html, "error-summary")
    assert summary.startswith("Not saved yet. Fix what is marked below, then send the form again:")
    links = re.findall(r'<a href="#(id_\w+_field)">', html)
    assert {"id_email_field", "id_brand_name_field"} <= set(links)
    for target in links:
        assert f'id="{target}"' in html, f"the summary links to #{target}, which the page does not have"


def test_every_form_errors_partial_carries_the_summary():
    # The summary comes with the one partial every form includes, so no form can be without it.
    partial = (TEMPLATES / "marketplace/_form_errors.html").read_text(encoding="utf-8")

    assert 'include "marketplace/_error_summary.html" with fields_only=True' in partial
    assert len(FORMS_DRAWN_WITH_FORM_ERRORS) > 20


def all_templates() -> dict[str, str]:
    return {str(p.relative_to(TEMPLATES)): p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.rglob("*.html"))}


def test_no_list_gives_up_its_list_role():
    # <ul role="alert"> is no longer a list, so its items have no list (axe: listitem, serious); a live
    # list says so with aria-live instead.
    lists_with_a_role = {
        name: found
        for name, source in all_templates().items()
        if (found := re.findall(r"<[ou]l\b[^>]*\brole=", source))
    }

    assert lists_with_a_role == {}


def test_every_box_that_scrolls_sideways_can_be_reached_by_keyboard():
    # A table wider than a phone scrolls inside .overflow-auto: without tabindex a keyboard user cannot
    # scroll it (axe: scrollable-region-focusable, serious).
    unreachable = {
        name: found
        for name, source in all_templates().items()
        if (found := [tag for tag in re.findall(r"<div\b[^>]*overflow-auto[^>]*>", source) if "tabindex" not in tag])
    }

    assert unreachable == {}


@pytest.mark.django_db
def test_the_favicon_browsers_ask_for_is_the_icon_every_page_links(client):
    page = client.get(reverse("login")).content.decode()
    linked = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == linked
    icon = client.get(linked)
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])


def test_no_template_comment_runs_over_lines():
    # {# ... #} ends on its line: one that runs over shows its words at the top of the page.
    broken = {
        name: [line.strip() for line in source.splitlines() if "{#" in line and "#}" not in line.split("{#", 1)[1]]
        for name, source in all_templates().items()
    }

    assert {name: lines for name, lines in broken.items() if lines} == {}
