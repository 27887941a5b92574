"""Agencies (MCNs): an organisation with members that represents creators under a contract.

A creator joins an agency by accepting its invitation (a ``Representation`` in ``invited``); either side
ends it. The contract on the row says what the agency may do for the creator (answer offers, submit
deliverables, see earnings) and its share of each payment, in basis points of the creator's share after
the platform fee. A creator has at most one active (or pending, from the same agency) representation.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# The most an agency may take of a creator's share: the creator always keeps at least half.
MAX_SHARE_BPS = 5_000


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        # Names differ in more than case: "lumen talent" would pass for "Lumen Talent" in a creator's invitations.
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="agency_name_unique_any_case",
                violation_error_message=_("An agency with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgencyMembership(models.Model):
    """A user's seat in an agency. A user belongs to at most one agency."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_membership")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "role", "user__email"]
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency} ({self.role})"

    @property
    def can_manage(self) -> bool:
        """Owners invite creators, end contracts and manage members; managers act on collaborations."""
        return self.role == self.Role.OWNER


class Representation(models.Model):
    """An agency's contract with one creator: invited → active (accepted) | declined | ended; active → ended."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")

    LIVE = (Status.INVITED, Status.ACTIVE)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="representations")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="representations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED, editable=False)
    share_bps = models.PositiveIntegerField(_("agency share (basis points)"))
    may_answer_offers = models.BooleanField(_("may answer offers"), default=True)
    may_submit_deliverables = models.BooleanField(_("may submit deliverables"), default=False)
    may_see_earnings = models.BooleanField(_("may see earnings"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        constraints = [
            models.CheckConstraint(condition=Q(share_bps__lte=MAX_SHARE_BPS), name="representation_share_max"),
            models.UniqueConstraint(fields=["creator"], condition=Q(status="active"), name="representation_one_active"),
            models.UniqueConstraint(
                fields=["agency", "creator"],
                condition=Q(status__in=["invited", "active"]),
                name="representation_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.creator} ({self.status})"

    def may(self, power: str) -> bool:
        """Whether the contract grants ``power`` (one of POWERS) and is in force."""
        return self.status == self.Status.ACTIVE and bool(getattr(self, f"may_{power}"))


POWERS = ("answer_offers", "submit_deliverables", "see_earnings")
