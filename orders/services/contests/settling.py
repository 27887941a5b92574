"""The contest's own steps: cancel, rank, confirm, dispute, resolve; the ranking, the awards paid from the pool,
and the timers that rank and confirm on time."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed
from marketplace.core import check_transition as check_flow
from marketplace.core.models import User
from orders.access import ADMIN, BRAND, SYSTEM, VIEWER
from orders.models import CONTEST_OVER, Contest, ContestEntry, Order
from orders.services.contests.entries import entry_transition
from orders.services.contests.steps import (
    CONFIRM_AFTER,
    CONTEST_ACTIONS,
    CONTEST_FLOW,
    RESULTS_GRACE,
    C,
    E,
    contest_side,
    record_event,
    refuse_step,
)
from orders.services.orders import order_transition
from payouts import services as money
from payouts.services.idempotency import system_key
from payouts.services.ledger import fee_split

# ------------------------------------------------------------------ the contest


@transaction.atomic
def contest_transition(
    *,
    contest_id: int,
    action: str,
    actor: User | None,
    comment: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> Contest:
    """Take ``action`` on a contest, or raise without any effect (NotAllowed, InvalidTransition, DomainError).

    Locks the contest row; a confirmation pays every prize and refunds the rest in the same transaction.
    """
    now = now or timezone.now()
    contest = Contest.objects.select_for_update(of=("self",)).select_related("order").filter(pk=contest_id).first()
    if contest is None:
        raise DomainError(_("No such contest."), field="contest")
    refuse_step(CONTEST_ACTIONS, CONTEST_FLOW, action, contest_side(contest, actor), contest.status, _("contest"))
    step = CONTEST_ACTIONS[action]
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise DomainError(_("Please say why."), field="comment")
    payload = payload or {}
    changes, data = _GUARDS[action](contest, payload, now)
    check_flow(CONTEST_FLOW, current=contest.status, to=step.target)
    if step.money == "refund":
        money.refund(hold_id=contest.hold_id, idempotency_key=system_key("contest", contest.pk, "refund"), actor=actor)
        changes.update(refunded=contest.pool, settled_at=now)
    elif step.money == "award":
        changes.update(_award(contest, payload, actor, now), settled_at=now)
        data.update(awarded=changes["awarded"], refunded=changes["refunded"])
    old = contest.status
    changes["status"] = step.target
    for name, value in changes.items():
        setattr(contest, name, value)
    contest.save(update_fields=[*changes, "updated_at"])
    record_event(contest, action, actor, old=old, new=step.target, comment=comment, data=data)
    if step.target in CONTEST_OVER:
        order_transition(order_id=contest.order_id, to=Order.Status.CLOSED, actor=None)
    return contest


def _guard_cancel(contest: Contest, payload: dict, now: datetime) -> tuple[dict, dict]:
    if contest.entries.exists():
        raise Conflict(_("Creators have entered: the contest runs to its end."), field="status")
    return {}, {}


def _guard_rank(contest: Contest, payload: dict, now: datetime) -> tuple[dict, dict]:
    if now < contest.counting_ends_at + RESULTS_GRACE:
        raise InvalidTransition(_("The counting window has not ended yet."), field="status")
    ranked = ranking(contest)
    for place, entry in enumerate(ranked, start=1):
        ContestEntry.objects.filter(pk=entry.pk).update(rank=place)
    return {"ranked_at": now, "confirm_by": now + CONFIRM_AFTER}, {"ranked": len(ranked)}


def _guard_auto_confirm(contest: Contest, payload: dict, now: datetime) -> tuple[dict, dict]:
    if contest.confirm_by is None or now < contest.confirm_by:
        raise InvalidTransition(_("Automatic confirmation is not due yet."), field="status")
    payload.pop("picks", None)  # the brand did not choose: the ranking by views stands
    return {}, {}


def _guard_none(contest: Contest, payload: dict, now: datetime) -> tuple[dict, dict]:
    return {}, {}


def _guard_resolve(contest: Contest, payload: dict, now: datetime) -> tuple[dict, dict]:
    """The admin's decision: entries whose figures are disallowed (excluded), then the ranking is paid."""
    excluded = payload.get("excluded") or []
    if not isinstance(excluded, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in excluded):
        raise DomainError(_("List the excluded entries by id."), field="excluded")
    live = set(contest.entries.filter(status=E.SUBMITTED).values_list("pk", flat=True))
    if set(excluded) - live:
        raise DomainError(_("Some of those entries are not in this contest."), field="excluded")
    return {}, {"excluded": excluded}


_GUARDS = {
    "cancel": _guard_cancel,
    "rank": _guard_rank,
    "confirm": _guard_none,
    "auto_confirm": _guard_auto_confirm,
    "dispute": _guard_none,
    "resolve": _guard_resolve,
}


def ranking(contest: Contest, *, excluded=()) -> list[ContestEntry]:
    """The live entries with figures, best first: by the ranking metric (views for CPM and the brand's
    pick), ties broken by the earlier entry (then the lower id). Entries without figures are not ranked."""
    metric = "likes" if contest.ranking == Contest.Ranking.LIKES else "views"
    qs = contest.entries.filter(status=E.SUBMITTED, views__isnull=False).exclude(pk__in=excluded)
    return list(qs.order_by(f"-{metric}", "submitted_at", "pk"))


def awards(contest: Contest, ranked: list[ContestEntry], *, picks=None) -> dict[int, int]:
    """{entry id: gross prize}. Prizes: the places in rank order (or the brand's picks, in its order).
    CPM: each entry's plays × CPM / 1000, capped per creator; when they pass the total cap, each is cut
    in proportion (rounded down), so the sum never passes what was held."""
    if contest.kind == Contest.Kind.CPM:
        due = {e.pk: min(e.views * contest.cpm // 1000, contest.creator_cap) for e in ranked}
        total = sum(due.values())
        if total > contest.pool:
            due = {pk: amount * contest.pool // total for pk, amount in due.items()}
        return {pk: amount for pk, amount in due.items() if amount}
    order = ranked
    if picks is not None:
        order = [e for pk in picks for e in ranked if e.pk == pk]
    return {entry.pk: prize for entry, prize in zip(order, contest.places, strict=False)}


def _picks(contest: Contest, ranked: list[ContestEntry], payload: dict) -> list[int] | None:
    if contest.ranking != Contest.Ranking.BRAND_PICK or "picks" not in payload:
        return None
    picks = payload["picks"]
    top = {e.pk for e in ranked[: contest.pick_from_top]}
    if (
        not isinstance(picks, list)
        or len(picks) != len(set(picks))
        or len(picks) > len(contest.places)
        or not set(picks) <= top
    ):
        raise DomainError(
            _("Pick up to %(places)s different entries among the top %(n)s by views.")
            % {"places": len(contest.places), "n": contest.pick_from_top},
            field="picks",
        )
    return picks


def _award(contest: Contest, payload: dict, actor, now: datetime) -> dict:
    excluded = payload.get("excluded") or []
    ranked = ranking(contest, excluded=excluded)
    prizes = awards(contest, ranked, picks=_picks(contest, ranked, payload))
    by_creator = {e.creator_id: prizes[e.pk] for e in ranked if e.pk in prizes}
    hold = money.pool_release(
        hold_id=contest.hold_id,
        awards=by_creator,
        idempotency_key=system_key("contest", contest.pk, "award"),
        actor=actor,
    )
    tier_of = _tier_of(contest)
    for place, pk in enumerate(prizes):  # in award order: rank, or the brand's picks
        _share, fee = fee_split(prizes[pk], hold.fee_bps)
        extra = {"prize": prizes[pk], "fee": fee, "tier": tier_of[place] if tier_of else None}
        entry_transition(entry_id=pk, action="award", actor=None, payload=extra, now=now)
    for entry in contest.entries.filter(status=E.SUBMITTED):
        entry_transition(entry_id=entry.pk, action="unplace", actor=None, now=now)
    return {"awarded": hold.creator_gross, "refunded": hold.refunded}


def _tier_of(contest: Contest) -> list[int]:
    """The tier (1 = first) of each prize place, best first."""
    return [number for number, tier in enumerate(contest.tiers, start=1) for _n in range(tier["places"])]


# ------------------------------------------------------------------ timers


def contest_timers_run(*, now: datetime | None = None) -> dict[str, int]:
    """Rank contests whose counting window (and its grace day) ended; confirm rankings left unconfirmed for
    three days. Each through the transition, in its own transaction; one moved meanwhile is skipped."""
    now = now or timezone.now()
    done = {"ranked": 0, "auto_confirmed": 0}
    due = {
        "rank": Contest.objects.filter(status=C.OPEN, counting_ends_at__lte=now - RESULTS_GRACE),
        "auto_confirm": Contest.objects.filter(status=C.RANKED, confirm_by__lte=now),
    }
    for action, qs in due.items():
        for pk in qs.values_list("pk", flat=True)[:1000]:
            try:
                contest_transition(contest_id=pk, action=action, actor=None, now=now)
            except (InvalidTransition, NotAllowed):
                continue
            done["ranked" if action == "rank" else "auto_confirmed"] += 1
    return done


def entries_for_viewer(contest: Contest, user: User | None):
    """The brand's members and staff see every entry; a creator their own (and, once ranked, the placed ones)."""
    side = contest_side(contest, user)
    qs = contest.entries.select_related("creator").order_by("rank", "submitted_at", "pk")
    if side in (BRAND, VIEWER, ADMIN, SYSTEM):
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    mine = qs.filter(creator__user=user)
    if contest.status == C.SETTLED:
        return qs.filter(Q(creator__user=user) | Q(status=E.AWARDED))
    return mine
