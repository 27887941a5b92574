"""The Simplified Chinese catalogue: complete, compiled from what is committed, and used by the pages."""

import ast
import gettext
from pathlib import Path

from django.conf import settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid (or msgid_plural's msgstr[0] key, as gettext stores plurals) → msgstr, from django.po."""
    entries, current, field = {}, {}, None
    for line in [*(CATALOGUE / "django.po").read_text().splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, field = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _, text = line.partition(" ")
            current[field] = ast.literal_eval(text)
    return entries


def test_every_message_has_a_chinese_translation():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if not msgstr]

    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"


def test_the_compiled_catalogue_matches_the_committed_one():
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)

    stale = [msgid for msgid, msgstr in po_entries().items() if compiled.gettext(msgid) != msgstr]

    assert not stale, f"django.mo is out of date (run compilemessages -l zh_Hans): {stale[:3]}"


def test_a_page_in_chinese_shows_the_translated_texts(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")}, follow=True)

    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "Log in" not in page
