"""POST /api/v1/collaborations/{id}/dispute/evidence/: either party adds a note and/or files to the open dispute,
checked as the opening's evidence is; the dispute's evidence says who handed each piece in; 409 once decided,
404 for anyone not on the deal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from brands.models import BrandMembership
from orders.models import Collaboration, Deliverable
from orders.services import deliverables
from tests.api.clients import api_for
from tests.factories import MembershipFactory
from tests.orders.conftest import deal_in, make_creator, world  # noqa: F401 - the fixture is used by name

S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "evid"}}


def png(name="shot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


def url(c) -> str:
    return reverse("api:collaboration-dispute-evidence", args=[c.pk])


def disputed_by_the_brand(world) -> Collaboration:  # noqa: F811
    c = deal_in(world, S.ACCEPTED)
    deliverables.dispute_open(collaboration_id=c.pk, actor=world["owner"], reason="Late.", evidence=[png("b.png")])
    return c


def test_the_creator_adds_evidence_and_both_sides_read_who_gave_what(world):  # noqa: F811
    c = disputed_by_the_brand(world)

    added = api_for(c.creator.user).post(
        url(c), {"note": "Sent on day 3.", "evidence": [png("mine.png")]}, format="multipart"
    )
    seen_by_brand = api_for(world["owner"]).get(reverse("api:collaboration-detail", args=[c.pk])).json()

    assert added.status_code == 201, added.json()
    evidence = added.json()["evidence"]
    assert [(e["by"], e["text"], bool(e["download_url"])) for e in evidence] == [
        ("brand", "", True),
        ("creator", "Sent on day 3.", False),
        ("creator", "", True),
    ]
    assert seen_by_brand["disputes"][0]["evidence"] == evidence


def test_an_empty_submission_and_a_wrong_file_are_400s_beside_their_fields(world):  # noqa: F811
    c = disputed_by_the_brand(world)
    api = api_for(world["owner"])

    empty = api.post(url(c), {"note": ""}, format="multipart")
    wrong = api.post(
        url(c), {"evidence": [SimpleUploadedFile("a.png", b"words", content_type="image/png")]}, format="multipart"
    )

    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["note"]
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["evidence"]
    assert Deliverable.objects.filter(collaboration=c, kind="evidence").count() == 1


def test_a_decided_dispute_is_a_409(world):  # noqa: F811
    c = deal_in(world, S.RESOLVED)

    response = api_for(c.creator.user).post(url(c), {"note": "Too late."}, format="multipart")

    assert response.status_code == 409
    assert "no more evidence can be added" in response.json()["detail"]


def test_strangers_get_404_viewers_and_staff_403(world):  # noqa: F811
    c = disputed_by_the_brand(world)
    stranger_brand = MembershipFactory(role=BrandMembership.Role.OWNER).user

    answers = {
        who: api_for(user).post(url(c), {"note": "Hm."}, format="multipart").status_code
        for who, user in [
            ("other brand", stranger_brand),
            ("other creator", make_creator().user),
            ("viewer", world["viewer"]),
            ("admin", world["admin"]),
        ]
    }

    assert answers == {"other brand": 404, "other creator": 404, "viewer": 403, "admin": 403}
    assert Deliverable.objects.filter(collaboration=c, kind="evidence").count() == 1
