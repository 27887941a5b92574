"""Every write of incentive programmes: create, open (hold the budget), join, close (compute the rule once),
pay (bonuses and the return, once). One transition function for the programme's status."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creators.models import STAGE_NAMES
from marketplace.core import DomainError, InvalidTransition, audit, check_amount, check_transition, update_fields
from payouts.services import incentives_hold, incentives_pay, incentives_return
from programmes import rules, selectors
from programmes.models import Award, Enrolment, Programme

P = Programme.Status
PROGRAMME_FLOW = {P.DRAFT: {P.OPEN}, P.OPEN: {P.CLOSED}, P.CLOSED: {P.PAID}}
# A programme runs for at most a year and starts within a year of today (backwards too: a programme may count a
# period that has begun); a date beyond that is a typing slip (year 1, year 9999), not a plan.
MAX_PERIOD = timedelta(days=366)
START_WITHIN = timedelta(days=366)


@transaction.atomic
def programme_create(*, actor, interest_ids=(), **fields) -> Programme:
    """A draft programme (staff). Money moves only when it opens."""
    fields.setdefault("currency", settings.CURRENCY)
    for name in ("budget", "cap_per_creator"):
        check_amount(fields.get(name), field=name)
    if fields.get("mode") == rules.PER_ORDER:
        check_amount(fields.get("per_order_amount"), field="per_order_amount")
    else:
        fields["per_order_amount"] = None
    # A bonus or a cap above the whole budget cannot be paid even once: a typing slip, not a plan.
    for name in ("per_order_amount", "cap_per_creator"):
        if fields.get(name) is not None and fields[name] > fields["budget"]:
            raise DomainError(_("This cannot be more than the programme's budget."), field=name)
    known = {value for value, _label in STAGE_NAMES}
    if not set(fields.get("stages") or []) <= known:
        raise DomainError(_("Choose growth stages from the list."), field="stages")
    if abs(fields["starts_at"] - timezone.now()) > START_WITHIN:
        raise DomainError(_("A programme starts within a year of today."), field="starts_at")
    if fields["ends_at"] <= fields["starts_at"]:
        raise DomainError(_("The period must end after it starts."), field="ends_at")
    if fields["ends_at"] - fields["starts_at"] > MAX_PERIOD:
        raise DomainError(_("A programme runs for a year at most."), field="ends_at")
    programme = Programme(created_by=actor if getattr(actor, "pk", None) else None, **fields)
    programme.full_clean()
    programme.save()
    programme.interests.set(interest_ids)
    audit(actor=actor, action="programme.create", obj=programme, budget=programme.budget)
    return programme


@transaction.atomic
def programme_transition(*, programme_id: int, to: str, actor, now: datetime | None = None) -> Programme:
    """Move a programme's status; the step's money moves in the same transaction.

    open: the budget is held from the incentives fund (InsufficientFunds if it has less).
    closed: only once the period has ended; the rule is computed once into the awards.
    paid: each award is paid and the rest returns; all in this one transaction, so a worker that dies
    mid-way leaves nothing paid and the next confirmation pays everything. Paying a paid programme
    again returns it unchanged (two confirmations pay once).
    """
    now = now or timezone.now()
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    if to == P.PAID and programme.status == P.PAID:
        return programme
    check_transition(PROGRAMME_FLOW, current=programme.status, to=to)
    if to == P.OPEN:
        if now >= programme.ends_at:
            raise InvalidTransition(_("The programme's period is over."), field="ends_at")
        incentives_hold(amount=programme.budget, currency=programme.currency, subject=programme, actor=actor)
        changes = {"opened_at": now}
    elif to == P.CLOSED:
        if now < programme.ends_at:
            raise InvalidTransition(_("The programme's period has not ended yet."), field="ends_at")
        _compute_awards(programme)
        changes = {"closed_at": now}
    else:
        changes = _pay(programme, actor=actor, now=now)
    audit(
        actor=actor,
        action=f"programme.{to}",
        obj=programme,
        old=programme.status,
        **{k: v for k, v in changes.items() if isinstance(v, int)},
    )
    return update_fields(programme, status=to, **changes)


def _compute_awards(programme: Programme) -> None:
    counts = selectors.qualifying_counts(programme)
    amounts = rules.allocate(
        counts,
        pool=programme.budget,
        mode=programme.mode,
        per_order=programme.per_order_amount,
        cap=programme.cap_per_creator,
    )
    Award.objects.bulk_create(
        Award(programme=programme, creator_id=cid, rank=rank, qualifying_orders=counts[cid], amount=amounts[cid])
        for rank, cid in enumerate(rules.ranking(counts), start=1)
    )


def _pay(programme: Programme, *, actor, now: datetime) -> dict:
    paid = 0
    for award in Award.objects.filter(programme=programme, amount__gt=0, ledger_transaction__isnull=True):
        tx = incentives_pay(
            creator_id=award.creator_id, amount=award.amount, currency=programme.currency, subject=award, actor=actor
        )
        update_fields(award, ledger_transaction=tx)
        paid += award.amount
    returned = programme.budget - paid
    if returned:
        incentives_return(amount=returned, currency=programme.currency, subject=programme, actor=actor)
    return {"paid_at": now, "paid_total": paid, "returned": returned}


@transaction.atomic
def programme_join(*, programme_id: int, creator, actor, now: datetime | None = None) -> Enrolment:
    """The creator joins an open programme they are eligible for (joining twice is one enrolment)."""
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    existing = Enrolment.objects.filter(programme=programme, creator=creator).first()
    if existing:
        return existing
    reasons = selectors.why_not_eligible(programme, creator, now=now)
    if reasons:
        raise DomainError(" ".join(reasons))
    enrolment = Enrolment.objects.create(programme=programme, creator=creator)
    audit(actor=actor, action="programme.join", obj=enrolment, programme=programme.pk)
    return enrolment


def close_due(*, now: datetime | None = None) -> list[int]:
    """The timer: close every open programme whose period has ended; each is closed exactly once."""
    now = now or timezone.now()
    closed = []
    for pk in selectors.programme_ids_due(now):
        try:
            programme_transition(programme_id=pk, to=P.CLOSED, actor=None, now=now)
        except InvalidTransition:
            continue  # another run closed it first
        closed.append(pk)
    return closed
