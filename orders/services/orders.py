"""Writes on orders: create and edit a draft brief, and the one status transition function.

An order's status changes only through ``order_transition`` and the table ``ORDER_FLOW``;
``order_publish`` and ``order_close`` name its two steps for callers. Closing ends the order's open offers and
applications in the same transaction (their holds go back to the brand); the deals it made run on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.access import EDITOR, brand_seat
from brands.models import Brand
from marketplace.core import MAX_AMOUNT, Conflict, audit, check_transition, update_fields
from marketplace.core.audience import AGE_BUCKETS, GENDERS, canonical_region, regions
from marketplace.core.events import announce
from marketplace.core.models import Label, ProductCategory, User
from marketplace.core.outbox import outbox_put
from orders import flows
from orders.models import Collaboration, Order, OrderEvent, OrderTargetLabel
from orders.services.collaborations import collaboration_transition

ORDER_FLOW: dict[str, frozenset[str]] = {
    Order.Status.DRAFT: frozenset({Order.Status.PUBLISHED, Order.Status.CLOSED}),
    Order.Status.PUBLISHED: frozenset({Order.Status.CLOSED}),
}


# What a brand editor may do on an order in each status besides ORDER_FLOW's steps and editing a draft.
ORDER_ACTIONS = {"send_offers": flows.OPEN_FOR_DEALS, "rank": flows.OPEN_FOR_DEALS}


def order_allowed_actions(order: Order, *, can_edit: bool) -> frozenset[str]:
    """What a member may do on ``order`` now (the pages show these buttons and only these): its steps in
    ORDER_FLOW (``publish``, ``close``), ``edit`` while the brief is editable, and ORDER_ACTIONS; nothing for
    a member who may not edit orders."""
    if not can_edit:
        return frozenset()
    steps = {"publish": Order.Status.PUBLISHED, "close": Order.Status.CLOSED}
    allowed = {name for name, to in steps.items() if to in ORDER_FLOW.get(order.status, ())}
    if order.is_editable:
        allowed.add("edit")
    return frozenset(allowed | {name for name, states in ORDER_ACTIONS.items() if order.status in states})


@dataclass(frozen=True, kw_only=True)
class OrderBrief:
    """Everything a brand writes in a brief. Money is in integer minor units of settings.CURRENCY."""

    title: str
    product_name: str
    format: str
    product_category: ProductCategory | None = None  # a draft may leave it open; publishing needs it
    description: str = ""
    goal: str = Order.Goal.AWARENESS
    mode: str = Order.Mode.DIRECT
    target_labels: dict[int, float] = field(default_factory=dict)  # label id → weight in (0, 1]
    target_age: list[str] = field(default_factory=list)
    target_gender: list[str] = field(default_factory=list)
    target_regions: list[str] = field(default_factory=list)
    min_region_share: float = 0.0
    price_per_creator: int | None = None
    total_budget: int | None = None
    price_tolerance_bps: int = 1000
    creators_wanted: int = 1
    apply_by: datetime | None = None
    script_by: datetime | None = None
    publish_from: date | None = None
    publish_until: date | None = None
    usage_channels: list[str] = field(default_factory=list)
    usage_days: int = 90
    paid_ads_authorised: bool = False
    script_rejection_limit: int = 3
    video_revision_limit: int = 2
    # Pay per play (orders.pay_per_play): the price per creator (or the budget's share) is the maximum.
    pricing: str = Order.Pricing.FIXED
    play_base: int | None = None
    play_rate: int | None = None

    def __post_init__(self) -> None:
        # The other form of Taiwan, Hong Kong or Macao (TW / CN-TW) names this deployment's region.
        regions = [canonical_region(c) if isinstance(c, str) else c for c in self.target_regions]
        object.__setattr__(self, "target_regions", list(dict.fromkeys(regions)))

    def order_values(self) -> dict:
        """The brief as Order column values (labels live in their own table)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "target_labels"}


# ------------------------------------------------------------------ checks


def order_brief_problems(brief, *, label_count: int, complete: bool, now: datetime | None = None) -> dict:
    """Field → messages for what is wrong with a brief (an OrderBrief or an Order).

    Always checks what is filled in: deadlines in order (apply_by ≤ script_by < publish_from ≤
    publish_until, dates read in the active time zone) and a total budget that covers the price
    per creator. With ``complete`` (publishing) it also wants at least one target label, the
    deadlines (apply-by for recruitment and contests) in the future, a product category, and a price or a
    budget.
    """
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    apply_by, script_by = brief.apply_by, brief.script_by
    publish_from, publish_until = brief.publish_from, brief.publish_until
    if apply_by and script_by and apply_by > script_by:
        add("apply_by", _("The apply-by deadline must not be after the script deadline."))
    if script_by and publish_from and timezone.localtime(script_by).date() >= publish_from:
        add("script_by", _("The script deadline must be before the publish window opens."))
    if publish_from and publish_until and publish_from > publish_until:
        add("publish_until", _("The publish window must not close before it opens."))
    price, budget = brief.price_per_creator, brief.total_budget
    for name, amount in (("price_per_creator", price), ("total_budget", budget)):
        if amount and amount > MAX_AMOUNT:
            add(name, _("That amount is too large."))
    if price and budget and price * brief.creators_wanted > budget:
        add("total_budget", _("The total budget does not cover the price per creator for every creator wanted."))
    _add_play_problems(brief, add=add)
    if complete:
        _add_completeness_problems(brief, add=add, label_count=label_count, now=now)
    return problems


def _add_play_problems(brief, *, add) -> None:
    """A per-play brief names a base of zero or more and a rate above zero, the base not above the maximum one
    creator can earn (the price per creator, or the budget's share); direct offers and recruitment only.
    A deposit order sends direct offers (orders.deposits)."""
    if brief.pricing == Order.Pricing.DEPOSIT and brief.mode != Order.Mode.DIRECT:
        add("pricing", _("A deposit order sends direct offers."))
    if brief.pricing != Order.Pricing.PER_PLAY:
        return
    if brief.mode not in (Order.Mode.DIRECT, Order.Mode.RECRUITMENT):
        add("pricing", _("Pay per play is for direct offers and open recruitment."))
    base, rate = brief.play_base, brief.play_rate
    if base is None or isinstance(base, bool) or not isinstance(base, int) or not 0 <= base <= MAX_AMOUNT:
        add("play_base", _("Give the base price (zero or more)."))
        base = None
    if rate is None or isinstance(rate, bool) or not isinstance(rate, int) or not 0 < rate <= MAX_AMOUNT:
        add("play_rate", _("Give the price per 10,000 plays (above zero)."))
    price, budget = brief.price_per_creator, brief.total_budget
    cap = price or (budget or 0) // max(brief.creators_wanted or 1, 1)
    if base is not None and cap and base > cap:
        add("play_base", _("The base price cannot be more than the maximum per creator."))


def _add_completeness_problems(brief, *, add, label_count: int, now: datetime) -> None:
    if brief.product_category is None:
        add("product_category", _("Choose the product's category."))
    if label_count == 0:
        add("target_labels", _("Choose at least one target label."))
    if not brief.price_per_creator and not brief.total_budget:
        add("price_per_creator", _("Give a price per creator or a total budget."))
    required = ["script_by", "publish_from", "publish_until"]
    if brief.mode != Order.Mode.DIRECT:
        required.insert(0, "apply_by")
    if brief.mode == Order.Mode.CONTEST:
        required = ["apply_by"]  # entries close then; the contest's own terms hold its other dates
    for name in required:
        if getattr(brief, name) is None:
            add(name, _("Set this deadline before publishing."))
    for name in ("apply_by", "script_by"):
        value = getattr(brief, name)
        if value is not None and value <= now:
            add(name, _("This deadline has passed."))
    if brief.publish_from is not None and brief.publish_from <= timezone.localdate(now):
        add("publish_from", _("The publish window must open after today."))


def _validate_brief(brief: OrderBrief) -> None:
    problems = order_brief_problems(brief, label_count=len(brief.target_labels), complete=False)
    for name, allowed in (("target_age", AGE_BUCKETS), ("target_gender", GENDERS), ("target_regions", regions())):
        unknown = sorted(set(getattr(brief, name)) - set(allowed))
        if unknown:
            problems.setdefault(name, []).append(_("Unknown choice: %(v)s.") % {"v": ", ".join(unknown)})
    if not 0 <= brief.min_region_share <= 1:
        problems.setdefault("min_region_share", []).append(_("Give a share between 0 and 1."))
    if any(not 0 < weight <= 1 for weight in brief.target_labels.values()):
        problems.setdefault("target_labels", []).append(_("Label weights must be above 0 and at most 1."))
    if problems:
        raise ValidationError(problems)


def _require_editor(*, brand_id: int, actor: User | None) -> None:
    """Owners and managers of the order's brand edit it; ``actor=None`` is the system (timers)."""
    if actor is None:
        return
    brand_seat(actor, need=EDITOR, brand_id=brand_id)


def _set_target_labels(order: Order, target_labels: dict[int, float], *, new: bool = False) -> None:
    known = set(Label.objects.filter(pk__in=target_labels).values_list("pk", flat=True))
    if known != set(target_labels):
        raise ValidationError({"target_labels": _("Some target labels do not exist.")})
    if not new:  # a new order has no labels to replace
        OrderTargetLabel.objects.filter(order=order).delete()
    OrderTargetLabel.objects.bulk_create(
        OrderTargetLabel(order=order, label_id=label_id, weight=weight) for label_id, weight in target_labels.items()
    )


# ------------------------------------------------------------------ writes


@transaction.atomic
def order_create(*, brand: Brand, actor: User, brief: OrderBrief) -> Order:
    """A new draft order of ``brand``. Raises NotAllowed for viewers, ValidationError for a bad brief."""
    _require_editor(brand_id=brand.pk, actor=actor)
    _validate_brief(brief)
    order = Order(brand=brand, created_by=actor, currency=settings.CURRENCY, **brief.order_values())
    # The brand and the actor exist: _require_editor has just read the seat that joins them.
    order.full_clean(exclude=["brand", "created_by"])
    order.save()
    _set_target_labels(order, brief.target_labels, new=True)
    audit(actor=actor, action="order.created", obj=order, title=order.title)
    return order


@transaction.atomic
def order_update(*, order_id: int, actor: User, brief: OrderBrief) -> Order:
    """Replace a draft's brief. Raises Conflict once the order is published or closed."""
    order = Order.objects.select_for_update().get(pk=order_id)
    _require_editor(brand_id=order.brand_id, actor=actor)
    if not order.is_editable:
        raise Conflict(_("Only draft orders can be edited."))
    _validate_brief(brief)
    values = brief.order_values()
    changed = sorted(name for name, value in values.items() if getattr(order, name) != value)
    for name, value in values.items():
        setattr(order, name, value)
    # created_by goes null when its user is deleted (SET_NULL); that must not block edits. The brand is
    # the locked order's own.
    order.full_clean(exclude=["brand", "created_by"])
    order.save(update_fields=[*values, "updated_at"])
    _set_target_labels(order, brief.target_labels)
    audit(actor=actor, action="order.updated", obj=order, fields=changed)
    return order


@transaction.atomic
def order_transition(
    *, order_id: int, to: str, actor: User | None, check: Callable[[Order], None] | None = None
) -> Order:
    """Move an order along ORDER_FLOW: lock, check actor and table, check the brief, event, audit, save.

    Publishing requires a complete brief (order_brief_problems) and raises ValidationError
    otherwise; a step the table does not allow raises InvalidTransition. Publishing also queues
    the order's ranking: an ``order.published`` outbox message in the same transaction, which matching consumes.
    Closing ends every unanswered offer and application on the order (``_end_open_deals``); its caller must not
    hold the order's lock already (a deal's step locks the deal, then the order: see ``_lock_open_deals``), so a
    condition of its own on the locked order (an If-Match) goes in ``check``, called before anything changes.
    """
    if to == Order.Status.CLOSED:
        # The member is checked before anything is locked: the unanswered deals are locked before the order.
        _require_editor(brand_id=Order.objects.only("brand_id").get(pk=order_id).brand_id, actor=actor)
        _lock_open_deals(order_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    _require_editor(brand_id=order.brand_id, actor=actor)
    if check is not None:
        check(order)
    check_transition(ORDER_FLOW, current=order.status, to=to)
    now = timezone.now()
    changes: dict = {"status": to}
    if to == Order.Status.PUBLISHED:
        problems = order_brief_problems(order, label_count=order.target_label_links.count(), complete=True, now=now)
        if problems:
            raise ValidationError(problems)
        changes["published_at"] = now
    elif to == Order.Status.CLOSED:
        changes["closed_at"] = now
    old = order.status
    OrderEvent.objects.create(order=order, old_status=old, new_status=to, actor=actor)
    audit(actor=actor, action=f"order.{to}", obj=order, old=old, new=to)
    update_fields(order, **changes)
    if to == Order.Status.CLOSED:
        _end_open_deals(order, actor=actor)
    if to == Order.Status.PUBLISHED:
        # The event commits with the publish, so no published order is ever left unranked (the relay re-sends
        # it if the broker is down); the matcher, which this app does not import, queues the ranking from it.
        outbox_put(topic="order.published", payload={"order_id": order.pk, "actor_id": actor.pk if actor else None})
        announce("order.published", order)  # the brand's webhooks, after commit
    return order


def _lock_open_deals(order_id: int) -> None:
    """Lock the order's unanswered offers and applications before the order itself. A deal's step locks its own
    row and then its order's (collaboration_transition), so a close taking them in that order waits for an
    accept or a counter in flight, which then finds the order closed, instead of deadlocking with it."""
    open_deals = Collaboration.objects.filter(order_id=order_id, status__in=flows.AWAITING_ANSWER)
    list(open_deals.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))


def _end_open_deals(order: Order, *, actor: User | None) -> None:
    """A closed order hires nobody more: every offer (countered or not) is withdrawn, its hold released to the
    brand's wallet, and every application turned down, each through the collaboration's own transition (an
    event and a notice to the creator each, ``order_closed`` in the event's data). By the closing member as the
    brand, or by the system when no person closes. Deals already made (accepted, or a deposit reserved) run on."""
    open_deals = order.collaborations.filter(status__in=flows.AWAITING_ANSWER).order_by("pk")
    for pk, status in open_deals.values_list("pk", "status"):
        action = "reject_application" if status in flows.AWAITING_BRAND else "withdraw"
        collaboration_transition(collaboration_id=pk, action=action, actor=actor)


def order_publish(*, order_id: int, actor: User | None, check: Callable[[Order], None] | None = None) -> Order:
    return order_transition(order_id=order_id, to=Order.Status.PUBLISHED, actor=actor, check=check)


def order_close(*, order_id: int, actor: User | None, check: Callable[[Order], None] | None = None) -> Order:
    return order_transition(order_id=order_id, to=Order.Status.CLOSED, actor=actor, check=check)
