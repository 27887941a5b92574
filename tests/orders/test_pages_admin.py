"""The admin dispute queue and decision form; everyone's notifications."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from marketplace.context_processors import navigation
from marketplace.core import format_money
from marketplace.core.models import Notification
from orders.models import Collaboration, Dispute
from orders.services import deals, deliverables
from payouts.models import LedgerTransaction
from tests.factories import UserFactory
from tests.orders.conftest import PRICE, deal_in

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def dispute_page(d) -> str:
    return reverse("deals:dispute", args=[d.pk])


def decide_url(d) -> str:
    return reverse("deals:dispute_decide", args=[d.pk])


# ----------------------------------------------------------------------- queue


def test_the_queue_lists_open_disputes_oldest_first_with_their_age(world, client):
    newer = deal_in(world, S.DISPUTED).disputes.get()
    older = deal_in(world, S.DISPUTED).disputes.get()
    Dispute.objects.filter(pk=older.pk).update(opened_at=timezone.now() - timedelta(days=3))
    decided = deal_in(world, S.RESOLVED).disputes.get()
    client.force_login(world["admin"])

    response = client.get(reverse("deals:disputes"))

    assert [d.pk for d in response.context["page"]] == [older.pk, newer.pk]
    html = response.content.decode()
    assert "3\xa0days" in html
    assert dispute_page(older) in html and dispute_page(decided) not in html


def test_the_staff_nav_links_the_queue(world, client):
    client.force_login(world["admin"])

    html = client.get(reverse("deals:notifications")).content.decode()

    assert f'href="{reverse("deals:disputes")}"' in html


@pytest.mark.parametrize("who", ["owner", "creator"])
def test_the_queue_and_dispute_pages_are_staff_only(world, client, who):
    c = deal_in(world, S.DISPUTED)
    dispute = c.disputes.get()
    client.force_login(c.creator.user if who == "creator" else world["owner"])

    assert client.get(reverse("deals:disputes")).status_code == 403
    assert client.get(dispute_page(dispute)).status_code == 403
    assert client.post(decide_url(dispute), {"decision": "release", "comment": "x"}).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "open"


# ---------------------------------------------------------------- dispute page


def test_the_dispute_page_shows_the_whole_timeline_money_and_the_escrow(world, client):
    c = deal_in(world, S.VIDEO_SUBMITTED)
    deals.collaboration_comment(collaboration_id=c.pk, actor=world["owner"], text="Video is off-brief.")
    deliverables.dispute_open(collaboration_id=c.pk, actor=world["owner"], reason="Wrong product shown.")
    dispute = c.disputes.get()
    client.force_login(world["admin"])

    response = client.get(dispute_page(dispute))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Wrong product shown." in html and "Video is off-brief." in html
    assert "Hook, demo, call to action." in html  # the script
    assert "Video, round 1" in html and reverse("deals:download", args=[c.deliverables.get(kind="video").pk]) in html
    assert [m.tx.kind for m in response.context["money"]] == ["hold", "escrow"]
    assert format_money(PRICE, c.currency) in html
    assert 'name="decision"' in html and 'name="creator_amount"' in html and 'name="comment"' in html


def test_a_split_that_does_not_add_up_is_refused_next_to_the_field(world, client):
    dispute = deal_in(world, S.DISPUTED).disputes.get()
    ledger_before = LedgerTransaction.objects.count()
    client.force_login(world["admin"])

    response = client.post(
        decide_url(dispute),
        {"decision": "split", "creator_amount": "3000", "brand_amount": "1000", "comment": "Half done."},
    )

    assert response.status_code == 400
    assert 'id="id_decision_brand_amount_errors"' in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert LedgerTransaction.objects.count() == ledger_before


def test_a_decision_needs_a_written_reason(world, client):
    dispute = deal_in(world, S.DISPUTED).disputes.get()
    client.force_login(world["admin"])

    response = client.post(decide_url(dispute), {"decision": "release", "comment": ""})

    assert response.status_code == 400
    assert 'id="id_decision_comment_errors"' in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "open"


def test_a_split_decision_posts_to_the_ledger_and_notifies_both_sides(world, client):
    c = deal_in(world, S.DISPUTED)
    dispute = c.disputes.get()
    client.force_login(world["admin"])

    response = client.post(
        decide_url(dispute),
        {"decision": "split", "creator_amount": "3000.00", "brand_amount": "2000", "comment": "Video was late."},
    )

    assert response.status_code == 302 and response["Location"] == reverse("deals:disputes")
    dispute.refresh_from_db()
    c.refresh_from_db()
    assert (dispute.status, dispute.decision, dispute.creator_amount, dispute.brand_amount) == (
        "resolved",
        "split",
        300_000,
        200_000,
    )
    assert dispute.decision_reason == "Video was late."
    assert c.status == S.RESOLVED
    assert LedgerTransaction.objects.filter(collaboration=c, kind="split").exists()
    assert Notification.objects.filter(user=c.creator.user, kind="resolve").exists()
    assert Notification.objects.filter(user=world["owner"], kind="resolve").exists()


def test_deciding_with_htmx_sends_the_browser_back_to_the_queue(world, client):
    dispute = deal_in(world, S.DISPUTED).disputes.get()
    client.force_login(world["admin"])

    response = client.post(decide_url(dispute), {"decision": "refund", "comment": "Never delivered."}, **HX)

    assert response["HX-Redirect"] == reverse("deals:disputes")
    dispute.refresh_from_db()
    assert dispute.decision == "refund"


def test_a_refused_decision_with_htmx_answers_with_the_form(world, client):
    dispute = deal_in(world, S.DISPUTED).disputes.get()
    client.force_login(world["admin"])

    response = client.post(decide_url(dispute), {"decision": "split", "comment": "x"}, **HX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="decision"' in html and "Give the amount for a split." in html


def test_a_decided_dispute_has_no_form_and_cannot_be_decided_again(world, client):
    dispute = deal_in(world, S.RESOLVED).disputes.get()
    client.force_login(world["admin"])

    page = client.get(dispute_page(dispute))
    again = client.post(decide_url(dispute), {"decision": "release", "comment": "Changed my mind."}, follow=True)

    assert page.context["form"] is None and "This dispute is decided." in page.content.decode()
    assert "You cannot decide the dispute now: the collaboration is resolved." in again.content.decode()
    dispute.refresh_from_db()
    assert dispute.decision == "refund"


def test_staff_on_a_disputed_collaboration_are_pointed_to_the_dispute_page(world, client):
    c = deal_in(world, S.DISPUTED)
    client.force_login(world["admin"])

    html = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()

    assert dispute_page(c.disputes.get()) in html


# --------------------------------------------------------------- notifications


def test_notifications_are_listed_with_an_unread_badge(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:notifications"))

    html = response.content.decode()
    assert "sent you an offer" in html
    assert 'title="Unread">1</span>' in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(world, client):
    c = deal_in(world, S.OFFERED)
    note = Notification.objects.get(user=c.creator.user)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:notification_open", args=[note.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("deals:collaboration", args=[c.pk])
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'title="Unread"' not in client.get(reverse("deals:notifications")).content.decode()


def test_someone_elses_notification_is_404(world, client):
    c = deal_in(world, S.OFFERED)
    note = Notification.objects.get(user=c.creator.user)
    client.force_login(world["owner"])

    assert client.get(reverse("deals:notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_is_a_post(world, client):
    user = UserFactory()
    for i in range(3):
        Notification.objects.create(user=user, kind="comment", text=f"Note {i}")
    client.force_login(user)

    refused = client.get(reverse("deals:notifications_read"))
    response = client.post(reverse("deals:notifications_read"))

    assert refused.status_code == 405
    assert response.status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_the_notification_list_is_paginated(world, client):
    user = UserFactory()
    Notification.objects.bulk_create(Notification(user=user, kind="comment", text=f"Note {i}") for i in range(30))
    client.force_login(user)

    first = client.get(reverse("deals:notifications"))
    second = client.get(reverse("deals:notifications"), {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


def test_the_unread_count_is_one_query_and_none_for_guests(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    user = UserFactory(is_staff=True)
    Notification.objects.bulk_create(Notification(user=user, kind="comment", text=f"Note {i}") for i in range(4))
    request = RequestFactory().get("/")
    request.user = user

    context = navigation(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "4"
        assert bool(context["unread_notifications"])
    request.user = AnonymousUser()
    assert "unread_notifications" not in navigation(request)


# ------------------------------------------------------------- readable states


def visible_text(html: str) -> str:
    """What a person reads: the page without its tags (so without attributes, where codes are fine)."""
    import re

    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])


STATUS_CODES = [value for value in S.values if "_" in value]  # a code no English sentence contains


@pytest.mark.parametrize("before", [S.VIDEO_APPROVED, S.SCRIPT_SUBMITTED])
def test_the_dispute_and_collaboration_pages_name_states_by_their_labels(world, client, before):
    c = deal_in(world, before)
    deliverables.dispute_open(collaboration_id=c.pk, actor=world["owner"], reason="Not as agreed.")
    dispute = c.disputes.get()
    client.force_login(world["admin"])

    pages = {
        "dispute": client.get(dispute_page(dispute)).content.decode(),
        "collaboration": client.get(reverse("deals:collaboration", args=[c.pk])).content.decode(),
    }

    label = S(before).label
    assert f"status before the dispute: {label}" in pages["dispute"]
    for name, html in pages.items():
        shown = [code for code in STATUS_CODES if code in visible_text(html)]
        assert not shown, f"the {name} page shows raw codes {shown}"
