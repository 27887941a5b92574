"""The collaboration page: who sees it, the actions it offers, each action by plain POST and by htmx."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership
from marketplace.core import format_money
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute
from payouts.models import LedgerTransaction
from tests.factories import MembershipFactory
from tests.orders.conftest import PRICE, deal_in, make_creator, mp4_upload
from tests.pages import landed_on, log_in_through

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page(c) -> str:
    return reverse("deals:collaboration", args=[c.pk])


def act_url(c, action: str) -> str:
    return reverse("deals:act", args=[c.pk, action])


def png(name="shot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")


# ------------------------------------------------------------------ who sees it


@pytest.mark.parametrize("who", ["owner", "viewer", "creator", "admin"])
def test_the_parties_viewers_and_staff_see_the_collaboration(world, client, who):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user if who == "creator" else world[who])

    response = client.get(page(c))

    assert response.status_code == 200
    html = response.content.decode()
    assert world["order"].title in html
    assert c.creator.display_name in html
    assert format_money(PRICE, c.currency) in html


@pytest.mark.parametrize("who", ["other_brand", "other_creator"])
def test_another_brand_or_creator_gets_a_404(world, client, who):
    c = deal_in(world, S.ACCEPTED)
    outsider = MembershipFactory(role=BrandMembership.Role.OWNER).user if who == "other_brand" else make_creator().user
    client.force_login(outsider)

    assert client.get(page(c)).status_code == 404
    assert client.post(act_url(c, "comment"), {"text": "hi"}).status_code == 404


def test_guests_are_sent_to_log_in_and_brought_back_to_the_deal(world, client):
    c = deal_in(world, S.ACCEPTED)

    _login_page, back = log_in_through(client, page(c), c.creator.user.email)

    assert landed_on(back) == page(c)
    assert c.order.title in back.content.decode()


# ---------------------------------------------------------- only allowed actions


def test_an_offer_shows_the_creator_accept_and_decline_and_the_time_left(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.get(page(c))

    names = [af["action"] for af in response.context["action_forms"]]
    assert names == ["accept", "decline", "counter", "comment"]
    html = response.content.decode()
    assert act_url(c, "accept") in html and act_url(c, "decline") in html
    assert act_url(c, "withdraw") not in html
    assert 'class="countdown"' in html and "left" in html  # the expiry countdown


def test_the_brand_sees_its_own_steps_and_a_viewer_none(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)

    client.force_login(world["owner"])
    owner_actions = [af["action"] for af in client.get(page(c)).context["action_forms"]]
    client.force_login(world["viewer"])
    viewer_page = client.get(page(c))

    assert owner_actions == ["approve_script", "reject_script", "cancel", "open_dispute", "comment"]
    assert viewer_page.context["action_forms"] == []
    assert "/act/" not in viewer_page.content.decode()


def test_a_viewer_cannot_act(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    client.force_login(world["viewer"])

    response = client.post(act_url(c, "approve_script"))

    assert response.status_code == 403
    c.refresh_from_db()
    assert c.status == S.SCRIPT_SUBMITTED


def test_a_creator_cannot_take_the_brands_step(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "approve_script"))

    assert response.status_code == 403
    c.refresh_from_db()
    assert c.status == S.SCRIPT_SUBMITTED


def test_timer_steps_cannot_be_posted(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    assert client.post(act_url(c, "expire")).status_code == 404


# --------------------------------------------------------------- each action


def test_accepting_by_plain_post_redirects_to_the_page(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "accept"), follow=True)

    assert landed_on(response) == page(c)
    assert f'<span class="badge badge-{S.ACCEPTED}">{S.ACCEPTED.label}</span>' in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.ACCEPTED


def test_accepting_with_htmx_answers_with_the_collaboration_fragment(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "accept"), **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="collaboration"' in html
    assert "You accepted the offer" in html
    assert act_url(c, "submit_script") in html  # the next step is offered at once


def test_a_refused_step_shows_a_message_and_changes_nothing(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)
    Collaboration.objects.filter(pk=c.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    ledger_before = LedgerTransaction.objects.count()

    response = client.post(act_url(c, "accept"), follow=True)

    assert response.status_code == 200
    assert "This offer has expired." in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.OFFERED
    assert LedgerTransaction.objects.count() == ledger_before


def test_a_refused_step_with_htmx_shows_the_message_in_the_fragment(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)
    Collaboration.objects.filter(pk=c.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(act_url(c, "accept"), **HX)

    assert response.status_code == 200
    assert "This offer has expired." in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.OFFERED


def test_rejecting_a_script_needs_a_comment_shown_next_to_the_field(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    client.force_login(world["owner"])

    response = client.post(act_url(c, "reject_script"), {"comment": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reject_script_comment_errors"' in html
    c.refresh_from_db()
    assert (c.status, c.script_rejections) == (S.SCRIPT_SUBMITTED, 0)


def test_rejecting_a_script_with_a_comment_sends_it_back(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    client.force_login(world["owner"])

    response = client.post(act_url(c, "reject_script"), {"comment": "Shorter hook, please."})

    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.script_rejections) == (S.ACCEPTED, 1)
    assert c.events.filter(action="reject_script", comment="Shorter hook, please.").exists()


def test_the_creator_submits_a_script_and_it_appears_on_the_timeline(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user)

    client.post(act_url(c, "submit_script"), {"script": "Open on the serum, then the routine."})
    response = client.get(page(c))

    c.refresh_from_db()
    assert c.status == S.SCRIPT_SUBMITTED
    assert "Open on the serum, then the routine." in response.content.decode()


def test_an_empty_script_is_refused_next_to_the_field(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "submit_script"), {"script": "   "}, **HX)

    assert response.status_code == 200
    assert 'id="id_submit_script_script_errors"' in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.ACCEPTED


def test_the_video_form_shows_the_size_limit_and_uploads_by_multipart(world, client, settings):
    settings.UPLOAD_VIDEO_MAX_MB = 7
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(c.creator.user)

    form_html = client.get(page(c)).content.decode()
    response = client.post(act_url(c, "submit_video"), {"video": mp4_upload()})

    assert "up to 7 MB" in form_html and 'enctype="multipart/form-data"' in form_html
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == S.VIDEO_SUBMITTED
    assert Deliverable.objects.filter(collaboration=c, kind="video").count() == 1


def test_a_video_that_is_not_a_video_is_refused_next_to_the_field(world, client):
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(c.creator.user)
    fake = SimpleUploadedFile("clip.mp4", b"#!/bin/sh\necho hi\n" * 10, content_type="video/mp4")

    response = client.post(act_url(c, "submit_video"), {"video": fake})

    assert response.status_code == 400
    assert "The file could not be read as a video" in response.content.decode()
    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED
    assert not Deliverable.objects.filter(collaboration=c, kind="video").exists()


def test_asking_for_a_revision_needs_a_comment(world, client):
    c = deal_in(world, S.VIDEO_SUBMITTED)
    client.force_login(world["owner"])

    refused = client.post(act_url(c, "request_revision"), {"comment": ""})
    done = client.post(act_url(c, "request_revision"), {"comment": "Brighter light."})

    assert refused.status_code == 400 and done.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.video_revisions) == (S.SCRIPT_APPROVED, 1)


def test_publishing_takes_the_post_url(world, client):
    c = deal_in(world, S.VIDEO_APPROVED)
    client.force_login(c.creator.user)

    bad = client.post(act_url(c, "publish"), {"post_url": "not a url"})
    good = client.post(act_url(c, "publish"), {"post_url": "https://video.example/p/42"})

    assert bad.status_code == 400 and 'id="id_publish_post_url_errors"' in bad.content.decode()
    assert good.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.post_url) == (S.PUBLISHED, "https://video.example/p/42")


def test_the_brand_accepts_the_work_and_either_side_confirms_it_live(world, client):
    c = deal_in(world, S.PUBLISHED)
    client.force_login(world["owner"])
    client.post(act_url(c, "accept_work"))
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "confirm_live"), **HX)

    c.refresh_from_db()
    assert c.status == S.SETTLED
    assert "Confirmed live" in response.content.decode()


def test_reporting_the_post_down_opens_a_dispute_with_evidence(world, client):
    c = deal_in(world, S.COMPLETED)
    client.force_login(world["owner"])

    response = client.post(act_url(c, "report_down"), {"comment": "The post is gone.", "evidence": [png()]})

    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == S.DISPUTED
    assert c.disputes.get().evidence.count() == 1


# ------------------------------------------------------------------ cancelling


def test_the_cancel_form_shows_the_stage_fee_from_the_orders_schedule(world, client):
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(world["owner"])

    html = client.get(page(c)).content.decode()

    assert format_money(PRICE * 1000 // 10_000, c.currency) in html  # 10 % after the script
    assert "full refund" not in html


def test_a_missed_script_deadline_says_full_refund(world, client):
    c = deal_in(world, S.ACCEPTED)
    world["order"].script_by = timezone.now() - timedelta(hours=1)
    world["order"].save(update_fields=["script_by"])
    client.force_login(world["owner"])

    html = client.get(page(c)).content.decode()

    assert "missed the script deadline" in html and "full refund" in html


def test_cancelling_by_plain_post_closes_the_deal(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])

    response = client.post(act_url(c, "cancel"))

    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == S.CANCELLED


# -------------------------------------------------------------------- disputes


def test_opening_a_dispute_takes_a_reason_and_several_evidence_files(world, client):
    c = deal_in(world, S.PUBLISHED)
    client.force_login(c.creator.user)

    response = client.post(
        act_url(c, "open_dispute"), {"comment": "Brand stopped answering.", "evidence": [png("a.png"), png("b.png")]}
    )

    assert response.status_code == 302
    dispute = Dispute.objects.get(collaboration=c)
    assert dispute.reason == "Brand stopped answering."
    assert dispute.evidence.count() == 2


def test_a_dispute_without_a_reason_is_refused_and_nothing_is_stored(world, client):
    c = deal_in(world, S.PUBLISHED)
    client.force_login(c.creator.user)

    response = client.post(act_url(c, "open_dispute"), {"comment": "", "evidence": [png()]})

    assert response.status_code == 400
    assert not Dispute.objects.filter(collaboration=c).exists()
    assert not Deliverable.objects.filter(collaboration=c, kind="evidence").exists()


def test_the_page_shows_an_open_dispute_with_its_evidence(world, client):
    c = deal_in(world, S.PUBLISHED)
    client.force_login(c.creator.user)
    client.post(act_url(c, "open_dispute"), {"comment": "Brand stopped answering.", "evidence": [png()]})
    evidence = Deliverable.objects.get(collaboration=c, kind="evidence")

    html = client.get(page(c)).content.decode()

    assert "Open dispute" in html and "Brand stopped answering." in html
    assert reverse("deals:download", args=[evidence.pk]) in html


# ----------------------------------------------------------- messages, ratings


def test_a_message_lands_on_the_timeline(world, client):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])

    response = client.post(act_url(c, "comment"), {"text": "Can you film outdoors?"}, **HX)

    assert response.status_code == 200
    assert "Can you film outdoors?" in response.content.decode()
    assert CollaborationEvent.objects.filter(collaboration=c, action="comment").count() == 1


def test_the_rating_form_shows_once_completed_and_goes_once_rated(world, client):
    c = deal_in(world, S.COMPLETED)
    client.force_login(world["owner"])

    before = [af["action"] for af in client.get(page(c)).context["action_forms"]]
    response = client.post(act_url(c, "rate"), {"rating": "4", "comment": "Great hook."})
    after = [af["action"] for af in client.get(page(c)).context["action_forms"]]

    assert "rate" in before and "rate" not in after
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.brand_rating, c.brand_comment) == (4, "Great hook.")


def test_no_rating_form_before_completion(world, client):
    c = deal_in(world, S.PUBLISHED)
    client.force_login(world["owner"])

    actions = [af["action"] for af in client.get(page(c)).context["action_forms"]]
    refused = client.post(act_url(c, "rate"), {"rating": "5"}, follow=True)

    assert "rate" not in actions
    assert "Rate once the work is completed." in refused.content.decode()


# ---------------------------------------------------------- timeline and money


def test_the_timeline_and_money_show_what_happened(world, client):
    c = deal_in(world, S.VIDEO_SUBMITTED)
    video = Deliverable.objects.get(collaboration=c, kind="video")
    client.force_login(world["owner"])

    response = client.get(page(c))

    html = response.content.decode()
    assert "Hook, demo, call to action." in html  # the script's text
    assert reverse("deals:download", args=[video.pk]) in html
    assert "Offer sent" in html and "Script approved" in html
    kinds = [m.tx.kind for m in response.context["money"]]
    assert kinds == ["hold", "escrow"]
    assert "Hold" in html and "Escrow" in html


# ------------------------------------------------------------------- downloads


@pytest.mark.parametrize("who", ["owner", "viewer", "creator", "admin"])
def test_a_deliverable_downloads_as_an_attachment_to_the_parties(world, client, who):
    c = deal_in(world, S.VIDEO_SUBMITTED)
    video = Deliverable.objects.get(collaboration=c, kind="video")
    client.force_login(c.creator.user if who == "creator" else world[who])

    response = client.get(reverse("deals:download", args=[video.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="video-{c.pk}-1.mp4"' in response["Content-Disposition"]
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")


@pytest.mark.parametrize("who", ["other_brand", "other_creator"])
def test_a_deliverable_is_404_to_outsiders(world, client, who):
    c = deal_in(world, S.VIDEO_SUBMITTED)
    video = Deliverable.objects.get(collaboration=c, kind="video")
    outsider = MembershipFactory(role=BrandMembership.Role.OWNER).user if who == "other_brand" else make_creator().user
    client.force_login(outsider)

    assert client.get(reverse("deals:download", args=[video.pk])).status_code == 404


def test_a_script_has_no_file_to_download(world, client):
    c = deal_in(world, S.SCRIPT_SUBMITTED)
    script = Deliverable.objects.get(collaboration=c, kind="script")
    client.force_login(world["owner"])

    assert client.get(reverse("deals:download", args=[script.pk])).status_code == 404


def test_a_long_timeline_opens_on_its_latest_page(world, client, monkeypatch):
    from orders.services import deals
    from orders.views import collaboration

    monkeypatch.setattr(collaboration, "TIMELINE_PAGE", 5)
    c = deal_in(world, S.ACCEPTED)
    for i in range(6):
        deals.collaboration_comment(collaboration_id=c.pk, actor=world["owner"], text=f"Message {i}")
    client.force_login(world["owner"])

    latest = client.get(page(c))
    first = client.get(page(c), {"page": 1})

    assert latest.context["timeline"].number == 2 and "Message 5" in latest.content.decode()
    assert "Offer sent" in first.content.decode() and "Message 5" not in first.content.decode()
