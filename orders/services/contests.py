"""Submission contests (投稿) and CPM submissions: publishing, entering, results, ranking, paying.

Two status fields, two tables in the shape every status table has (``Step`` of the collaboration
machine: sources, target, who, money): ``CONTEST_ACTIONS`` for the contest and ``ENTRY_ACTIONS`` for an
entry. ``contest_transition`` and ``entry_transition`` are the only code that changes them: lock the
row, check the side, the state, the deadline; move the money through the payouts services in the same
transaction; write the event and audit rows. The timers (ranking at the end of the counting window,
confirmation three days later) call the same function with ``actor=None``. docs/deals.md has every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brands.access import EDITOR, brand_seat, seat_allows
from brands.models import BrandMembership
from creators.models import Creator
from marketplace.core import Conflict, DomainError, InvalidTransition, NotAllowed, audit, check_amount
from marketplace.core import check_transition as check_flow
from marketplace.core.models import User
from marketplace.core.transitions import status_label
from orders.access import ADMIN, BRAND, CREATOR, SYSTEM, VIEWER
from orders.models import CONTEST_OVER, Contest, ContestEntry, ContestEvent, Order, ResultSnapshot
from orders.services.collaborations import Step, _step
from orders.services.deals import _check_creator_for
from orders.services.orders import OrderBrief, order_create, order_transition
from orders.services.results import check_counts
from payouts import services as money
from payouts.services.idempotency import system_key
from payouts.services.ledger import fee_split

C = Contest.Status
E = ContestEntry.Status

# The brand confirms the ranking within three days of it, or it is confirmed automatically.
CONFIRM_AFTER = timedelta(days=3)
# Figures for the counting day may still be entered this long after the counting window ends, then ranked.
RESULTS_GRACE = timedelta(days=1)
# CPM submissions are paid on the day-14 plays.
CPM_DAY = 14
MAX_PLACES = 500

CONTEST_ACTIONS: dict[str, Step] = {
    "cancel": _step({C.OPEN}, C.CANCELLED, {BRAND}, money="refund", label=gettext_lazy("cancel the contest")),
    "rank": _step({C.OPEN}, C.RANKED, {SYSTEM}, label=gettext_lazy("rank the entries")),
    "confirm": _step({C.RANKED}, C.SETTLED, {BRAND}, money="award", label=gettext_lazy("confirm the winners")),
    "auto_confirm": _step(
        {C.RANKED}, C.SETTLED, {SYSTEM}, money="award", label=gettext_lazy("confirm the winners automatically")
    ),
    "dispute": _step(
        {C.RANKED}, C.DISPUTED, {BRAND, CREATOR}, needs_comment=True, label=gettext_lazy("dispute the results")
    ),
    "resolve": _step(
        {C.DISPUTED}, C.SETTLED, {ADMIN}, money="award", needs_comment=True, label=gettext_lazy("decide the dispute")
    ),
}
ENTRY_ACTIONS: dict[str, Step] = {
    "report_results": _step({E.SUBMITTED}, E.SUBMITTED, {CREATOR, ADMIN}, label=gettext_lazy("report the results")),
    "withdraw": _step({E.SUBMITTED}, E.WITHDRAWN, {CREATOR}, label=gettext_lazy("withdraw the entry")),
    "report_removed": _step(
        {E.SUBMITTED}, E.REMOVED, {BRAND, CREATOR}, needs_comment=True, label=gettext_lazy("report the post down")
    ),
    "award": _step({E.SUBMITTED}, E.AWARDED, {SYSTEM}, label=gettext_lazy("award a prize")),
    "unplace": _step({E.SUBMITTED}, E.UNPLACED, {SYSTEM}, label=gettext_lazy("close the entry unplaced")),
}
# What an entry's step needs of its contest: entries change while it is open (the ranking freezes them).
ENTRY_NEEDS_CONTEST = {
    "report_results": {C.OPEN},
    "withdraw": {C.OPEN},
    "report_removed": {C.OPEN},
    "award": {C.RANKED, C.DISPUTED},
    "unplace": {C.RANKED, C.DISPUTED},
}


def _flow(actions: dict[str, Step]) -> dict[str, set[str]]:
    flow: dict[str, set[str]] = {}
    for step in actions.values():
        for source in step.sources:
            flow.setdefault(source, set()).add(step.target)
    return flow


CONTEST_FLOW = _flow(CONTEST_ACTIONS)
ENTRY_FLOW = _flow(ENTRY_ACTIONS)


def min_cpm() -> int:
    """The lowest CPM a brand may set, in minor units per 1,000 plays (Xingtu's is CNY 5)."""
    return settings.CONTEST_MIN_CPM


# ------------------------------------------------------------------ sides


def contest_side(contest: Contest, user: User | None) -> str | None:
    """``system`` for timers; ``admin`` for staff; ``brand`` (editors) / ``viewer`` of the order's brand;
    ``creator`` for a creator with an entry in it; None otherwise."""
    if user is None:
        return SYSTEM
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return ADMIN
    seat = BrandMembership.objects.filter(user=user, brand_id=contest.order.brand_id).first()
    if seat is not None:
        return BRAND if seat_allows(seat, EDITOR) else VIEWER
    if ContestEntry.objects.filter(contest=contest, creator__user=user).exists():
        return CREATOR
    return None


def entry_side(entry: ContestEntry, user: User | None) -> str | None:
    if user is None:
        return SYSTEM
    if user.is_authenticated and not user.is_staff and entry.creator.user_id == user.pk:
        return CREATOR
    side = contest_side(entry.contest, user)
    return None if side == CREATOR else side  # another entrant is no side of this entry


def allowed_contest_actions(contest: Contest, user: User | None) -> list[str]:
    role = contest_side(contest, user)
    return [name for name, s in CONTEST_ACTIONS.items() if contest.status in s.sources and role in s.actors]


def allowed_entry_actions(entry: ContestEntry, user: User | None, *, role: str | None = None) -> list[str]:
    """The steps ``user`` may take on the entry now; ``role``: their side of it where the caller knows it already
    (a brand's side is the same for every entry of its contest)."""
    role = entry_side(entry, user) if role is None else role
    return [
        name
        for name, s in ENTRY_ACTIONS.items()
        if entry.status in s.sources and role in s.actors and entry.contest.status in ENTRY_NEEDS_CONTEST[name]
    ]


def _refuse(actions: dict[str, Step], flow: dict, action: str, role: str | None, status: str, what: str) -> None:
    step = actions.get(action)
    if step is None:
        raise DomainError(_("Unknown action %(action)s.") % {"action": action}, field="action")
    if role not in step.actors:
        raise NotAllowed(_("You cannot %(action)s on this %(what)s.") % {"action": step.label, "what": what})
    if status not in step.sources:
        raise InvalidTransition(
            _("You cannot %(action)s now: it is %(status)s.")
            % {"action": step.label, "status": status_label(flow, status)},
            field="status",
        )


def _event(contest: Contest, action: str, actor, *, old: str, new: str, entry=None, comment="", data=None) -> None:
    ContestEvent.objects.create(
        contest=contest,
        entry=entry,
        action=action,
        old_status=old,
        new_status=new,
        actor=actor,
        comment=comment,
        data=data or {},
    )
    audit(actor=actor, action=f"contest.{action}", obj=entry or contest, old=old, new=new, **(data or {}))


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
    _event(contest, "publish", actor, old="", new=C.OPEN, data={"pool": pool, "kind": contest.kind})
    return contest


# ------------------------------------------------------------------ entries


@transaction.atomic
def contest_enter(
    *, contest_id: int, actor: User, post_url: str, published_at: datetime, now: datetime | None = None
) -> ContestEntry:
    """A creator enters a published post. Takes none of the creator's capacity (docs/deals.md).

    The contest row is locked (shared) so no entry lands after the ranking: entries close at
    ``submit_until`` and the ranking comes after it, but a late click must not slip past either.
    """
    now = now or timezone.now()
    creator = Creator.objects.filter(user=actor).first()
    if creator is None:
        raise NotAllowed(_("Only creators can enter contests."))
    contest = Contest.objects.select_for_update(no_key=True).select_related("order").filter(pk=contest_id).first()
    if contest is None:
        raise DomainError(_("No such contest."), field="contest")
    if contest.status != C.OPEN or now > contest.submit_until:
        raise Conflict(_("Entries to this contest are closed."), field="contest")
    url = (post_url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise DomainError(_("Give the web address of the published post."), field="post_url")
    if not isinstance(published_at, datetime) or published_at > now:
        raise DomainError(_("The post must already be published."), field="published_at")
    if contest.order.published_at and published_at < contest.order.published_at:
        raise DomainError(_("Only posts published after the contest opened can enter."), field="published_at")
    if ContestEntry.objects.filter(contest=contest, creator=creator).exists():
        raise Conflict(_("You already entered this contest."), field="contest")
    _check_creator_for(contest.order, creator)
    try:
        with transaction.atomic():
            entry = ContestEntry.objects.create(
                contest=contest, creator=creator, post_url=url, published_at=published_at
            )
    except IntegrityError:
        raise Conflict(_("You already entered this contest."), field="contest") from None
    _event(contest, "submit", actor, old="", new=E.SUBMITTED, entry=entry, data={"post_url": url})
    return entry


@transaction.atomic
def entry_transition(
    *,
    entry_id: int,
    action: str,
    actor: User | None,
    comment: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> ContestEntry:
    """Take ``action`` on an entry, or raise without any effect. Locks the contest (shared) then the entry."""
    now = now or timezone.now()
    contest_id = ContestEntry.objects.filter(pk=entry_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise DomainError(_("No such entry."), field="entry")
    contest = Contest.objects.select_for_update(no_key=True).select_related("order").get(pk=contest_id)
    entry = ContestEntry.objects.select_for_update(no_key=True).select_related("creator").get(pk=entry_id)
    entry.contest = contest
    _refuse(ENTRY_ACTIONS, ENTRY_FLOW, action, entry_side(entry, actor), entry.status, _("entry"))
    if contest.status not in ENTRY_NEEDS_CONTEST[action]:
        raise InvalidTransition(
            _("You cannot %(action)s now: the contest is %(status)s.")
            % {"action": ENTRY_ACTIONS[action].label, "status": status_label(CONTEST_FLOW, contest.status)},
            field="status",
        )
    step = ENTRY_ACTIONS[action]
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise DomainError(_("Please say why."), field="comment")
    changes, data = {}, {}
    if action == "report_results":
        changes, data = _results(entry, contest, payload or {}, now)
    elif action in ("award", "unplace"):
        changes = dict(payload or {})
    check_flow(ENTRY_FLOW, current=entry.status, to=step.target)
    old = entry.status
    changes["status"] = step.target
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.save(update_fields=list(changes))
    _event(contest, action, actor, old=old, new=step.target, entry=entry, comment=comment, data=data)
    return entry


def _results(entry: ContestEntry, contest: Contest, values: dict, now: datetime) -> tuple[dict, dict]:
    """The counting day's views and likes, under the results sanity rules (orders.services.results)."""
    due = entry.published_at + timedelta(days=contest.count_day)
    if now < due:
        raise DomainError(
            _("Day %(day)s after publishing is not reached yet.") % {"day": contest.count_day}, field="day"
        )
    stored = {"views": entry.views, "likes": entry.likes or 0} if entry.views is not None else None
    clean = check_counts({"views": values.get("views"), "likes": values.get("likes")}, stored)
    counts = {"views": clean["views"], "likes": clean["likes"]}
    return {**counts, "results_recorded_at": now}, counts


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
    _refuse(CONTEST_ACTIONS, CONTEST_FLOW, action, contest_side(contest, actor), contest.status, _("contest"))
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
    _event(contest, action, actor, old=old, new=step.target, comment=comment, data=data)
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
