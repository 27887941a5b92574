"""Reserved handles: a handle that a page of the site would shadow is refused, however it is chosen.

The candidates are generated from the URL conf here, independently of creators.handles: every literal
path segment of every route must be refused, and in particular every word that, put where a handle
stands, opens another page — so a route added later is covered without editing this file.
"""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from creators.bulk import CreatorRecord, write_creators
from creators.forms import CreatorSignupForm
from creators.handles import FIXED_RESERVED
from creators.models import Creator
from creators.services import creator_signup
from marketplace.core.models import User
from tests.api.clients import api_for
from tests.creators.test_import_creators import csv_bytes, good_row
from tests.factories import CreatorFactory

HANDLE = re.compile(r"<(?:\w+:)?handle>")
GOOD_PASSWORD = "a-long-passphrase-91"


def routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from routes(entry, route)
        else:
            yield route, entry.name


def literal_segments() -> set[str]:
    return {s for route, _name in routes() for s in route.split("/") if re.fullmatch(r"[\w.-]+", s)}


def shadowed_handles() -> dict[str, set[str]]:
    """Per handle-bearing route, the words that, put in the handle's place, open another page."""
    found = {}
    for route, name in routes():
        if not HANDLE.search(route):
            continue
        shadowed = set()
        for word in literal_segments():
            path = "/" + HANDLE.sub(word, route)
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.url_name != name or match.kwargs.get("handle") != word:
                shadowed.add(word.lower())
        found[route] = shadowed
    return found


def signup_data(handle: str) -> dict:
    return {
        "email": f"{handle.lower()}@example.test",
        "display_name": "Someone",
        "handle": handle,
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }


def test_the_url_conf_has_handle_routes_and_words_they_shadow():
    found = shadowed_handles()

    assert "creator/<slug:handle>/" in found
    assert {"profile", "growth", "browse"} <= found["creator/<slug:handle>/"]


@pytest.mark.django_db
def test_every_literal_segment_of_the_url_conf_and_every_shadowed_word_is_refused_at_signup():
    words = literal_segments() | set().union(*shadowed_handles().values()) | FIXED_RESERVED
    slugs = sorted(w for w in words if re.fullmatch(r"[-a-zA-Z0-9_]+", w))  # the others fail as slugs anyway

    accepted = [w for w in slugs if CreatorSignupForm(signup_data(w)).is_valid()]
    accepted_in_another_case = [w for w in slugs if CreatorSignupForm(signup_data(w.upper())).is_valid()]

    assert len(slugs) > 50
    assert accepted == [] and accepted_in_another_case == []
    assert CreatorSignupForm(signup_data("lin-cooks")).is_valid()


def test_the_signup_page_shows_the_reason_beside_the_handle_and_creates_nobody(client, db):
    response = client.post("/accounts/signup/creator/", signup_data("profile"))

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["handle"] == [
        "“profile” is reserved for the site's own pages and names; choose another handle."
    ]
    assert 'id="id_handle_errors"' in page
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("handle", ["profile", "Growth", "api", "support"])
def test_the_signup_service_refuses_a_reserved_handle(handle):
    with pytest.raises(ValidationError) as refused:
        creator_signup(email="x@example.test", password=GOOD_PASSWORD, display_name="X", handle=handle)

    assert "handle" in refused.value.message_dict
    assert not User.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_rename_a_creator_to_a_reserved_handle():
    creator = CreatorFactory()
    creator.handle = "browse"

    with pytest.raises(ValidationError) as refused:
        creator.full_clean()

    assert "handle" in refused.value.message_dict


@pytest.mark.django_db
def test_the_csv_import_names_row_column_and_reason_and_imports_nothing(tmp_path):
    path = tmp_path / "creators.csv"
    path.write_bytes(csv_bytes([good_row(1, labels=""), good_row(2, handle="profile", labels="")]))

    with pytest.raises(CommandError) as failed:
        call_command("import_creators", str(path), "--no-progress", stdout=io.StringIO())

    assert (
        "row 3, column handle: “profile” is reserved for the site's own pages and names; choose another handle."
        in str(failed.value)
    )
    assert not Creator.objects.exists()


@pytest.mark.django_db
def test_bulk_writes_refuse_a_reserved_handle():
    records = [CreatorRecord(handle="ok-one", display_name="A"), CreatorRecord(handle="growth", display_name="B")]

    with pytest.raises(ValueError, match="growth"):
        write_creators(records)

    assert not Creator.objects.exists()


@pytest.mark.django_db
def test_neither_the_profile_editor_nor_the_api_changes_a_handle(client):
    creator = CreatorFactory(handle="mia-makes", display_name="Mia")
    client.force_login(creator.user)

    client.post(reverse("creators:profile_edit"), {"section": "basics", "display_name": "Mia", "handle": "profile"})
    api_for(creator.user).patch(reverse("api:creator-profile"), {"handle": "growth"}, format="json")

    creator.refresh_from_db()
    assert creator.handle == "mia-makes"
