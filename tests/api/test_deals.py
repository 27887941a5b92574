"""The deals API: offers, applications, every step, uploads, disputes, over HTTP with personal tokens."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership
from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute, Order
from payouts import services as money
from payouts.models import Account, Hold, IdempotencyKey, LedgerTransaction
from tests.api.clients import api_for
from tests.factories import MembershipFactory, OrderFactory, UserFactory
from tests.orders.conftest import PRICE, deal_in, key, make_creator, mp4_upload

pytestmark = pytest.mark.django_db
S = Collaboration.Status
TOPUP = 2_000_000


# ------------------------------------------------------------------ helpers (test_money and test_notifications too)


@pytest.fixture(autouse=True)
def _api_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PLATFORM_FEE_BPS = 1000
    settings.CURRENCY = "CNY"
    # Throttle counters in a private cache: parallel test runs share Redis and reuse user ids.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api2"}}


def make_world(*, mode: str = Order.Mode.DIRECT, funded: bool = True) -> dict:
    """A brand (owner, read-only viewer) with a published order and money, a creator with a price, strangers."""
    owner = MembershipFactory(role=BrandMembership.Role.OWNER)
    viewer = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.VIEWER)
    order = OrderFactory(
        brand=owner.brand,
        status=Order.Status.PUBLISHED,
        mode=mode,
        price_per_creator=PRICE,
        creators_wanted=5,
        apply_by=timezone.now() + timedelta(days=3),
        script_by=timezone.now() + timedelta(days=7),
        publish_from=date.today(),
        publish_until=date.today() + timedelta(days=30),
    )
    if funded:
        money.topup(brand_id=owner.brand_id, amount=TOPUP, idempotency_key=key(), actor=owner.user)
    return {
        "owner": owner.user,
        "viewer": viewer.user,
        "order": order,
        "brand": owner.brand,
        "creator": make_creator(),
        "admin": UserFactory(is_staff=True),
        "other_owner": MembershipFactory(role=BrandMembership.Role.OWNER).user,
        "other_creator": make_creator(),
    }


def fund(world, amount: int = TOPUP) -> None:
    response = api_for(world["owner"]).post(
        reverse("api:wallet-topup"), {"amount_minor": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    assert response.status_code == 201, response.json()


def url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def step(api, c, action: str, body=None, idem: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": idem} if idem else {}
    return api.post(url(f"collaboration-{action}", c.pk), body or {}, format="json", **headers)


@pytest.fixture
def world():
    return make_world()


# ------------------------------------------------------------------ the happy path


def test_a_deal_runs_end_to_end_over_the_api_and_the_creator_is_paid():
    world = make_world(funded=False)
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)
    fund(world)

    offer = brand.post(
        url("offer-create", world["order"].pk),
        {"creator": world["creator"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )
    c = Collaboration.objects.get(pk=offer.json()["id"])
    seen = creator.get(url("collaboration-detail", c.pk)).json()
    accepted = step(creator, c, "accept", idem=key())
    script = creator.post(url("collaboration-script", c.pk), {"text": "Hook, demo, call to action."}, format="json")
    step(brand, c, "approve_script")
    video = creator.post(url("collaboration-video", c.pk), {"file": mp4_upload()}, format="multipart")
    step(brand, c, "approve_video")
    published = creator.post(url("collaboration-publish", c.pk), {"post_url": "https://v.example/p/1"}, format="json")
    step(brand, c, "accept_work")
    early = step(creator, c, "confirm_live", idem=key())  # the creator waits out the stays-live check
    settled = step(brand, c, "confirm_live", idem=key())
    earnings = creator.get(url("earnings-detail")).json()
    statement = creator.get(url("earnings-statement")).json()["results"]
    detail = brand.get(url("collaboration-detail", c.pk)).json()

    assert offer.status_code == 201 and offer.json()["status"] == "offered"
    assert offer.json()["agreed_price_minor"] == PRICE
    assert seen["allowed_actions"] == ["accept", "decline", "counter"] and seen["side"] == "creator"
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert script.json()["status"] == "script_submitted" and video.json()["status"] == "video_submitted"
    assert published.json()["post_url"] == "https://v.example/p/1"
    assert early.status_code == 409 and "can be confirmed live from" in early.json()["detail"]
    assert settled.status_code == 200 and settled.json()["status"] == "settled"
    assert earnings == {
        "currency": "CNY",
        "on_its_way_minor": 0,  # paid: no longer in escrow
        "on_its_way": [],
        "pending_minor": 0,
        "available_minor": PRICE * 9 // 10,  # less the 10 % platform fee
        "in_flight_minor": 0,
        "paid_out_minor": 0,
    }
    assert statement[0]["amount_minor"] == statement[0]["balance_minor"] == PRICE * 9 // 10
    assert [e["action"] for e in detail["events"]][:3] == ["offer", "accept", "submit_script"]
    assert detail["events"][1]["by"] == "creator" and detail["events"][0]["by"] == "brand"
    assert [d["kind"] for d in detail["deliverables"]] == ["script", "video"]
    assert detail["deliverables"][0]["download_url"] is None and detail["deliverables"][0]["text"]
    assert detail["allowed_actions"] == []


def test_the_video_downloads_as_an_attachment_for_the_parties_only(world):
    c = deal_in(world, S.VIDEO_SUBMITTED, creator=world["creator"])
    video = Deliverable.objects.get(collaboration=c, kind="video")
    link = api_for(world["owner"]).get(url("collaboration-detail", c.pk)).json()["deliverables"][1]["download_url"]

    mine = api_for(world["owner"]).get(link)
    theirs = api_for(world["other_owner"]).get(link)

    assert link.endswith(url("deliverable-download", video.pk))
    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith("attachment;")
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert b"".join(mine.streaming_content)[4:8] == b"ftyp"
    assert theirs.status_code == 404


# ------------------------------------------------------------------ idempotency


def test_replaying_an_accept_returns_the_same_response_and_escrows_once(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    creator = api_for(world["creator"].user)

    first = step(creator, c, "accept", idem="accept-key-1")
    again = step(creator, c, "accept", idem="accept-key-1")

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert LedgerTransaction.objects.filter(collaboration=c, kind="escrow").count() == 1
    assert Hold.objects.get(collaboration=c).status == Hold.Status.ESCROWED


def test_a_second_accept_with_a_new_key_is_refused_by_the_state_machine(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    creator = api_for(world["creator"].user)
    step(creator, c, "accept", idem=key())

    response = step(creator, c, "accept", idem=key())

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_replaying_an_offer_sends_it_once(world):
    brand = api_for(world["owner"])
    body = {"creator": world["creator"].pk}

    first = brand.post(url("offer-create", world["order"].pk), body, format="json", HTTP_IDEMPOTENCY_KEY="offer-key-1")
    again = brand.post(url("offer-create", world["order"].pk), body, format="json", HTTP_IDEMPOTENCY_KEY="offer-key-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Collaboration.objects.filter(order=world["order"]).count() == 1
    assert Account.objects.get(kind="brand_held", brand=world["brand"]).balance == PRICE


def test_the_same_key_with_another_body_is_a_422_naming_the_header(world):
    brand = api_for(world["owner"])
    offer = url("offer-create", world["order"].pk)
    brand.post(offer, {"creator": world["creator"].pk}, format="json", HTTP_IDEMPOTENCY_KEY="offer-key-2")

    other = brand.post(offer, {"creator": world["other_creator"].pk}, format="json", HTTP_IDEMPOTENCY_KEY="offer-key-2")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_conflict" and "Idempotency-Key" in other.json()["errors"]
    assert not Collaboration.objects.filter(creator=world["other_creator"]).exists()


def test_a_step_replayed_with_another_comment_is_refused(world):
    c = deal_in(world, S.ACCEPTED, creator=world["creator"])
    brand = api_for(world["owner"])
    step(brand, c, "cancel", {"comment": "Budget cut."}, idem="cancel-key-1")

    other = step(brand, c, "cancel", {"comment": "Changed my mind."}, idem="cancel-key-1")

    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]


@pytest.mark.parametrize("header", [None, "short", "has spaces in it", "x" * 101, "ключ-ключ-ключ"])
def test_a_money_step_without_a_valid_idempotency_key_is_a_400_naming_the_header(world, header):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    headers = {"HTTP_IDEMPOTENCY_KEY": header} if header else {}

    response = api_for(world["creator"].user).post(url("collaboration-accept", c.pk), {}, format="json", **headers)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    c.refresh_from_db()
    assert c.status == S.OFFERED
    assert not IdempotencyKey.objects.filter(key__startswith="api:").exists()


# ------------------------------------------------------------------ who may do what


def _routes(c: Collaboration, deliverable: Deliverable):
    """(method, url, body, format) of every route about one collaboration."""
    posts = [
        *[
            (f"collaboration-{a}", {"comment": "Because."})
            for a in (
                "accept",
                "decline",
                "withdraw",
                "select",
                "reject_application",
                "withdraw_application",
                "approve_script",
                "reject_script",
                "approve_video",
                "request_revision",
                "accept_work",
                "confirm_live",
                "report_down",
                "cancel",
            )
        ],
        ("collaboration-script", {"text": "A script."}),
        ("collaboration-publish", {"post_url": "https://v.example/p/2"}),
        ("collaboration-message", {"text": "Hello"}),
        ("collaboration-rating", {"rating": 5}),
    ]
    yield "get", url("collaboration-detail", c.pk), None, None
    yield "get", url("deliverable-download", deliverable.pk), None, None
    yield "get", url("order-collaborations", c.order_id), None, None
    yield "post", url("offer-create", c.order_id), {"creator": c.creator_id}, "json"
    for name, body in posts:
        yield "post", url(name, c.pk), body, "json"
    yield "post", url("collaboration-video", c.pk), {"file": mp4_upload()}, "multipart"
    yield "post", url("collaboration-dispute", c.pk), {"reason": "No."}, "multipart"


def test_another_brand_and_another_creator_get_404_on_every_route_and_change_nothing(world):
    c = deal_in(world, S.VIDEO_SUBMITTED, creator=world["creator"])
    video = Deliverable.objects.get(collaboration=c, kind="video")
    before = (c.status, CollaborationEvent.objects.count(), Notification.objects.count(), Deliverable.objects.count())

    for outsider in (world["other_owner"], world["other_creator"].user):
        api = api_for(outsider)
        for method, path, body, fmt in _routes(c, video):
            response = getattr(api, method)(path, body, format=fmt, HTTP_IDEMPOTENCY_KEY=key())
            assert response.status_code == 404, (outsider, path, response.status_code)
            assert response.json() == {"code": "not_found", "detail": "Not found.", "errors": {}}

    c.refresh_from_db()
    assert (
        c.status,
        CollaborationEvent.objects.count(),
        Notification.objects.count(),
        Deliverable.objects.count(),
    ) == (before)
    assert api_for(world["other_owner"]).get(url("collaboration-list")).json()["results"] == []
    assert api_for(world["other_creator"].user).get(url("collaboration-list")).json()["results"] == []


def test_a_viewer_reads_but_every_post_is_403(world):
    c = deal_in(world, S.VIDEO_SUBMITTED, creator=world["creator"])
    video = Deliverable.objects.get(collaboration=c, kind="video")
    viewer = api_for(world["viewer"])

    detail = viewer.get(url("collaboration-detail", c.pk))
    refused = {
        path: viewer.post(path, body, format=fmt, HTTP_IDEMPOTENCY_KEY=key()).status_code
        for method, path, body, fmt in _routes(c, video)
        if method == "post"
    }

    assert detail.status_code == 200
    assert detail.json()["side"] == "viewer" and detail.json()["allowed_actions"] == []
    assert set(refused.values()) == {403}
    c.refresh_from_db()
    assert c.status == S.VIDEO_SUBMITTED


def test_a_step_of_the_other_side_is_403_and_from_the_wrong_state_409(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])

    withdraw_by_creator = step(api_for(world["creator"].user), c, "withdraw", idem=key())
    approve_too_early = step(api_for(world["owner"]), c, "approve_script")
    reject_without_reason = step(api_for(world["owner"]), deal_in(world, S.SCRIPT_SUBMITTED), "reject_script")

    assert withdraw_by_creator.status_code == 403 and withdraw_by_creator.json()["code"] == "not_allowed"
    assert approve_too_early.status_code == 409 and approve_too_early.json()["errors"] == {
        "status": [approve_too_early.json()["detail"]]
    }
    assert reject_without_reason.status_code == 400 and "comment" in reject_without_reason.json()["errors"]


def test_the_collaboration_lists_are_scoped_and_filter_by_status(world):
    mine = deal_in(world, S.ACCEPTED, creator=world["creator"])
    other = deal_in(world, S.OFFERED, creator=world["other_creator"])
    brand = api_for(world["owner"])

    all_of_brand = brand.get(url("collaboration-list")).json()["results"]
    accepted = brand.get(url("collaboration-list"), {"status": "accepted"}).json()["results"]
    on_order = brand.get(url("order-collaborations", world["order"].pk), {"status": "offered"}).json()["results"]
    creators_own = api_for(world["creator"].user).get(url("collaboration-list")).json()["results"]
    bad_filter = brand.get(url("collaboration-list"), {"status": "nonsense"})
    # django-filter alone takes the last of repeated values: this answered with the order's deals
    given_twice = brand.get(url("collaboration-list") + f"?order=x&order={world['order'].pk}.0")

    assert {row["id"] for row in all_of_brand} == {mine.pk, other.pk}
    assert [row["id"] for row in accepted] == [mine.pk]
    assert [row["id"] for row in on_order] == [other.pk]
    assert [row["id"] for row in creators_own] == [mine.pk]
    assert bad_filter.status_code == 400 and "status" in bad_filter.json()["errors"]
    assert given_twice.status_code == 400 and given_twice.json()["errors"] == {"order": ["Give this parameter once."]}


# ------------------------------------------------------------------ applications and recommendations


def test_a_creator_applies_and_the_brand_selects_with_the_quote_escrowed():
    world = make_world(mode=Order.Mode.RECRUITMENT)
    creator = api_for(world["creator"].user)
    apply_url = url("application-create", world["order"].pk)

    out_of_band = creator.post(apply_url, {"quote_minor": PRICE * 2, "pitch": "Hi"}, format="json")
    applied = creator.post(apply_url, {"quote_minor": PRICE + 100, "pitch": "I fit."}, format="json")
    twice = creator.post(apply_url, {"quote_minor": PRICE, "pitch": "Again."}, format="json")
    c = Collaboration.objects.get(pk=applied.json()["id"])
    selected = step(api_for(world["owner"]), c, "select", idem=key())

    assert out_of_band.status_code == 400 and list(out_of_band.json()["errors"]) == ["quote_minor"]
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    assert twice.status_code == 409
    assert selected.status_code == 200 and selected.json()["status"] == "accepted"
    assert Hold.objects.get(collaboration=c).amount == PRICE + 100


def test_only_creators_apply_and_only_to_open_recruitment_orders(world):
    direct = url("application-create", world["order"].pk)
    body = {"quote_minor": PRICE, "pitch": "Hi"}

    by_brand = api_for(world["owner"]).post(direct, body, format="json")
    to_direct = api_for(world["creator"].user).post(direct, body, format="json")
    with_nul = api_for(world["creator"].user).post(
        url("application-create", make_world(mode="recruitment")["order"].pk),
        {"quote_minor": PRICE, "pitch": "Hi\x00there"},
        format="json",
    )

    assert by_brand.status_code == 403
    assert to_direct.status_code == 404
    assert with_nul.status_code == 400 and "pitch" in with_nul.json()["errors"]


def test_recommended_orders_for_a_creator_with_reasons(taxonomy, settings, tmp_path):
    from matching import engine
    from tests.matching.conftest import creator_with_a_recommended_order

    creator, fits = creator_with_a_recommended_order(settings, tmp_path)

    response = api_for(creator.user).get(url("recommended-orders"))
    by_brand = api_for(MembershipFactory().user).get(url("recommended-orders"))

    engine.reset()
    first = response.json()["results"][0]
    assert first["order"]["id"] == fits.pk and first["order"]["price_minor"] == 10**9
    assert first["reasons"][0].startswith("You make content on the brand")
    assert any(
        text.startswith("Your rate ") and "under the brand's budget per creator" in text for text in first["reasons"]
    )
    assert not any("your budget" in text or "your labels" in text for text in first["reasons"])
    assert first["score"] > 0 and "content" in first["components"]
    assert by_brand.status_code == 403


# ------------------------------------------------------------------ uploads, disputes, messages, ratings


def test_a_text_file_named_mp4_is_refused_and_nothing_is_stored(world):
    c = deal_in(world, S.SCRIPT_APPROVED, creator=world["creator"])
    fake = SimpleUploadedFile("cut.mp4", b"just some text, not a video" * 10, content_type="video/mp4")

    response = api_for(world["creator"].user).post(url("collaboration-video", c.pk), {"file": fake}, format="multipart")
    missing = api_for(world["creator"].user).post(url("collaboration-video", c.pk), {}, format="multipart")

    assert response.status_code == 400 and list(response.json()["errors"]) == ["file"]
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED
    assert not Deliverable.objects.filter(collaboration=c, kind="video").exists()


def test_a_dispute_with_evidence_is_decided_by_an_admin_with_a_split(world):
    c = deal_in(world, S.ACCEPTED, creator=world["creator"])
    png = SimpleUploadedFile("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    admin = api_for(world["admin"])

    opened = api_for(world["owner"]).post(
        url("collaboration-dispute", c.pk), {"reason": "No script after a week.", "evidence": [png]}, format="multipart"
    )
    dispute = Dispute.objects.get(collaboration=c)
    queue = admin.get(url("dispute-list")).json()["results"]
    not_staff = api_for(world["owner"]).get(url("dispute-list"))
    decide = url("dispute-decide", dispute.pk)
    by_brand = api_for(world["owner"]).post(
        decide, {"decision": "refund", "reason": "Mine."}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    no_amounts = admin.post(decide, {"decision": "split", "reason": "Half."}, format="json", HTTP_IDEMPOTENCY_KEY=key())
    wrong_sum = admin.post(
        decide,
        {"decision": "split", "creator_amount_minor": 1, "brand_amount_minor": 1, "reason": "Half."},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )
    body = {"decision": "split", "creator_amount_minor": 200_000, "brand_amount_minor": PRICE - 200_000}
    decided = admin.post(decide, {**body, "reason": "Half."}, format="json", HTTP_IDEMPOTENCY_KEY="decide-key-1")
    replay = admin.post(decide, {**body, "reason": "Half."}, format="json", HTTP_IDEMPOTENCY_KEY="decide-key-1")
    earnings = api_for(world["creator"].user).get(url("earnings-detail")).json()

    assert opened.status_code == 201 and opened.json()["status"] == "open"
    assert opened.json()["evidence"][0]["download_url"]
    assert [row["id"] for row in queue] == [dispute.pk] and queue[0]["evidence_count"] == 1
    assert not_staff.status_code == by_brand.status_code == 403
    assert no_amounts.status_code == 400
    assert set(no_amounts.json()["errors"]) == {"creator_amount_minor", "brand_amount_minor"}
    assert wrong_sum.status_code == 400 and "brand_amount_minor" in wrong_sum.json()["errors"]
    assert decided.status_code == 200 and decided.json()["decision"] == "split"
    assert replay.json() == decided.json() and replay["Idempotent-Replayed"] == "true"
    assert earnings["available_minor"] == 180_000  # the creator's part less the 10 % fee, settled at once
    assert LedgerTransaction.objects.filter(collaboration=c, kind="split").count() == 1


def test_messages_reach_the_other_side_and_ratings_are_given_once(world):
    c = deal_in(world, S.SETTLED, creator=world["creator"])
    brand = api_for(world["owner"])

    message = brand.post(url("collaboration-message", c.pk), {"text": "Great work!"}, format="json")
    too_long = brand.post(url("collaboration-message", c.pk), {"text": "x" * 4001}, format="json")
    rated = brand.post(url("collaboration-rating", c.pk), {"rating": 5, "comment": "Fast."}, format="json")
    again = brand.post(url("collaboration-rating", c.pk), {"rating": 4}, format="json")
    out_of_range = api_for(world["creator"].user).post(url("collaboration-rating", c.pk), {"rating": 6}, format="json")

    assert message.status_code == 201 and message.json()["by"] == "brand"
    assert Notification.objects.filter(user=world["creator"].user, kind="comment").exists()
    assert too_long.status_code == 400 and "text" in too_long.json()["errors"]
    assert rated.status_code == 200 and rated.json()["brand_rating"] == 5
    assert again.status_code == 409
    assert out_of_range.status_code == 400 and "rating" in out_of_range.json()["errors"]


# ------------------------------------------------------------------ schema


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    for path in ("/api/v1/collaborations/{id}/accept/", "/api/v1/wallet/topups/", "/api/v1/notifications/read/"):
        assert path in schema


def test_lists_and_the_detail_run_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    brand = api_for(world["owner"])
    c = deal_in(world, S.SCRIPT_SUBMITTED, creator=world["creator"])
    brand.get(url("me"))  # the token's first use records its time; later requests do not

    def queries(path) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert brand.get(path).status_code == 200
        return len(ctx.captured_queries)

    few = (queries(url("collaboration-list")), queries(url("collaboration-detail", c.pk)))
    deal_in(world, S.OFFERED)
    deal_in(world, S.ACCEPTED)
    step(brand, c, "reject_script", {"comment": "Shorter, please."})
    brand.post(url("collaboration-message", c.pk), {"text": "And brighter."}, format="json")
    many = (queries(url("collaboration-list")), queries(url("collaboration-detail", c.pk)))

    assert few == many
    assert many[0] <= 5
