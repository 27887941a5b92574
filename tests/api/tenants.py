"""Two tenants side by side, each owning one object of every kind, for the isolation, mass-assignment and fuzz tests.

Side A is brand A (an owner and a read-only viewer) with creator X; side B is brand B with creator Y.
Each brand has a draft order, an open direct order with a ranking, an open recruitment order, and one
order per collaboration state with its own creator's deal driven there through the real services
(so there are scripts, videos, evidence, disputes, notifications, holds and escrow). Each side also
has a pending top-up, a creator payout (and an agency payout), a blackout and an API token per user. A staff user and a
neutral creator (who has no deals, for offers) complete the cast.

Each side also has an agency (MCN) whose owner is the ``agency`` actor: it represents the side's creator under
a contract that grants every power (answer offers, submit work, see earnings), signed before the deals.

Actors are named relative to a side: ``owner``, ``viewer``, ``creator`` and ``agency`` are the side's own,
``o_owner``, ``o_viewer``, ``o_creator`` and ``o_agency`` the other side's, plus ``admin`` and ``anon``.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from agencies import services as agency_services
from agencies.models import Representation
from brands.models import Brand, BrandMembership, BrandVerification
from creators import services as creator_services
from creators.models import BlackoutPeriod, Creator, CreatorVerification
from marketplace.core.models import ApiToken, Notification, User
from marketplace.core.tokens import api_token_create
from matching import engine
from matching.models import CreatorList, CreatorListEntry
from orders.models import Collaboration, Contest, ContestEntry, Deliverable, Dispute, Order, OrderTargetLabel
from orders.services import contests as contest_services
from orders.services import deals, deliverables
from orders.services.orders import OrderBrief
from payouts import services as money
from payouts.models import Payout, TopUp
from programmes import services as programme_services
from tests.factories import (
    LabelFactory,
    MembershipFactory,
    OrderFactory,
    RankingResultFactory,
    RankingRunFactory,
    UserFactory,
)
from tests.orders.conftest import PATHS, PUBLISHED_AGO, act, make_creator, mp4_upload
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

S = Collaboration.Status
PRICE = 500_000
TOPUP = 20_000_000
SIDES = ("A", "B")
ACTORS = ("owner", "viewer", "creator", "agency", "o_owner", "o_viewer", "o_creator", "o_agency", "admin", "anon")
# Collaboration states each side has one deal in (one order per state: a creator has one deal per order).
DEAL_STATES = (
    S.OFFERED,
    S.COUNTERED,
    S.ACCEPTED,
    S.SCRIPT_SUBMITTED,
    S.SCRIPT_APPROVED,
    S.VIDEO_SUBMITTED,
    S.VIDEO_APPROVED,
    S.PUBLISHED,
    S.COMPLETED,
    S.SETTLED,
    S.DISPUTED,
    S.RESOLVED,
    S.CANCELLED,
    S.CLOSED,
    # Pay per play and deposit orders (docs/deals.md, "Ways to pay"): their own states, on orders of their pricing.
    S.PLAYS_COUNTED,
    S.DEPOSIT_PAID,
    S.REQUOTED,
)
DEPOSIT_OFFERED = "deposit_offered"
PRICING_OF = {
    S.PLAYS_COUNTED: {"pricing": Order.Pricing.PER_PLAY, "play_base": 100_000, "play_rate": 5_000},
    S.DEPOSIT_PAID: {"pricing": Order.Pricing.DEPOSIT},
    S.REQUOTED: {"pricing": Order.Pricing.DEPOSIT},
}
_keys = itertools.count()


def new_key() -> str:
    return f"tenants-key-{next(_keys):06d}"


def avatar_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (96, 96), "#7a3e9d").save(out, format="PNG")
    return SimpleUploadedFile("me.png", out.getvalue())


def evidence_upload(name: str = "proof.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


@dataclass
class Side:
    name: str
    brand: Brand
    owner: User
    viewer: User
    viewer_membership: BrandMembership
    creator: Creator
    orders: dict[str, Order] = field(default_factory=dict)
    deals: dict[str, Collaboration] = field(default_factory=dict)
    video: Deliverable | None = None
    evidence: Deliverable | None = None
    dispute: Dispute | None = None
    topup: TopUp | None = None
    payout: Payout | None = None
    agency_payout: Payout | None = None  # the side's agency takes part of its share out
    blackout: BlackoutPeriod | None = None
    tokens: dict[str, ApiToken] = field(default_factory=dict)  # actor → the token row they own
    creator_list: CreatorList | None = None  # a saved list holding the side's creator
    webhook: WebhookEndpoint | None = None  # the brand's endpoint, with one failed delivery in its log
    webhook_delivery: WebhookDelivery | None = None
    verifications: dict[str, object] = field(default_factory=dict)  # "brand" / "creator" → a waiting request
    programme: object | None = None  # an open incentive programme any creator may join
    # Submission contests: "fresh" (nobody entered), "open" (the side's creator entered), "ranked", "disputed".
    contests: dict[str, Contest] = field(default_factory=dict)
    entry: ContestEntry | None = None  # the side's creator's entry in its "open" contest
    agency: User | None = None  # the owner of the agency that represents the side's creator
    representation: Representation | None = None


@dataclass
class World:
    sides: dict[str, Side]
    admin: User
    neutral: Creator  # a creator with a price and no deals: the one brands send offers to
    token_text: dict[int, str]  # user id → API token
    clients: dict = field(default_factory=dict)

    def other(self, side: str) -> str:
        return "B" if side == "A" else "A"

    def user(self, side: str, actor: str) -> User | None:
        """The user playing ``actor`` relative to ``side`` (None for anonymous)."""
        if actor == "anon":
            return None
        if actor == "admin":
            return self.admin
        own = self.sides[self.other(side) if actor.startswith("o_") else side]
        role = actor.removeprefix("o_")
        return own.creator.user if role == "creator" else getattr(own, role)

    def api(self, side: str, actor: str) -> APIClient:
        """The actor's API client, with their token (one per user: a new client loads every middleware again)."""
        user = self.user(side, actor)
        key = user.pk if user else None
        if key not in self.clients:
            client = APIClient()
            if user is not None:
                client.credentials(HTTP_AUTHORIZATION=f"Token {self.token_text[user.pk]}")
            self.clients[key] = client
        return self.clients[key]


def build_world(media_root) -> World:
    """Both tenants, built through the services; ``media_root`` receives the uploaded files."""
    with override_settings(MEDIA_ROOT=str(media_root), PAYMENT_PROVIDER="sandbox", PLATFORM_FEE_BPS=1000):
        admin = UserFactory(is_staff=True)
        neutral = make_creator(max_concurrent=50)
        sides = {name: _side(name, admin) for name in SIDES}
        token_text = {}
        users = [admin, neutral.user] + [
            u for side in sides.values() for u in (side.owner, side.viewer, side.creator.user, side.agency)
        ]
        for user in users:
            row, text = api_token_create(user=user, name="isolation tests")
            token_text[user.pk] = text
            for side in sides.values():
                for actor, owner in (
                    ("owner", side.owner),
                    ("viewer", side.viewer),
                    ("creator", side.creator.user),
                    ("agency", side.agency),
                ):
                    if owner.pk == user.pk:
                        side.tokens[actor] = row
        _pending_topups(sides)
        return World(sides=sides, admin=admin, neutral=neutral, token_text=token_text)


def _side(name: str, admin: User) -> Side:
    owner = MembershipFactory(role=BrandMembership.Role.OWNER, brand__name=f"Brand {name}")
    viewer = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.VIEWER)
    creator = make_creator(max_concurrent=50)
    # A profile picture, so its route (creators:avatar) has something to serve or refuse.
    creator_services.creator_set_avatar(creator=creator, actor=None, upload=avatar_upload())
    side = Side(
        name=name,
        brand=owner.brand,
        owner=owner.user,
        viewer=viewer.user,
        viewer_membership=viewer,
        creator=creator,
    )
    money.topup(brand_id=side.brand.pk, amount=TOPUP, idempotency_key=new_key(), actor=side.owner)
    side.agency = UserFactory()
    agency_services.agency_create(name=f"Agency {name}", owner=side.agency)
    invited = agency_services.representation_invite(
        actor=side.agency,
        creator_id=creator.pk,
        share_bps=2_000,
        may_answer_offers=True,
        may_submit_deliverables=True,
        may_see_earnings=True,
    )
    side.representation = agency_services.representation_transition(
        representation_id=invited.pk, to=Representation.Status.ACTIVE, actor=creator.user
    )
    side.orders["draft"] = _order(side, status=Order.Status.DRAFT)
    OrderTargetLabel.objects.create(order=side.orders["draft"], label=LabelFactory(), weight=1.0)
    side.orders["open"] = _order(side)
    side.orders["recruiting"] = _order(side, mode=Order.Mode.RECRUITMENT)
    side.orders["applied"] = _order(side, mode=Order.Mode.RECRUITMENT)
    side.orders["closed"] = _order(side, status=Order.Status.CLOSED)
    run = RankingRunFactory(order=side.orders["open"], status="done")
    for rank, ranked in enumerate((creator, *Creator.objects.exclude(pk=creator.pk)[:2]), start=1):
        RankingResultFactory(run=run, rank=rank, creator=ranked, price=PRICE)
    side.deals[S.APPLIED] = deals.application_submit(
        order_id=side.orders["applied"].pk, actor=creator.user, quote=PRICE, pitch="Pick me."
    )
    for state in DEAL_STATES:
        side.orders[state] = _order(side, **PRICING_OF.get(state, {}))
        side.deals[state] = _deal(side, state, admin)
    # A deposit offer not answered yet: the creator reserves it (or declines it).
    side.orders[DEPOSIT_OFFERED] = _order(side, pricing=Order.Pricing.DEPOSIT)
    side.deals[DEPOSIT_OFFERED] = deals.offer_send(
        order_id=side.orders[DEPOSIT_OFFERED].pk, creator_id=creator.pk, actor=side.owner, idempotency_key=new_key()
    )
    side.video = Deliverable.objects.get(collaboration=side.deals[S.VIDEO_SUBMITTED], kind=Deliverable.Kind.VIDEO)
    side.dispute = Dispute.objects.get(collaboration=side.deals[S.DISPUTED], status=Dispute.Status.OPEN)
    side.programme = _open_programme(name)
    side.evidence = Deliverable.objects.get(dispute=side.dispute, kind=Deliverable.Kind.EVIDENCE)
    side.payout = money.payout_request(
        creator_id=creator.pk, amount=100_000, idempotency_key=new_key(), actor=creator.user
    )
    side.agency_payout = money.agency_payout_request(
        agency_id=side.representation.agency_id, amount=10_000, idempotency_key=new_key(), actor=side.agency
    )
    side.blackout = creator_services.blackout_add(
        creator=creator,
        actor=creator.user,
        starts_on=date.today() + timedelta(days=60),
        ends_on=date.today() + timedelta(days=65),
        note="Holiday",
    )
    side.creator_list = CreatorList.objects.create(brand=side.brand, name=f"Shortlist {name}")
    CreatorListEntry.objects.create(creator_list=side.creator_list, creator=creator)
    side.webhook, side.webhook_delivery = _webhook(side)
    side.verifications = {
        "creator": CreatorVerification.objects.create(creator=creator, evidence_url="https://v.example/me"),
        "brand": BrandVerification.objects.create(
            brand=side.brand, licence_number="91310000MA1FL0000X", evidence_url="https://registry.example/x"
        ),
    }
    _contests(side, admin)
    for user in (side.owner, side.creator.user):
        assert Notification.objects.filter(user=user).exists()
    return side


def _contests(side: Side, admin: User) -> None:
    """One contest per state a contest step starts from, each built through the contest services."""
    draft = side.orders["draft"]
    brief = OrderBrief(
        title=f"Contest of {side.name}",
        product_name="Serum",
        product_category=draft.product_category,
        format="short_21_60",
        target_labels={draft.target_label_links.get().label_id: 1.0},
    )
    terms = contest_services.ContestTerms(
        tiers=[{"places": 1, "prize": 1_000}], count_day=1, submit_until=timezone.now() + timedelta(days=2)
    )
    for state in ("fresh", "open", "ranked", "disputed"):
        contest = contest_services.contest_publish(brand=side.brand, actor=side.owner, brief=brief, terms=terms)
        side.contests[state] = contest
        if state == "fresh":
            continue
        entry = contest_services.contest_enter(
            contest_id=contest.pk, actor=side.creator.user, post_url="https://v.example/c", published_at=timezone.now()
        )
        # Posted two days ago (set directly: entering checks the post came after the contest opened), so its
        # counting day is reached and results can be reported now.
        ContestEntry.objects.filter(pk=entry.pk).update(published_at=timezone.now() - timedelta(days=2))
        entry.refresh_from_db()
        if state == "open":
            side.entry = entry
            continue
        contest_services.entry_transition(
            entry_id=entry.pk, action="report_results", actor=side.creator.user, payload={"views": 100, "likes": 1}
        )
        later = contest.counting_ends_at + contest_services.RESULTS_GRACE
        contest_services.contest_transition(contest_id=contest.pk, action="rank", actor=None, now=later)
        if state == "disputed":
            contest_services.contest_transition(
                contest_id=contest.pk, action="dispute", actor=side.owner, comment="Views look bought.", now=later
            )


def _webhook(side: Side) -> tuple[WebhookEndpoint, WebhookDelivery]:
    endpoint = WebhookEndpoint.objects.create(
        brand=side.brand, url="http://127.0.0.1:9/hook", event_types=["offer.accepted"], secret="whsec_QUJD"
    )
    event = WebhookEvent.objects.create(
        public_id=f"evt_tenant{side.name}",
        type="offer.accepted",
        brand=side.brand,
        object_key=f"collaboration:{side.deals[S.ACCEPTED].pk}",
        body={"id": f"evt_tenant{side.name}", "type": "offer.accepted"},
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, status=WebhookDelivery.Status.FAILED, attempts=1, next_attempt_at=timezone.now()
    )
    return endpoint, delivery


def _order(side: Side, *, status: str = Order.Status.PUBLISHED, mode: str = Order.Mode.DIRECT, **terms) -> Order:
    return OrderFactory(
        **terms,
        brand=side.brand,
        status=status,
        mode=mode,
        # A usage right beyond the creator's post (unpriced: included), so a finished deal has rights to extend.
        usage_channels=["creator_account", "brand_accounts"],
        price_per_creator=PRICE,
        creators_wanted=5,
        apply_by=timezone.now() + timedelta(days=3),
        script_by=timezone.now() + timedelta(days=7),
        # A draft's window opens later (so it can be published); deals run in a window open today.
        publish_from=date.today() + timedelta(days=14 if status == Order.Status.DRAFT else 0),
        publish_until=date.today() + timedelta(days=30),
        published_at=timezone.now() if status != Order.Status.DRAFT else None,
    )


def _deal(side: Side, state: str, admin: User) -> Collaboration:
    """Creator's deal on its own order, driven to ``state`` through the state machine."""
    order = side.orders[state]
    c = deals.offer_send(order_id=order.pk, creator_id=side.creator.pk, actor=side.owner, idempotency_key=new_key())
    actors = {"creator": side.creator.user, "owner": side.owner, "admin": admin}
    for action, who in PATHS[S.COMPLETED if state == S.PLAYS_COUNTED else state]:
        if action == "open_dispute":
            c = deliverables.dispute_open(
                collaboration_id=c.pk, actor=actors[who], reason="Not as agreed.", evidence=[evidence_upload()]
            )
        else:
            c = act(c, action, actors[who])
    if c.published_at is not None:  # published a month ago, so every results day is reached
        Collaboration.objects.filter(pk=c.pk).update(published_at=c.published_at - PUBLISHED_AGO)
    if state == S.PLAYS_COUNTED:  # day 14 has come: the timer counts the plays
        c = act(c, "count_plays", None)
    c.refresh_from_db()
    assert c.status == state, (state, c.status)
    return c


def _open_programme(name: str):
    """An open incentive programme (platform-wide, not a tenant's: every creator may join it)."""
    money.incentives_fund(amount=100_000, idempotency_key=new_key(), actor=None)
    now = timezone.now()
    programme = programme_services.programme_create(
        actor=None,
        name=f"Programme {name}",
        budget=100_000,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=60),
        mode="per_order",
        per_order_amount=10_000,
        cap_per_creator=30_000,
    )
    return programme_services.programme_transition(programme_id=programme.pk, to="open", actor=None)


def _pending_topups(sides: dict[str, Side]) -> None:
    """A manual-provider top-up per brand, waiting for staff to confirm it (the ledger page's target)."""
    with override_settings(PAYMENT_PROVIDER="manual"):
        for side in sides.values():
            side.topup = money.topup(
                brand_id=side.brand.pk, amount=300_000, idempotency_key=new_key(), actor=side.owner
            )
            assert side.topup.status == TopUp.Status.PENDING


def fresh_video() -> SimpleUploadedFile:
    return mp4_upload()


def test_settings(base_dir) -> dict:
    """Private files, snapshots and throttle counters, and rates no walk of hundreds of requests reaches."""
    return {
        "MEDIA_ROOT": str(base_dir / "media"),
        "MATCHING_SNAPSHOT_DIR": base_dir / "snapshots",
        "PAYMENT_PROVIDER": "sandbox",
        "PLATFORM_FEE_BPS": 1000,
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tenants"}},
        "THROTTLE_LOGIN": "100000/minute",
        "REST_FRAMEWORK": {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute"),
        },
    }


@contextmanager
def committed_world(django_db_blocker, base_dir) -> Iterator[World]:
    """A world committed to the test database for a whole module, flushed afterwards (as transactional tests do).

    Tests that use it run in their own rolled-back transaction (``db``), so they all start from the
    same world. What the services leave for after commit (mail, queued tasks) is dropped: fixtures
    must not reach the broker.
    """
    with django_db_blocker.unblock(), override_settings(**test_settings(base_dir)):
        engine.reset()
        try:
            with transaction.atomic():
                world = build_world(base_dir / "media")
                connection.run_on_commit.clear()
            yield world
        finally:
            engine.reset()
            call_command("flush", verbosity=0, interactive=False)
