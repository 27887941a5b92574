"""Demo campaigns: collaborations on the demo brands' published orders with results, so a brand opens a
campaign report with figures and charts straight away.

Each collaboration goes through the real services, with the brand's sandbox money: offer (hold) →
accept (escrow) → script → approve → video → approve → publish → accept the work → confirm live
(settle). The campaign is placed in the past, so the order's schedule is moved back first — the one
write here outside the services, like the history's past orders — and each step is taken at its
date there (``now=``), its events dated to match. Result snapshots for the days since publishing
(1, 3, 7, 14, 30, as time allows) are drawn around each creator's median views.

The creators are made for the campaign (accounts that cannot log in), plus creator@starmap.demo on
the serum order with a post published a few days ago, so that login has results to enter.

Illustrative (hand-set, not derived from data): the share of a post's 30-day views reached by each
day, the noise around the median views, clicks and conversion rates, the like/comment/share split.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from creators.models import Creator
from creators.services import rights_rates_set
from marketplace.core.models import User
from marketplace.dev.demo.accounts import DemoAccounts, profile_creator
from marketplace.dev.demo.catalogue import Catalogue, stream
from marketplace.dev.demo.creators import CreatorBatch
from orders import flows, negotiation, pay_per_play
from orders.models import Collaboration, CollaborationEvent, Deliverable, Order, ResultSnapshot
from orders.services import deals, deliverables
from orders.services.collaborations import STAYS_LIVE_FOR, collaboration_transition
from orders.services.results import result_record
from payouts.selectors import wallet_for_brand

STREAM_CAMPAIGNS = 5  # marketplace.dev.demo.catalogue's streams 1–4 are taken
S = Collaboration.Status
DAYS = [day for day, _label in ResultSnapshot.Day.choices]
REACHED_BY_DAY = {1: 0.38, 3: 0.62, 7: 0.82, 14: 0.93, 30: 1.0}  # illustrative share of the day-30 views
SPLIT = {"likes": 0.82, "comments": 0.11, "shares": 0.07}  # illustrative
CLICK_RATE, CONVERSION_RATE = 0.012, 0.06  # illustrative: clicks per view, conversions per click
# The smallest file the video check accepts as MP4 (whole ftyp, moov and mdat boxes); the demo has no
# real footage.
DEMO_VIDEO = (
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    + b"\x00\x00\x00\x10moov"
    + b"\x00" * 8
    + b"\x00\x00\x00\x48mdat"
    + b"\x00" * 64
)


@dataclass(frozen=True)
class Placement:
    followers: int
    published_days_ago: int
    status: str  # published, completed or settled


@dataclass(frozen=True)
class CampaignSpec:
    order_title: str
    niche: str
    main_label: str  # IAB id of the campaign creators' weight-1 label
    placements: tuple[Placement, ...]
    login_creator: Placement | None = None


CAMPAIGNS = (
    CampaignSpec(
        order_title="Hydra serum: the autumn skin routine",
        niche="beauty",
        main_label="559",
        placements=(
            Placement(180_000, 36, S.SETTLED),
            Placement(420_000, 33, S.SETTLED),
            Placement(95_000, 17, S.COMPLETED),
            Placement(650_000, 9, S.COMPLETED),
        ),
        login_creator=Placement(268_000, 4, S.PUBLISHED),
    ),
    CampaignSpec(
        order_title="Trailhead 2 tent: your first camping weekend",
        niche="outdoor_sports",
        main_label="677",
        placements=(
            # Paid on plays (the order is pay per play): the first is counted and confirmed, the second counted
            # and waiting for the brand login to confirm its plays, the third not yet at day 14.
            Placement(240_000, 31, S.SETTLED),
            Placement(130_000, 16, S.COMPLETED),
            Placement(510_000, 5, S.PUBLISHED),
        ),
    ),
)
# The campaign's schedule: every offer goes out in the hours after the order is published, scripts are
# written and approved before the order's script deadline, each video comes a few days before its post.
LEAD_DAYS = 8  # from publishing the order to the earliest post, at least
SCRIPT_DAYS = 3  # the order's script deadline, after publishing

# Offers at the brand's own price (docs/deals.md, "Negotiation"): a share of the creator's rate card, in
# basis points, turn by turn; a counter asks this share of the offered price (within the ±20 % band).
OFFER_SHARES = (9000, 10000, 9500, 8500)
COUNTER_SHARE = 11000
OFFER_NOTES = (
    "Two cuts, please: one for your feed, one we may use in our own posts for 30 days.",
    "We loved your routine videos. Please show the product in daylight and say the claim once.",
    "Price below your card as we book several posts this season; the script comes from you.",
    "Keep it honest: one thing you like, one thing you would change.",
)
COUNTER_NOTE = "The brief asks for two cuts: the second one takes another day of shooting."
# The open offers on a brand's newest order: how long ago each went out (hours) and, for the README's creator
# login, when they countered; the 72 hours of the offer are still running.
OPEN_OFFERS_ORDER = "Aurora Men face wash launch"
OPEN_OFFER_HOURS_AGO = (20, 6, 3)
COUNTERED_HOURS_AGO = 2


# What the campaign creators (and the creator login) charge for usage rights, per month: a share of the fee for
# reposting on the brand's accounts, an amount for paid-ad codes (illustrative). The serum order states both, so
# its deals show a contract with priced rights and the brand may extend them (docs/deals.md, "Usage rights").
RIGHTS_RATES = {"brand_accounts": (1000, None), "ad_authorisation": (None, 30_000)}


def negotiated(amount: int, share_bps: int) -> int:
    """``share_bps`` of ``amount``, in whole currency units (minor units, rounded down to 100)."""
    return max(amount * share_bps // 10_000 // 100 * 100, 100)


def ensure_campaigns(accounts: DemoAccounts, catalogue: Catalogue, *, seed: int, now: datetime | None = None) -> int:
    """Run each demo campaign whose order has no collaborations yet; returns the collaborations created."""
    now = now or timezone.now()
    rng = stream(seed, STREAM_CAMPAIGNS)
    with connection.cursor() as cursor:
        # Ledger legs are checked at COMMIT (load_demo made constraints immediate for its bulk load).
        cursor.execute("SET CONSTRAINTS payouts_ledgerentry_balanced, payouts_ledgertransaction_balanced DEFERRED")
    created = 0
    for number, spec in enumerate(CAMPAIGNS):
        order = Order.objects.filter(title=spec.order_title, status=Order.Status.PUBLISHED).first()
        if order is None or order.collaborations.exists():
            continue
        owner = accounts.owners.get(order.brand.name)
        if owner is None:
            continue
        creators = _campaign_creators(spec, number, catalogue, rng, admin=accounts.admin)
        placements = list(spec.placements)
        if spec.login_creator is not None and accounts.creator is not None:
            creators.append(accounts.creator)
            placements.append(spec.login_creator)
        _move_schedule_back(order, now=now, days=max(p.published_days_ago for p in placements) + LEAD_DAYS + 4)
        for creator in creators:
            if not creator.rights_rates.exists():
                rights_rates_set(creator=creator, actor=None, rates=RIGHTS_RATES)
        for turn, (creator, placement) in enumerate(zip(creators, placements, strict=True)):
            c = _collaborate(order, creator, owner, placement, now=now, turn=turn)
            if c is not None:
                _record_results(c, creator, placement, rng)
                _settle_on_plays(c, owner, placement, now=now)
                created += 1
    return created


def _campaign_creators(spec: CampaignSpec, number: int, catalogue: Catalogue, rng, *, admin: User) -> list[Creator]:
    creators = []
    for i, placement in enumerate(spec.placements):
        batch = CreatorBatch(catalogue=catalogue, rng=rng, first_number=0, size=1)
        record = batch.sample(platform="douyin", niche=spec.niche, followers=placement.followers).record(0)
        handle = f"{record.handle.rsplit('-', 1)[0]}-c{number}{i}"
        email = f"{handle}@creators.demo"
        existing = Creator.objects.filter(user__email=email).first()
        creators.append(
            existing
            or profile_creator(
                record,
                catalogue=catalogue,
                email=email,
                password=None,
                handle=handle,
                main_label=spec.main_label,
                admin=admin,
            )
        )
    return creators


def _move_schedule_back(order: Order, *, now: datetime, days: int) -> None:
    """Place the order's brief in the past: published ``days`` ago, its publish window open since then."""
    start = now - timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(
        published_at=start,
        apply_by=None if order.apply_by is None else start + timedelta(days=1),
        script_by=start + timedelta(days=SCRIPT_DAYS),
        publish_from=(start + timedelta(days=3)).date(),
        publish_until=(now + timedelta(days=10)).date(),
    )
    order.refresh_from_db()


def _collaborate(order: Order, creator: Creator, owner: User, placement: Placement, *, now: datetime, turn: int = 0):
    """One collaboration taken to ``placement.status`` through the services, at dates in the past.

    The brand offers a price of its own (a share of the creator's rate card) with a note, as brands do
    (docs/deals.md, "Negotiation"); every third creator counters and the brand accepts the counter."""
    published = now - timedelta(days=placement.published_days_ago)
    offered = order.published_at + timedelta(hours=2)
    listed = deals.current_price(creator, order.format)
    if listed is None:
        return None
    price = negotiated(listed, OFFER_SHARES[turn % len(OFFER_SHARES)])
    if order.per_play:  # the order's terms, at its maximum; no counter (docs/deals.md, "Pay per play")
        price = order.per_creator_budget()
    rights = negotiation.rights_quote(order=order, creator=creator, work_price=price).price
    counter = _counter(order, creator, price) if turn % 3 == 1 and not order.per_play else None
    if wallet_for_brand(brand_id=order.brand_id).available < max(price + rights, counter or 0):
        return None  # the sandbox wallet is smaller than the campaign: the demo goes on without it
    c = deals.offer_send(
        order_id=order.pk,
        creator_id=creator.pk,
        actor=owner,
        idempotency_key=f"demo-campaign-{order.pk}-{creator.pk}",
        price=price,
        note=OFFER_NOTES[turn % len(OFFER_NOTES)],
        now=offered,
    )
    user = creator.user
    if counter is not None:
        answer = [
            ("counter", user, offered + timedelta(hours=3), {"price": counter, "note": COUNTER_NOTE}),
            ("accept_counter", owner, offered + timedelta(hours=5)),
        ]
    else:
        answer = [("accept", user, offered + timedelta(hours=5))]
    steps = [
        *answer,
        ("submit_script", user, offered + timedelta(days=1)),
        ("approve_script", owner, offered + timedelta(days=2)),
        ("submit_video", user, published - timedelta(days=3)),
        ("approve_video", owner, published - timedelta(days=2)),
        ("publish", user, published),
    ]
    if placement.status in flows.WORK_ACCEPTED:
        steps.append(("accept_work", owner, published + timedelta(days=2)))
    # Settlement (docs/deals.md, "Settlement: the stays-live check"): a settled placement's brand confirmed the
    # post live after accepting the work (the brand may before the check is over: it waives the rest of it); a
    # completed deal nobody confirmed was settled by the timer once its post had been up STAYS_LIVE_FOR, at that
    # date. A per-play deal settles on its plays instead (_settle_on_plays).
    live_until = published + STAYS_LIVE_FOR
    if placement.status == S.SETTLED and not order.per_play:
        steps.append(("confirm_live", owner, published + timedelta(days=8)))
    elif placement.status == S.COMPLETED and not order.per_play and live_until <= now:
        steps.append(("auto_confirm_live", None, live_until))
    CollaborationEvent.objects.filter(collaboration=c, action="offer").update(created_at=offered)
    for action, actor, when, *data in steps:
        _step(c, action, actor, when, *data)
    return Collaboration.objects.select_related("creator").get(pk=c.pk)


def _settle_on_plays(c: Collaboration, owner: User, placement: Placement, *, now: datetime) -> None:
    """A per-play deal whose work was accepted, published 14 days ago or more: its plays are counted from the
    day-14 results (the timer's step, at its date); a settled placement's brand confirmed them the day after,
    the others wait for the brand login to confirm or dispute them."""
    if not c.per_play or placement.status not in flows.WORK_ACCEPTED:
        return
    count_on = c.published_at + pay_per_play.COUNT_AFTER
    if count_on > now:
        return
    collaboration_transition(collaboration_id=c.pk, action="count_plays", actor=None, now=count_on)
    CollaborationEvent.objects.filter(collaboration=c, action="count_plays").update(created_at=count_on)
    if placement.status == S.SETTLED:
        _step(c, "confirm_plays", owner, count_on + timedelta(days=1))


def _step(c: Collaboration, action: str, actor: User | None, when: datetime, data: dict | None = None) -> None:
    if action == "counter":
        deals.offer_counter(collaboration_id=c.pk, actor=actor, price=data["price"], note=data["note"], now=when)
    elif action == "submit_script":
        deliverables.script_submit(collaboration_id=c.pk, actor=actor, text=SCRIPT)
        Deliverable.objects.filter(collaboration=c, kind=Deliverable.Kind.SCRIPT).update(created_at=when)
    elif action == "submit_video":
        upload = SimpleUploadedFile("demo.mp4", DEMO_VIDEO, content_type="video/mp4")
        deliverables.video_submit(collaboration_id=c.pk, actor=actor, upload=upload)
        Deliverable.objects.filter(collaboration=c, kind=Deliverable.Kind.VIDEO).update(created_at=when)
    else:
        payload = {"post_url": f"https://www.douyin.com/video/demo-{c.pk}"} if action == "publish" else {}
        collaboration_transition(collaboration_id=c.pk, action=action, actor=actor, payload=payload, now=when)
    CollaborationEvent.objects.filter(collaboration=c, action=action).update(created_at=when)


SCRIPT = (
    "Hook (0–3 s): the problem in one line.\n"
    "Demo (4–40 s): the product in use, one honest detail.\n"
    "Call to action (41–60 s): where to buy, with the campaign's tag."
)


def _record_results(c: Collaboration, creator: Creator, placement: Placement, rng: np.random.Generator) -> None:
    """Snapshots for the days since publishing: views around the median, engagement around the creator's rate."""
    final_views = creator.median_views_30d * float(rng.lognormal(0.0, 0.45))
    engagement = creator.engagement_rate * float(rng.lognormal(0.0, 0.2))
    clicks = CLICK_RATE * float(rng.lognormal(0.0, 0.3))
    conversions = CONVERSION_RATE * float(rng.lognormal(0.0, 0.3))
    completion = min(max(creator.completion_rate * float(rng.lognormal(0.0, 0.1)), 0.05), 0.95)
    for day in DAYS:
        if day > placement.published_days_ago:
            break
        views = int(final_views * REACHED_BY_DAY[day])
        engaged = views * engagement
        values = {name: int(engaged * share) for name, share in SPLIT.items()}
        values.update(
            views=views,
            clicks=int(views * clicks),
            conversions=int(views * clicks * conversions),
            completion_rate=round(completion * (1.04 - 0.04 * REACHED_BY_DAY[day]), 4),
        )
        result_record(
            collaboration_id=c.pk, actor=creator.user, day=day, values=values, source=ResultSnapshot.Source.DEMO
        )


def _counter(order: Order, creator: Creator, work_price: int) -> int:
    """The demo creator's counter to an offer of ``work_price`` for the work: the deal's price is the work plus
    the usage rights the order states (orders.rights), and a counter is on that whole price, asking more for
    the work (COUNTER_SHARE) and the same for the rights — so it is always above the offer."""
    rights = negotiation.rights_quote(order=order, creator=creator, work_price=work_price).price
    return negotiated(work_price, COUNTER_SHARE) + rights


def ensure_open_offers(accounts: DemoAccounts, *, now: datetime | None = None) -> int:
    """Offers out now on the brand's newest order, each at a price of the brand's own with a note: the README's
    creator login has one and has countered it (the brand answers on its board), two more creators have theirs
    to answer in the inbox. Returns the offers sent (none when the order already has deals)."""
    now = now or timezone.now()
    order = Order.objects.filter(title=OPEN_OFFERS_ORDER, status=Order.Status.PUBLISHED).first()
    owner = accounts.owners.get(order.brand.name) if order else None
    if order is None or owner is None or order.collaborations.exists() or accounts.creator is None:
        return 0
    # Published a day ago (the one write outside the services, as for the campaigns' schedules), so the offers
    # went out after it.
    Order.objects.filter(pk=order.pk).update(published_at=now - timedelta(hours=max(OPEN_OFFER_HOURS_AGO) + 4))
    others = list(
        Creator.objects.filter(verification="verified", is_active=True, rate_prices__format=order.format)
        .exclude(pk=accounts.creator.pk)
        .order_by("-followers", "pk")
        .distinct()[:2]
    )
    sent = 0
    for turn, (creator, hours) in enumerate(zip([accounts.creator, *others], OPEN_OFFER_HOURS_AGO, strict=False)):
        listed = deals.current_price(creator, order.format) or order.per_creator_budget()
        price = negotiated(listed, OFFER_SHARES[turn % len(OFFER_SHARES)])
        if wallet_for_brand(brand_id=order.brand_id).available < price:
            break
        offered = now - timedelta(hours=hours)
        c = deals.offer_send(
            order_id=order.pk,
            creator_id=creator.pk,
            actor=owner,
            idempotency_key=f"demo-open-offer-{order.pk}-{creator.pk}",
            price=price,
            note=OFFER_NOTES[turn % len(OFFER_NOTES)],
            now=offered,
        )
        CollaborationEvent.objects.filter(collaboration=c, action="offer").update(created_at=offered)
        if creator == accounts.creator:
            _step(
                c,
                "counter",
                creator.user,
                now - timedelta(hours=COUNTERED_HOURS_AGO),
                {"price": _counter(order, creator, price), "note": COUNTER_NOTE},
            )
        sent += 1
    return sent
