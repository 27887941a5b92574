"""While a dispute is open either party (and the creator's agency, under its power to submit the creator's work)
adds evidence on the deal page: a note and/or files, checked as the opening's are, seen by both sides and by staff
on the dispute's timeline, with the other side and staff notified. Once decided, nothing more is added."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from brands.models import BrandMembership
from marketplace.core import Conflict
from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute
from orders.services import deliverables
from tests.agencies.conftest import make_agency, sign
from tests.factories import MembershipFactory
from tests.orders.conftest import deal_in, make_creator

S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(name="shot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")


def page(c) -> str:
    return reverse("deals:collaboration", args=[c.pk])


def add_url(c) -> str:
    return reverse("deals:act", args=[c.pk, "add_evidence"])


def opened_by_the_brand(world, creator=None) -> Collaboration:
    """A deal the brand disputed with a PNG, as on the demo's /deals/1601/."""
    c = deal_in(world, S.ACCEPTED, creator=creator)
    deliverables.dispute_open(
        collaboration_id=c.pk, actor=world["owner"], reason="No script after a week.", evidence=[png("brand.png")]
    )
    return c


def evidence_links(c, who) -> list[str]:
    return [
        reverse("deals:download", args=[pk])
        for pk in Deliverable.objects.filter(collaboration=c, kind="evidence", uploaded_by=who)
        .exclude(file="")
        .values_list("pk", flat=True)
    ]


# ------------------------------------------------------------------ both sides add, both sides and staff see


def test_the_creator_adds_a_note_and_a_file_to_the_brands_dispute_and_everyone_sees_both_sides(world, client):
    c = opened_by_the_brand(world)
    creator = c.creator.user
    client.force_login(creator)
    offered = client.get(page(c)).content.decode()

    response = client.post(
        add_url(c), {"note": "I sent the script on day 3; screenshot attached.", "evidence": [png("mine.png")]}
    )

    assert 'id="action-add_evidence"' in offered and add_url(c) in offered
    assert response.status_code == 302 and response["Location"] == page(c)
    creator_page = client.get(page(c)).content.decode()
    assert "Evidence added: the other side and the admins can see it." in creator_page
    assert "I sent the script on day 3; screenshot attached." in creator_page
    [theirs] = evidence_links(c, world["owner"])
    [mine] = evidence_links(c, creator)
    assert theirs in creator_page and mine in creator_page
    client.force_login(world["owner"])
    brand_page = client.get(page(c)).content.decode()
    assert "I sent the script on day 3; screenshot attached." in brand_page and mine in brand_page
    client.force_login(world["admin"])
    staff_page = client.get(reverse("deals:dispute", args=[c.disputes.get().pk])).content.decode()
    assert "I sent the script on day 3; screenshot attached." in staff_page
    assert theirs in staff_page and mine in staff_page
    assert "Evidence added to the dispute" in staff_page  # on the timeline, named as a step
    assert c.creator.display_name in staff_page and world["brand"].name in staff_page


def test_the_brand_adds_more_files_after_opening_and_the_creator_and_staff_are_told(world, client):
    c = opened_by_the_brand(world)
    client.force_login(world["owner"])

    response = client.post(add_url(c), {"evidence": [png("later-1.png"), png("later-2.png")]}, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert all(link in html for link in evidence_links(c, world["owner"]))
    assert len(evidence_links(c, world["owner"])) == 3
    event = CollaborationEvent.objects.get(collaboration=c, action="add_evidence")
    assert event.actor == world["owner"] and event.data["files"] == 2
    told = {n.user_id: n.text for n in Notification.objects.filter(kind="add_evidence")}
    assert set(told) == {c.creator.user_id, world["admin"].pk}
    assert "added evidence to the dispute" in told[c.creator.user_id]


def test_an_agency_with_the_power_to_submit_work_adds_evidence_for_the_creator(world, client):
    _agency, owner, manager = make_agency()
    creator = make_creator()
    sign(owner, creator, may_submit_deliverables=True)
    c = opened_by_the_brand(world, creator=creator)
    client.force_login(manager)

    response = client.post(add_url(c), {"note": "Our creator filmed it on time."}, follow=True)

    html = response.content.decode()
    assert "Our creator filmed it on time." in html
    assert "(agency, for" in html  # named as the creator's agency beside its evidence
    assert Deliverable.objects.get(collaboration=c, kind="evidence", uploaded_by=manager).text


def test_an_agency_without_that_power_is_not_offered_the_form_and_is_refused(world, client):
    _agency, owner, manager = make_agency()
    creator = make_creator()
    sign(owner, creator, may_answer_offers=True, may_submit_deliverables=False)
    c = opened_by_the_brand(world, creator=creator)
    client.force_login(manager)

    html = client.get(page(c)).content.decode()
    response = client.post(add_url(c), {"note": "Let us in."})

    assert add_url(c) not in html
    assert response.status_code == 403
    assert not Deliverable.objects.filter(collaboration=c, uploaded_by=manager).exists()


# ------------------------------------------------------------------ refusals


def test_once_the_dispute_is_decided_evidence_is_refused_with_a_message_and_nothing_is_stored(world, client):
    c = deal_in(world, S.RESOLVED)
    client.force_login(c.creator.user)
    before = Deliverable.objects.filter(collaboration=c).count()

    html = client.get(page(c)).content.decode()
    response = client.post(add_url(c), {"note": "Too late?", "evidence": [png()]}, follow=True)

    assert add_url(c) not in html
    assert "The dispute was decided on" in response.content.decode()
    assert "no more evidence can be added" in response.content.decode()
    assert Deliverable.objects.filter(collaboration=c).count() == before
    assert not CollaborationEvent.objects.filter(collaboration=c, action="add_evidence").exists()


def test_the_service_refuses_a_decided_dispute_with_a_conflict(world):
    c = deal_in(world, S.RESOLVED)

    with pytest.raises(Conflict) as refused:
        deliverables.dispute_evidence_add(collaboration_id=c.pk, actor=world["owner"], note="Late.")

    assert refused.value.status == 409 and "no more evidence can be added" in refused.value.detail
    assert Dispute.objects.get(collaboration=c).evidence.count() == 0


@pytest.mark.parametrize("who", ["other_brand", "other_creator"])
def test_someone_not_on_the_deal_gets_a_404_and_nothing_is_stored(world, client, who):
    c = opened_by_the_brand(world)
    outsider = MembershipFactory(role=BrandMembership.Role.OWNER).user if who == "other_brand" else make_creator().user
    client.force_login(outsider)

    response = client.post(add_url(c), {"note": "Mine too.", "evidence": [png()]})

    assert response.status_code == 404
    assert Deliverable.objects.filter(collaboration=c, kind="evidence").count() == 1


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_a_brand_viewer_and_staff_see_the_dispute_but_cannot_add_to_it(world, client, who):
    c = opened_by_the_brand(world)
    client.force_login(world[who])

    html = client.get(page(c)).content.decode()
    response = client.post(add_url(c), {"note": "Me too."})

    assert "No script after a week." in html and add_url(c) not in html
    assert response.status_code == 403
    assert Deliverable.objects.filter(collaboration=c, kind="evidence").count() == 1


def test_an_empty_submission_is_refused_beside_the_note(world, client):
    c = opened_by_the_brand(world)
    client.force_login(c.creator.user)

    response = client.post(add_url(c), {"note": "  "})

    assert response.status_code == 400
    assert "Write a note or attach at least one file." in response.content.decode()
    assert not CollaborationEvent.objects.filter(collaboration=c, action="add_evidence").exists()


def test_a_file_is_checked_as_the_openings_evidence_is(world, client, settings):
    c = opened_by_the_brand(world)
    client.force_login(c.creator.user)
    settings.UPLOAD_EVIDENCE_MAX_MB = 1
    text = SimpleUploadedFile("notes.png", b"just words, not an image", content_type="image/png")
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), content_type="image/png")

    wrong_type = client.post(add_url(c), {"note": "See file.", "evidence": [text]})
    too_big = client.post(add_url(c), {"note": "See file.", "evidence": [big]})

    assert wrong_type.status_code == too_big.status_code == 400
    assert "This file type is not accepted" in wrong_type.content.decode()
    assert "The file is larger than 1 MB." in too_big.content.decode()
    assert Deliverable.objects.filter(collaboration=c, kind="evidence").count() == 1
