"""Upcoming deadlines of a creator or a brand (docs/deals.md, "Deadlines"): the deadlines page and the iCalendar
feed read the same list, so the calendar never says something the page does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.models import User
from marketplace.core.roles import role_of
from orders import flows
from orders.models import CalendarFeed, Collaboration, Order
from orders.services.collaborations import AUTO_ACCEPT_AFTER

S = Collaboration.Status
# How far back the calendar feed reaches, so a deadline just passed stays in the calendar for a while.
FEED_PAST = timedelta(days=14)


@dataclass(frozen=True)
class Deadline:
    """One deadline: a moment (``at``) or whole days (``day`` to ``last_day``, the publish window)."""

    kind: str  # answer, counter, application, apply_by, script, review_script, review_video, publish, accept_work
    what: str
    order_title: str
    party: str
    url: str
    uid: str
    at: datetime | None = None
    day: date | None = None
    last_day: date | None = None

    @property
    def ends(self) -> datetime:
        """When it is over: the moment itself, or the end of the window's last day."""
        if self.at is not None:
            return self.at
        return timezone.make_aware(datetime.combine(self.last_day or self.day, datetime.max.time()))


def deadlines_for_user(*, user: User, since: datetime | None = None) -> list[Deadline]:
    """The user's deadlines that end at or after ``since`` (now by default), soonest first.

    A creator's come from their own deals; a brand member's from their brand's orders and deals. Staff
    and people with neither have none. Two queries.
    """
    since = since or timezone.now()
    role = role_of(user)
    if role is None or not (role.is_creator or role.is_brand):
        return []
    if role.is_creator:
        deals = Collaboration.objects.filter(creator__user=user)
        items = [d for c in _open(deals) for d in _creator_deadlines(c)]
    else:
        brand_id = user.brand_membership.brand_id
        deals = Collaboration.objects.filter(order__brand_id=brand_id)
        items = [d for c in _open(deals) for d in _brand_deadlines(c)]
        items += _apply_by(Order.objects.filter(brand_id=brand_id, status__in=flows.OPEN_FOR_DEALS))
    # Soonest due first: a moment by itself, a window by its close (an open window is due when it closes).
    return sorted((d for d in items if d.ends >= since), key=lambda d: (d.ends, d.uid))


def _open(deals) -> list[Collaboration]:
    live = flows.AWAITING_ANSWER | flows.IN_DELIVERY | {S.PUBLISHED} | flows.AWAITING_BALANCE | flows.PLAYS_COUNTED
    return list(deals.filter(status__in=live).select_related("order__brand", "creator"))


def _page(c: Collaboration) -> str:
    return reverse("deals:collaboration", args=[c.pk])


def _creator_deadlines(c: Collaboration) -> list[Deadline]:
    order, items = c.order, []
    common = {"order_title": order.title, "party": order.brand.name, "url": _page(c)}
    if c.status in flows.AWAITING_CREATOR and c.expires_at:
        what = _("Answer the offer (accept, decline or counter)")
        items.append(Deadline("answer", what, uid=f"c{c.pk}-answer", at=c.expires_at, **common))
    elif c.status in flows.COUNTERED_OFFER and c.expires_at:
        what = _("The brand answers your counter-offer by then, or the offer lapses")
        items.append(Deadline("counter", what, uid=f"c{c.pk}-counter", at=c.expires_at, **common))
    elif c.status in flows.AWAITING_BRAND and c.expires_at:
        what = _("Your application lapses unless the brand selects you")
        items.append(Deadline("application", what, uid=f"c{c.pk}-application", at=c.expires_at, **common))
    if c.status == S.ACCEPTED and order.script_by:
        items.append(Deadline("script", _("Script due"), uid=f"c{c.pk}-script", at=order.script_by, **common))
    items += _publish_window(c, common, _("Video approved and post published within the window"))
    items += _money_deadlines(c, common, brand=False)
    return items


def _money_deadlines(c: Collaboration, common: dict, *, brand: bool) -> list[Deadline]:
    """A deposit deal's balance (orders.deposits) and a per-play deal's confirmation (orders.pay_per_play)."""
    if c.status in flows.AWAITING_BALANCE and c.balance_due:
        what = (
            _("Pay the balance, or the deposit goes to the creator")
            if brand
            else _("The brand pays the balance by then, or the deposit is yours")
        )
        return [Deadline("balance", what, uid=f"c{c.pk}-balance", at=c.balance_due, **common)]
    if c.status in flows.PLAYS_COUNTED and c.plays_confirmed_by:
        what = (
            _("Confirm or dispute the counted plays, or they are confirmed automatically")
            if brand
            else _("The counted plays are confirmed by then; correct day 14 before")
        )
        return [Deadline("plays", what, uid=f"c{c.pk}-plays", at=c.plays_confirmed_by, **common)]
    return []


def _brand_deadlines(c: Collaboration) -> list[Deadline]:
    order, items = c.order, []
    common = {"order_title": order.title, "party": c.creator.display_name, "url": _page(c)}
    if c.status in flows.AWAITING_CREATOR and c.expires_at:
        what = _("The creator's answer is due; the offer lapses then")
        items.append(Deadline("answer", what, uid=f"c{c.pk}-answer", at=c.expires_at, **common))
    elif c.status in flows.COUNTERED_OFFER and c.expires_at:
        what = _("Accept or decline the counter-offer")
        items.append(Deadline("counter", what, uid=f"c{c.pk}-counter", at=c.expires_at, **common))
    elif c.status in flows.AWAITING_BRAND and c.expires_at:
        what = _("Select the applicant or let the application lapse")
        items.append(Deadline("application", what, uid=f"c{c.pk}-application", at=c.expires_at, **common))
    if c.status == S.ACCEPTED and order.script_by:
        items.append(Deadline("script", _("The script is due"), uid=f"c{c.pk}-script", at=order.script_by, **common))
    if c.status == S.PUBLISHED and c.published_at:
        what = _("Accept the work, or it is accepted automatically")
        at = c.published_at + AUTO_ACCEPT_AFTER
        items.append(Deadline("accept_work", what, uid=f"c{c.pk}-accept-work", at=at, **common))
    items += _publish_window(c, common, _("Publish window of the creator's post"))
    items += _money_deadlines(c, common, brand=True)
    return items


def _publish_window(c: Collaboration, common: dict, what: str) -> list[Deadline]:
    order = c.order
    if c.status not in flows.IN_DELIVERY or not (order.publish_from or order.publish_until):
        return []
    first, last = order.publish_from or order.publish_until, order.publish_until or order.publish_from
    return [Deadline("publish", what, uid=f"c{c.pk}-publish", day=first, last_day=last, **common)]


def _apply_by(orders) -> list[Deadline]:
    orders = orders.filter(mode=Order.Mode.RECRUITMENT).exclude(Q(apply_by__isnull=True))
    return [
        Deadline(
            "apply_by",
            _("Applications close"),
            order_title=o.title,
            party="",
            url=reverse("orders:detail", args=[o.pk]),
            uid=f"o{o.pk}-apply-by",
            at=o.apply_by,
        )
        for o in orders
    ]


def feed_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - FEED_PAST


def calendar_feed_owner(*, token: str) -> User | None:
    """The active user whose feed ``token`` opens, or None (unknown, replaced or stopped)."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=CalendarFeed.digest_of(token)).first()
    return feed.user if feed is not None and feed.user.is_active else None


@dataclass(frozen=True)
class ActionItem:
    """Something the brand has to do on a deal, with its deadline when the deal has one."""

    kind: str  # review_script, review_video, counter, application, offer_expiring, accept_work, dispute
    what: str
    collaboration: Collaboration
    due: datetime | None
    since: datetime


# An unanswered offer is the brand's business (to chase or withdraw) once it lapses within this time.
OFFER_EXPIRING_WITHIN = timedelta(hours=24)


def needs_action_for_brand(*, brand_id: int, now: datetime | None = None, limit: int = 20) -> tuple[list, int]:
    """The brand's "needs your action" list, the soonest deadline first (undated items after, oldest first), and
    how many there are in all. One query."""
    now = now or timezone.now()
    deals = (
        Collaboration.objects.filter(order__brand_id=brand_id, status__in=flows.NEEDS_BRAND_LOOK)
        .select_related("order", "creator")
        .order_by("id")
    )
    items = [item for c in deals if (item := _action_item(c, now)) is not None]
    far = now + timedelta(days=3650)
    items.sort(key=lambda i: (i.due or far, i.since, i.collaboration.pk))
    return items[:limit], len(items)


def _action_item(c: Collaboration, now: datetime) -> ActionItem | None:
    texts = {
        S.SCRIPT_SUBMITTED: ("review_script", _("Review the script"), None),
        S.VIDEO_SUBMITTED: ("review_video", _("Review the video"), None),
        S.COUNTERED: ("counter", _("Accept or decline the counter-offer"), c.expires_at),
        S.APPLIED: ("application", _("Select the applicant or let the application lapse"), c.expires_at),
        S.DISPUTED: ("dispute", _("A dispute is open: add evidence or messages for the admin"), None),
    }
    if c.status == S.PUBLISHED and c.published_at:
        what = _("Accept the work, or it is accepted automatically")
        return ActionItem("accept_work", what, c, c.published_at + AUTO_ACCEPT_AFTER, c.published_at)
    if c.status in flows.AWAITING_BALANCE:
        what = _("Pay the balance, or the deposit goes to the creator")
        return ActionItem("balance", what, c, c.balance_due, c.accepted_at)
    if c.status in flows.PLAYS_COUNTED:
        what = _("Confirm or dispute the counted plays, or they are confirmed automatically")
        return ActionItem("plays", what, c, c.plays_confirmed_by, c.plays_counted_at)
    if c.status in flows.AWAITING_CREATOR:
        if c.expires_at is None or not now <= c.expires_at <= now + OFFER_EXPIRING_WITHIN:
            return None
        return ActionItem("offer_expiring", _("An offer lapses soon without an answer"), c, c.expires_at, c.offered_at)
    if c.status not in texts:
        return None
    kind, what, due = texts[c.status]
    return ActionItem(kind, what, c, due, c.updated_at)
