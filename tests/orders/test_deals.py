"""Offers, applications, deliverables, messages, notifications and ratings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.core import Conflict, DomainError, NotAllowed
from marketplace.core.models import Notification
from orders.models import Collaboration, Deliverable
from orders.services import deals, deliverables
from tests.orders.conftest import PRICE, act, deal_in, key, make_creator, mp4_upload

S = Collaboration.Status


def test_an_offer_is_at_the_rate_card_price_and_records_what_the_matcher_expected(world):
    creator = make_creator(median_views_30d=40_000, engagement_rate=0.05)

    c = deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())

    assert (c.status, c.agreed_price, c.origin) == (S.OFFERED, PRICE, "offer")
    assert c.expires_at - c.offered_at == deals.OFFER_TTL
    assert (c.expected_views, c.expected_engagements) == (40_000, 2_000)
    assert Notification.objects.filter(user=creator.user, kind="offer").exists()


def test_the_same_offer_key_twice_makes_one_offer(world):
    creator, k = make_creator(), key()

    first = deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=k)
    again = deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=k)

    assert first.pk == again.pk
    assert Collaboration.objects.filter(creator=creator).count() == 1


def test_a_viewer_cannot_send_offers_and_a_creator_cannot_be_offered_twice(world):
    creator = make_creator()
    with pytest.raises(NotAllowed):
        deals.offer_send(
            order_id=world["order"].pk, creator_id=creator.pk, actor=world["viewer"], idempotency_key=key()
        )
    deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())

    with pytest.raises(Conflict, match="already on the order"):
        deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())


@pytest.mark.parametrize(
    ("quote", "ok"),
    [
        (PRICE * 80 // 100, True),
        (PRICE * 120 // 100, True),
        (PRICE * 80 // 100 - 1, False),
        (PRICE * 120 // 100 + 1, False),
    ],
)
def test_applications_quote_within_twenty_percent_of_the_listed_price(world, quote, ok):
    creator = make_creator()

    if ok:
        c = deals.application_submit(order_id=world["order"].pk, actor=creator.user, quote=quote, pitch="Hello")
        assert (c.status, c.agreed_price) == (S.APPLIED, quote)
    else:
        with pytest.raises(DomainError, match="20"):
            deals.application_submit(order_id=world["order"].pk, actor=creator.user, quote=quote, pitch="Hello")


def test_selecting_an_applicant_holds_and_escrows_their_quote(world):
    from tests.orders.conftest import balance

    c = deal_in(world, S.APPLIED)

    act(c, "select", world["owner"])

    assert balance("order_escrow", order=world["order"]) == PRICE
    c.refresh_from_db()
    assert c.status == S.ACCEPTED and c.accepted


def test_a_video_is_checked_by_its_bytes_not_its_name(world):
    c = deal_in(world, S.SCRIPT_APPROVED)
    fake = SimpleUploadedFile("movie.mp4", b"#!/bin/sh\nrm -rf /\n" * 10, content_type="video/mp4")

    with pytest.raises(DomainError, match="could not be read as a video"):
        deliverables.video_submit(collaboration_id=c.pk, actor=c.creator.user, upload=fake)

    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED
    assert not Deliverable.objects.filter(collaboration=c, kind="video").exists()


def test_a_video_over_the_size_limit_is_refused(world, settings):
    settings.UPLOAD_VIDEO_MAX_MB = 1
    c = deal_in(world, S.SCRIPT_APPROVED)

    with pytest.raises(DomainError, match="larger than 1 MB"):
        deliverables.video_submit(collaboration_id=c.pk, actor=c.creator.user, upload=mp4_upload(size=2 * 1024 * 1024))


def test_an_accepted_video_is_stored_under_a_server_generated_name(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = deal_in(world, S.SCRIPT_APPROVED)

    deliverables.video_submit(collaboration_id=c.pk, actor=c.creator.user, upload=mp4_upload("../../etc/passwd.mp4"))

    video = Deliverable.objects.get(collaboration=c, kind="video")
    assert video.file.name.startswith(f"deliverables/{c.pk}/") and video.file.name.endswith(".mp4")
    assert "passwd" not in video.file.name
    assert (video.original_name, video.content_type) == ("passwd.mp4", "video/mp4")
    assert (tmp_path / video.file.name).is_file()


def test_messages_on_the_timeline_reach_the_other_side(world):
    c = deal_in(world, S.ACCEPTED)

    deals.collaboration_comment(collaboration_id=c.pk, actor=world["owner"], text="Can you film outdoors?")

    assert c.events.filter(action="comment", comment="Can you film outdoors?").exists()
    assert Notification.objects.filter(user=c.creator.user, kind="comment").exists()
    with pytest.raises(NotAllowed):
        deals.collaboration_comment(collaboration_id=c.pk, actor=make_creator().user, text="Hi")


def test_ratings_after_completion_feed_the_creators_record(world):
    c = deal_in(world, S.COMPLETED)

    deals.collaboration_rate(collaboration_id=c.pk, actor=world["owner"], rating=4, comment="Great hook.")
    deals.collaboration_rate(collaboration_id=c.pk, actor=c.creator.user, rating=5)

    c.refresh_from_db()
    c.creator.refresh_from_db()
    assert (c.brand_rating, c.creator_rating) == (4, 5)
    assert c.creator.avg_rating == 4.0
    assert c.creator.fulfilment_rate == 1.0
    assert c.creator.completed_orders == 1
    with pytest.raises(Conflict):
        deals.collaboration_rate(collaboration_id=c.pk, actor=world["owner"], rating=5)


def test_rating_before_completion_is_refused(world):
    c = deal_in(world, S.PUBLISHED)

    with pytest.raises(DomainError):
        deals.collaboration_rate(collaboration_id=c.pk, actor=world["owner"], rating=5)


def test_opening_a_dispute_stores_the_evidence(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = deal_in(world, S.PUBLISHED)
    png = SimpleUploadedFile("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")

    deliverables.dispute_open(collaboration_id=c.pk, actor=world["owner"], reason="Post taken down.", evidence=[png])

    dispute = c.disputes.get()
    assert dispute.previous_status == S.PUBLISHED
    assert dispute.evidence.get().content_type == "image/png"
    assert Notification.objects.filter(user=world["admin"], kind="open_dispute").exists()
