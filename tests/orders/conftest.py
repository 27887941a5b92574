"""A brand with money, a verified creator with a price, and helpers that drive a deal to any state."""

import itertools
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from brands.models import BrandMembership
from orders.models import Collaboration, Order
from orders.services import deals, deliverables
from orders.services.collaborations import collaboration_transition
from payouts import services as money
from payouts.models import Account
from tests.factories import CreatorFactory, MembershipFactory, OrderFactory, RatePriceFactory, UserFactory

S = Collaboration.Status
PRICE = 500_000  # CNY 5,000.00
PUBLISHED_AGO = timedelta(days=30)
TOPUP = 10_000_000  # CNY 100,000.00
_keys = itertools.count()


def key() -> str:
    return f"test-key-{next(_keys)}"


def mp4_upload(name: str = "cut.mp4", size: int = 2048) -> SimpleUploadedFile:
    """An MP4 whose boxes are whole (ftyp, moov, mdat to the end), ``size`` bytes long."""
    ftyp = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12
    moov = b"\x00\x00\x00\x10moov" + b"\x00" * 8
    mdat = (size - len(ftyp) - len(moov)).to_bytes(4, "big") + b"mdat"
    body = ftyp + moov + mdat
    return SimpleUploadedFile(name, body + b"\x00" * (size - len(body)), content_type="video/mp4")


@pytest.fixture
def world(db, settings):
    settings.PLATFORM_FEE_BPS = 1000
    owner = MembershipFactory(role=BrandMembership.Role.OWNER)
    viewer = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.VIEWER)
    admin = UserFactory(is_staff=True)
    order = OrderFactory(
        brand=owner.brand,
        status=Order.Status.PUBLISHED,
        price_per_creator=PRICE,
        creators_wanted=5,
        mode=Order.Mode.RECRUITMENT,
        apply_by=timezone.now() + timedelta(days=3),
        script_by=timezone.now() + timedelta(days=7),
        publish_from=date.today(),
        publish_until=date.today() + timedelta(days=30),
    )
    money.topup(brand_id=owner.brand_id, amount=TOPUP, idempotency_key=key(), actor=owner.user)
    return {"owner": owner.user, "viewer": viewer.user, "admin": admin, "order": order, "brand": owner.brand}


# A pay-per-play order's terms: CNY 1,000.00 base, CNY 50.00 per 10,000 plays, at most PRICE (CNY 5,000.00).
PLAY_BASE, PLAY_RATE = 100_000, 5_000


def play_order(world, **terms) -> Order:
    """A published pay-per-play recruitment order of the world's brand (offers may be sent on it too)."""
    base = world["order"]
    return OrderFactory(
        brand=world["brand"],
        status=Order.Status.PUBLISHED,
        price_per_creator=terms.pop("cap", PRICE),
        creators_wanted=50,
        mode=Order.Mode.RECRUITMENT,
        apply_by=base.apply_by,
        script_by=base.script_by,
        publish_from=base.publish_from,
        publish_until=base.publish_until,
        pricing=Order.Pricing.PER_PLAY,
        play_base=terms.pop("base", PLAY_BASE),
        play_rate=terms.pop("rate", PLAY_RATE),
    )


def deposit_order(world) -> Order:
    """A published deposit order of the world's brand: direct offers at PRICE, 10 % held to reserve."""
    base = world["order"]
    return OrderFactory(
        brand=world["brand"],
        status=Order.Status.PUBLISHED,
        price_per_creator=PRICE,
        creators_wanted=50,
        mode=Order.Mode.DIRECT,
        script_by=base.script_by,
        publish_from=base.publish_from,
        publish_until=base.publish_until,
        pricing=Order.Pricing.DEPOSIT,
    )


def make_creator(**kw):
    creator = CreatorFactory(max_concurrent=kw.pop("max_concurrent", 10), **kw)
    RatePriceFactory(creator=creator, format="short_21_60", amount=PRICE)
    return creator


# The actions (with who takes them) that lead from a fresh offer or application to each state.
PATHS = {
    S.OFFERED: [],
    S.COUNTERED: [("counter", "creator")],
    S.ACCEPTED: [("accept", "creator")],
    S.SCRIPT_SUBMITTED: [("accept", "creator"), ("submit_script", "creator")],
    S.SCRIPT_APPROVED: [("accept", "creator"), ("submit_script", "creator"), ("approve_script", "owner")],
    S.VIDEO_SUBMITTED: [
        ("accept", "creator"),
        ("submit_script", "creator"),
        ("approve_script", "owner"),
        ("submit_video", "creator"),
    ],
    S.VIDEO_APPROVED: [
        ("accept", "creator"),
        ("submit_script", "creator"),
        ("approve_script", "owner"),
        ("submit_video", "creator"),
        ("approve_video", "owner"),
    ],
    S.PUBLISHED: [
        ("accept", "creator"),
        ("submit_script", "creator"),
        ("approve_script", "owner"),
        ("submit_video", "creator"),
        ("approve_video", "owner"),
        ("publish", "creator"),
    ],
    S.COMPLETED: [
        ("accept", "creator"),
        ("submit_script", "creator"),
        ("approve_script", "owner"),
        ("submit_video", "creator"),
        ("approve_video", "owner"),
        ("publish", "creator"),
        ("accept_work", "owner"),
    ],
    S.SETTLED: [
        ("accept", "creator"),
        ("submit_script", "creator"),
        ("approve_script", "owner"),
        ("submit_video", "creator"),
        ("approve_video", "owner"),
        ("publish", "creator"),
        ("accept_work", "owner"),
        # The brand confirms at once (waiving the rest of its stays-live check); the creator may only later.
        ("confirm_live", "owner"),
    ],
    S.CLOSED: [("decline", "creator")],
    S.CANCELLED: [("accept", "creator"), ("cancel", "owner")],
    S.DISPUTED: [("accept", "creator"), ("open_dispute", "owner")],
    S.RESOLVED: [("accept", "creator"), ("open_dispute", "owner"), ("resolve", "admin")],
    S.APPLIED: None,  # reached by applying, not by an offer
    S.PLAYS_COUNTED: None,  # a per-play deal: completed, then the count_plays timer (deal_in)
    S.DEPOSIT_PAID: [("reserve", "creator")],
    S.REQUOTED: [("reserve", "creator"), ("requote", "creator")],
}
# A deposit deal is accepted by reserving it and paying the balance; then it runs as any deal.
DEPOSIT_ACCEPT = [("reserve", "creator"), ("pay_balance", "owner")]


def act(collaboration, action: str, actor, **extra):
    """Take one action the way the pages do (scripts and videos through their services)."""
    if action == "submit_script":
        return deliverables.script_submit(
            collaboration_id=collaboration.pk, actor=actor, text="Hook, demo, call to action."
        )
    if action == "submit_video":
        return deliverables.video_submit(collaboration_id=collaboration.pk, actor=actor, upload=mp4_upload())
    payload = {"post_url": "https://video.example/p/1"} if action == "publish" else {}
    if action == "resolve":
        payload = {"decision": "refund"}
    if action in ("counter", "requote"):
        payload = {"price": collaboration.agreed_price}
    if action == "extend_rights":
        payload = {"months": 1, "rights_until": collaboration.rights_until}
    payload.update(extra.pop("payload", {}))
    comment = extra.pop("comment", "Reason given." if action in NEEDS_WORDS else "")
    return collaboration_transition(
        collaboration_id=collaboration.pk, action=action, actor=actor, comment=comment, payload=payload, **extra
    )


NEEDS_WORDS = {"reject_script", "request_revision", "report_down", "open_dispute", "resolve", "dispute_plays"}


# States only one pricing reaches: a deal driven to one of them on an order of another pricing is offered as
# that pricing (the order's pricing is switched for the offer alone; the deal keeps the terms it was made on).
ONLY_WITH = {
    S.PLAYS_COUNTED: Order.Pricing.PER_PLAY,
    S.DEPOSIT_PAID: Order.Pricing.DEPOSIT,
    S.REQUOTED: Order.Pricing.DEPOSIT,
}


def _offer(world, order: Order, creator, pricing: str | None):
    if pricing is None or pricing == order.pricing:
        return deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    terms = {"pricing": pricing, "play_base": PLAY_BASE, "play_rate": PLAY_RATE} if pricing == "per_play" else {}
    before = {name: getattr(order, name) for name in ("pricing", "play_base", "play_rate")}
    Order.objects.filter(pk=order.pk).update(**({"pricing": pricing} | terms))
    try:
        return deals.offer_send(order_id=order.pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    finally:
        Order.objects.filter(pk=order.pk).update(**before)


def deal_in(world, state: str, creator=None, order=None):
    """A collaboration on the world's order (or ``order``) driven through real transitions to ``state``."""
    creator = creator or make_creator()
    order = order or world["order"]
    if state == S.APPLIED:
        return deals.application_submit(order_id=order.pk, actor=creator.user, quote=PRICE, pitch="Hi!")
    c = _offer(world, order, creator, ONLY_WITH.get(state))
    actors = {"creator": creator.user, "owner": world["owner"], "admin": world["admin"]}
    # A per-play deal settles on its counted plays (count_plays, confirm_plays), not on confirm_live.
    counted = state == S.PLAYS_COUNTED or (state == S.SETTLED and c.per_play)
    path = PATHS[S.COMPLETED if counted else state]
    if c.pricing == Collaboration.Pricing.DEPOSIT and path[:1] == [("accept", "creator")]:
        path = DEPOSIT_ACCEPT + path[1:]
    for action, who in path:
        c = act(c, action, actors[who])
    if c.published_at is not None:  # published a month ago, so every results day is reached
        Collaboration.objects.filter(pk=c.pk).update(published_at=c.published_at - PUBLISHED_AGO)
    if counted:
        c = act(c, "count_plays", None)
    if counted and state == S.SETTLED:
        c = act(c, "confirm_plays", world["owner"])
    c.refresh_from_db()
    assert c.status == state
    return c


def balance(kind: str, **owner) -> int:
    account = Account.objects.filter(kind=kind, **owner).first()
    return account.balance if account else 0


@pytest.fixture
def rights_world(world):
    """The world's order states usage rights: the brand's accounts and paid-ad codes for 45 days (two started
    months; tests/orders/test_rights.py prices them)."""
    Order.objects.filter(pk=world["order"].pk).update(
        usage_channels=["creator_account", "brand_accounts"], usage_days=45, paid_ads_authorised=True
    )
    world["order"].refresh_from_db()
    return world
