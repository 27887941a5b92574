"""Submission contests (投稿) and CPM submissions: an order's terms, its entries and their event log.

A contest entry is its own row, not a Collaboration: an entry is not hired, takes none of the creator's
places and none of the order's, has no script or video to review and is paid by rank (or by plays),
so it would sit in none of the collaboration's state groups (docs/deals.md, "Submission contests").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core.logs import request_id_field
from orders.models.orders import Order


class ContestStatus(models.TextChoices):
    """Where a contest stands: its own states, not a collaboration's (some share a name, none a meaning)."""

    OPEN = "open", _("Open")
    RANKED = "ranked", _("Ranked, awaiting confirmation")
    DISPUTED = "disputed", _("Disputed")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", _("Cancelled")


# A contest that is over: its whole pool is spent, awarded plus refunded (the check below).
CONTEST_OVER = (ContestStatus.SETTLED, ContestStatus.CANCELLED)


class Contest(models.Model):
    """The terms of a contest order and where it stands. The whole pool is held when it is published."""

    class Kind(models.TextChoices):
        PRIZES = "prizes", _("Prize tiers")
        CPM = "cpm", _("Paid per 1,000 plays")

    class Ranking(models.TextChoices):
        VIEWS = "views", _("Most views")
        LIKES = "likes", _("Most likes")
        BRAND_PICK = "brand_pick", _("The brand's choice among the top entries by views")

    Status = ContestStatus

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="contest")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PRIZES)
    ranking = models.CharField(_("ranking rule"), max_length=12, choices=Ranking.choices, default=Ranking.VIEWS)
    pick_from_top = models.PositiveSmallIntegerField(_("the brand picks among the top"), default=10)
    # [{"places": 1, "prize": 500000}, ...], best tier first; each place of a tier wins that tier's prize.
    tiers = models.JSONField(_("prize tiers"), default=list, blank=True)
    count_day = models.PositiveSmallIntegerField(_("results counted on day"), default=7)
    cpm = models.BigIntegerField(_("price per 1,000 plays (minor units)"), null=True, blank=True)
    creator_cap = models.BigIntegerField(_("most one creator is paid (minor units)"), null=True, blank=True)
    pool = models.BigIntegerField(_("prize pool (minor units)"))
    currency = models.CharField(max_length=3)
    submit_until = models.DateTimeField(_("entries close"))
    counting_ends_at = models.DateTimeField(_("counting window ends"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, editable=False)
    hold = models.ForeignKey(
        "payouts.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    ranked_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirm_by = models.DateTimeField(null=True, blank=True, editable=False)
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)
    awarded = models.BigIntegerField(default=0, editable=False)  # gross paid to creators, fees included
    refunded = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        indexes = [models.Index(fields=["status", "counting_ends_at"], name="contest_status_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(pool__gt=0), name="contest_pool_positive"),
            models.CheckConstraint(
                # Over: the whole pool went out, awarded or refunded; before that, none of it did.
                condition=models.Q(status__in=CONTEST_OVER, pool=models.F("awarded") + models.F("refunded"))
                | (~models.Q(status__in=CONTEST_OVER) & models.Q(awarded=0, refunded=0)),
                name="contest_pool_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"contest {self.pk} on order {self.order_id} ({self.status})"

    @property
    def places(self) -> list[int]:
        """Every prize place's prize, best first (1 × first, 3 × second … gives 4 amounts)."""
        return [int(t["prize"]) for t in self.tiers for _n in range(int(t["places"]))]


class ContestEntry(models.Model):
    """One creator's published post in a contest, with its counting-day figures and its prize."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REMOVED = "removed", _("Post taken down")
        AWARDED = "awarded", _("Awarded")
        UNPLACED = "unplaced", _("Not placed")

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="entries")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="contest_entries")
    post_url = models.URLField(_("published post"), max_length=500)
    published_at = models.DateTimeField(_("published at"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False)
    # The counting day's figures (null: none reported yet); frozen once the contest is ranked.
    views = models.BigIntegerField(_("views"), null=True, blank=True)
    likes = models.BigIntegerField(_("likes"), null=True, blank=True)
    results_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    rank = models.PositiveIntegerField(null=True, blank=True, editable=False)
    tier = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)  # 1 = first tier
    prize = models.BigIntegerField(default=0, editable=False)  # gross, fee included
    fee = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["contest", "rank", "submitted_at", "id"]
        verbose_name = _("contest entry")
        verbose_name_plural = _("contest entries")
        constraints = [
            models.UniqueConstraint(fields=["contest", "creator"], name="contest_one_entry_per_creator"),
            models.CheckConstraint(
                condition=models.Q(views__isnull=True)
                | models.Q(views__gte=0, likes__gte=0, likes__lte=models.F("views")),
                name="contest_entry_counts_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(prize__gte=0, fee__gte=0, fee__lte=models.F("prize")), name="contest_prize_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} in contest {self.contest_id} ({self.status})"

    @property
    def creator_share(self) -> int:
        return self.prize - self.fee


class ContestEvent(models.Model):
    """Append-only: one row per step on a contest or one of its entries."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="events")
    entry = models.ForeignKey(ContestEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    old_status = models.CharField(max_length=12)
    new_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = request_id_field()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"contest {self.contest_id} {self.action}: {self.old_status} → {self.new_status}"
