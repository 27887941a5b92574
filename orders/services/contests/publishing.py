"""Publishing a contest: its terms (prize tiers or a CPM rate, the pool held in escrow) checked and the order
created with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.access import EDITOR, brand_seat
from marketplace.core import DomainError, check_amount
from marketplace.core.models import User
from orders.models import Contest, Order, ResultSnapshot
from orders.services.contests.steps import CPM_DAY, MAX_PLACES, C, min_cpm, record_event
from orders.services.orders import OrderBrief, order_create, order_transition
from payouts import services as money
from payouts.services.idempotency import system_key

# ------------------------------------------------------------------ publishing


@dataclass(frozen=True, kw_only=True)
class ContestTerms:
    """A contest's terms. Money in integer minor units of settings.CURRENCY."""

    kind: str = Contest.Kind.PRIZES
    ranking: str = Contest.Ranking.VIEWS
    pick_from_top: int = 10
    tiers: list[dict] = field(default_factory=list)  # [{"places": 1, "prize": 500000}, ...]
    count_day: int = 7
    cpm: int | None = None
    creator_cap: int | None = None
    total_cap: int | None = None
    submit_until: datetime | None = None


def _check_terms(terms: ContestTerms, now: datetime) -> tuple[int, int, list[dict]]:
    """(pool, count day, clean tiers), or a DomainError naming the field."""
    if terms.submit_until is None or terms.submit_until <= now:
        raise DomainError(_("Entries must close in the future."), field="submit_until")
    if terms.kind == Contest.Kind.CPM:
        check_amount(terms.cpm, field="cpm")
        if terms.cpm < min_cpm():
            raise DomainError(
                _("The CPM must be at least %(min)s minor units per 1,000 plays.") % {"min": min_cpm()}, field="cpm"
            )
        check_amount(terms.creator_cap, field="creator_cap")
        check_amount(terms.total_cap, field="total_cap")
        if terms.creator_cap > terms.total_cap:
            raise DomainError(_("One creator's cap cannot be above the total cap."), field="creator_cap")
        return terms.total_cap, CPM_DAY, []
    if terms.kind != Contest.Kind.PRIZES:
        raise DomainError(_("Choose prize tiers or CPM."), field="kind")
    if terms.ranking not in Contest.Ranking.values:
        raise DomainError(_("Choose a ranking rule."), field="ranking")
    if terms.count_day not in ResultSnapshot.Day.values:
        raise DomainError(_("Choose day 1, 3, 7, 14 or 30."), field="count_day")
    if not 1 <= terms.pick_from_top <= MAX_PLACES:
        raise DomainError(_("Give a number from 1 to %(n)s.") % {"n": MAX_PLACES}, field="pick_from_top")
    tiers = _clean_tiers(terms.tiers)
    return sum(t["places"] * t["prize"] for t in tiers), terms.count_day, tiers


def contest_terms_pool(terms: ContestTerms, *, now: datetime | None = None) -> int:
    """What publishing ``terms`` would hold from the wallet (the prize pool, or the CPM total cap), checked as
    publishing checks them: a DomainError names the field. The page shows it before the brand publishes."""
    return _check_terms(terms, now or timezone.now())[0]


def _clean_tiers(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise DomainError(_("Give at least one prize tier."), field="tiers")
    tiers = []
    for tier in raw:
        places, prize = (tier.get("places"), tier.get("prize")) if isinstance(tier, dict) else (None, None)
        if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= MAX_PLACES:
            raise DomainError(_("Each tier needs 1 to %(n)s places.") % {"n": MAX_PLACES}, field="tiers")
        check_amount(prize, field="tiers")
        tiers.append({"places": places, "prize": prize})
    if sum(t["places"] for t in tiers) > MAX_PLACES:
        raise DomainError(_("At most %(n)s prize places.") % {"n": MAX_PLACES}, field="tiers")
    if any(a["prize"] < b["prize"] for a, b in pairwise(tiers)):
        raise DomainError(_("List the tiers from the biggest prize down."), field="tiers")
    check_amount(sum(t["places"] * t["prize"] for t in tiers), field="tiers")
    return tiers


@transaction.atomic
def contest_publish(*, brand, actor: User, brief: OrderBrief, terms: ContestTerms, now: datetime | None = None):
    """Create and publish a contest order and hold its whole pool (available → held → escrow) at once.

    Raises NotAllowed for non-editors, DomainError for bad terms, InsufficientFunds when the wallet cannot
    cover the pool (nothing is created then).
    """
    now = now or timezone.now()
    brand_seat(actor, need=EDITOR, brand_id=brand.pk)
    pool, count_day, tiers = _check_terms(terms, now)
    places = sum(t["places"] for t in tiers) or 1
    brief = OrderBrief(
        **{
            **brief.order_values(),
            "target_labels": brief.target_labels,
            "mode": Order.Mode.CONTEST,
            "price_per_creator": None,
            "total_budget": pool,
            "creators_wanted": places,
            "apply_by": terms.submit_until,
            "script_by": None,
        }
    )
    order = order_create(brand=brand, actor=actor, brief=brief)
    contest = Contest(
        order=order,
        kind=terms.kind,
        ranking=terms.ranking if terms.kind == Contest.Kind.PRIZES else Contest.Ranking.VIEWS,
        pick_from_top=terms.pick_from_top,
        tiers=tiers,
        count_day=count_day,
        cpm=terms.cpm if terms.kind == Contest.Kind.CPM else None,
        creator_cap=terms.creator_cap if terms.kind == Contest.Kind.CPM else None,
        pool=pool,
        currency=order.currency,
        submit_until=terms.submit_until,
        counting_ends_at=terms.submit_until + timedelta(days=count_day),
    )
    contest.full_clean(exclude=["order", "hold"])
    contest.save()
    contest.order = order_transition(order_id=order.pk, to=Order.Status.PUBLISHED, actor=actor)
    hold = money.hold(
        order_id=order.pk, amount=pool, idempotency_key=system_key("contest", contest.pk, "hold"), actor=actor
    )
    money.escrow(hold_id=hold.pk, idempotency_key=system_key("contest", contest.pk, "escrow"), actor=actor)
    contest.hold = hold
    contest.save(update_fields=["hold", "updated_at"])
    record_event(contest, "publish", actor, old="", new=C.OPEN, data={"pool": pool, "kind": contest.kind})
    return contest
