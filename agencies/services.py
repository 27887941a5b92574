"""Every write of the agencies app: creating an agency, inviting a creator, and the one transition function
of a representation (accept, decline, end — by the creator or the agency, each recorded with its actor), and an
owner's request to pay out the agency's share."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.access import OWNER, agency_seat
from agencies.models import MAX_SHARE_BPS, Agency, AgencyMembership, Representation
from creators.models import Creator
from marketplace.core import Conflict, DomainError, NotAllowed, NotFound, audit, check_transition, update_fields
from marketplace.core.models import User
from marketplace.core.notifications import notify
from marketplace.core.roles import has_a_part
from marketplace.core.templatetags.numbers import bps_percent
from payouts import services as payout_services
from payouts.models import Payout

R = Representation.Status

REPRESENTATION_FLOW: dict[str, set[str]] = {
    R.INVITED: {R.ACTIVE, R.DECLINED, R.ENDED},
    R.ACTIVE: {R.ENDED},
}
# Who may move a representation to each status: the creator answers an invitation; either side ends it
# (the agency withdrawing an invitation is ending it too).
WHO_MAY = {R.ACTIVE: {"creator"}, R.DECLINED: {"creator"}, R.ENDED: {"creator", "agency"}}


@transaction.atomic
def agency_create(*, name: str, owner: User) -> Agency:
    """A new agency with ``owner`` as its owner; Conflict if the user already plays a part on Starmap
    (marketplace.core.roles.has_a_part: one account per role). The name's runs of spaces count as one and
    its case not at all: ValidationError on "name" if another agency has it."""
    if has_a_part(owner):
        raise Conflict(_("This account already belongs to a brand, a creator or an agency."), field="name")
    agency = Agency(name=" ".join((name or "").split()))
    try:
        agency.full_clean()
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from None
    agency.save()
    try:
        with transaction.atomic():
            AgencyMembership.objects.create(agency=agency, user=owner, role=AgencyMembership.Role.OWNER)
    except IntegrityError:
        raise Conflict(_("You already belong to an agency."), field="name") from None
    audit(actor=owner, action="agency.create", obj=agency)
    return agency


def check_share(share_bps) -> int:
    if isinstance(share_bps, bool) or not isinstance(share_bps, int) or not 0 <= share_bps <= MAX_SHARE_BPS:
        raise DomainError(
            _("The agency's share must be a whole number of basis points from 0 to %(max)d.") % {"max": MAX_SHARE_BPS},
            field="share_bps",
        )
    return share_bps


@transaction.atomic
def representation_invite(
    *,
    actor: User,
    creator_id: int,
    share_bps: int,
    may_answer_offers: bool = True,
    may_submit_deliverables: bool = False,
    may_see_earnings: bool = False,
    note: str = "",
) -> Representation:
    """The actor's agency (an owner's seat) invites a creator under the stated contract.

    Raises NotAllowed (no owner seat), NotFound (no such creator), Conflict (already invited or
    represented by this agency, or the creator already has an agency).
    """
    seat = agency_seat(actor, need=OWNER)
    check_share(share_bps)
    creator = Creator.objects.select_for_update().filter(pk=creator_id, is_active=True).first()
    if creator is None:
        raise NotFound(_("No such creator."), field="creator_id")
    if creator.user_id is None:  # an imported profile: nobody could accept the invitation
        raise Conflict(_("This creator has no account on Starmap to accept an invitation."), field="creator_id")
    if Representation.objects.filter(creator=creator, status=R.ACTIVE).exclude(agency=seat.agency).exists():
        raise Conflict(_("This creator is already represented by an agency."), field="creator_id")
    if Representation.objects.filter(creator=creator, agency=seat.agency, status__in=Representation.LIVE).exists():
        raise Conflict(_("This creator is already invited to or represented by your agency."), field="creator_id")
    rep = Representation(
        agency=seat.agency,
        creator=creator,
        share_bps=share_bps,
        may_answer_offers=bool(may_answer_offers),
        may_submit_deliverables=bool(may_submit_deliverables),
        may_see_earnings=bool(may_see_earnings),
        note=(note or "").strip(),
        invited_by=actor,
    )
    rep.full_clean(validate_constraints=False)
    rep.save()
    audit(actor=actor, action="representation.invite", obj=rep, share_bps=share_bps, creator_id=creator.pk)
    agency = seat.agency.name
    notify(
        [creator.user],
        kind="representation.invite",
        text=lambda: (
            _("%(agency)s invites you to be represented for %(share)s of your earnings.")
            % {"agency": agency, "share": bps_percent(share_bps)}
        ),
        url=reverse("agencies:creator_agency"),
    )
    return rep


def representation_side(rep: Representation, user: User | None) -> str | None:
    """``"creator"`` (the represented creator), ``"agency"`` (a member of the agency) or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    if rep.creator.user_id == user.pk:
        return "creator"
    if AgencyMembership.objects.filter(user=user, agency_id=rep.agency_id).exists():
        return "agency"
    return None


@transaction.atomic
def representation_transition(*, representation_id: int, to: str, actor: User) -> Representation:
    """Accept, decline or end a representation. Locks the row and, on acceptance, the creator's (a creator
    has one agency at a time). Raises NotFound for a stranger, NotAllowed for the wrong side or an agency
    manager ending a contract (owners only), InvalidTransition from a status that does not allow ``to``."""
    rep = (
        Representation.objects.select_for_update(of=("self",))
        .select_related("creator")
        .filter(pk=representation_id)
        .first()
    )
    side = representation_side(rep, actor) if rep is not None else None
    if side is None:
        raise NotFound(_("No such representation."), field="representation_id")
    if to not in WHO_MAY:
        raise DomainError(_("Unknown status."), field="status")
    if side not in WHO_MAY[to]:
        raise NotAllowed(_("You cannot make this contract %(status)s.") % {"status": R(to).label.lower()})
    if side == "agency":
        agency_seat(actor, need=OWNER)
    check_transition(REPRESENTATION_FLOW, current=rep.status, to=to)
    now = timezone.now()
    old = rep.status
    if to == R.ACTIVE:
        Creator.objects.select_for_update(no_key=True).filter(pk=rep.creator_id).first()  # FKs to it stay checkable
        if Representation.objects.filter(creator_id=rep.creator_id, status=R.ACTIVE).exists():
            raise Conflict(_("You already have an agency: end that contract first."), field="status")
        update_fields(rep, status=to, accepted_at=now)
    else:
        update_fields(rep, status=to, ended_at=now, ended_by=actor)
    audit(actor=actor, action=f"representation.{to}", obj=rep, old=old, new=to, side=side)
    _tell_the_other_side(rep, side=side, to=to, was=old)
    return rep


def _tell_the_other_side(rep: Representation, *, side: str, to: str, was: str) -> None:
    """The creator's answer or ending goes to the agency's owners; the agency's ending (or withdrawn
    invitation) to the creator."""
    if side == "creator":
        said = {
            R.ACTIVE: gettext_lazy("%(who)s accepted your agency's invitation."),
            R.DECLINED: gettext_lazy("%(who)s declined your agency's invitation."),
            R.ENDED: gettext_lazy("%(who)s ended the contract with your agency."),
        }[to]
        who = f"@{rep.creator.handle}"
        users = list(
            User.objects.filter(
                agency_membership__agency_id=rep.agency_id, agency_membership__role=AgencyMembership.Role.OWNER
            )
        )
        url = reverse("agencies:roster")
    else:
        if rep.creator.user_id is None:
            return
        said = (
            gettext_lazy("%(who)s withdrew its invitation.")
            if was == R.INVITED
            else gettext_lazy("%(who)s ended its contract with you.")
        )
        who, users, url = rep.agency.name, [rep.creator.user], reverse("agencies:creator_agency")
    notify(users, kind=f"representation.{to}", text=lambda: str(said) % {"who": who}, url=url)


def agency_payout_request(*, actor: User, amount: int, idempotency_key: str) -> Payout:
    """An owner of the actor's agency takes ``amount`` of its available share out (payouts' own rules: the minimum,
    the balance, idempotency under ``agency:<id>``). Managers read the agency's money but do not move it."""
    seat = agency_seat(actor, need=OWNER)
    return payout_services.agency_payout_request(
        agency_id=seat.agency_id,
        amount=amount,
        currency=settings.CURRENCY,
        idempotency_key=idempotency_key,
        actor=actor,
    )
