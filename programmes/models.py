"""Incentive programmes (星动计划): a budget, a period, who may join, and the rule that pays bonuses.

The money is on the ledger (payouts.services.incentives); these rows say what the programme promised
and what it paid. docs/programmes.md gives the rule, the rounding and the flow.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from payouts.models import CURRENCY_CODE


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", pgettext_lazy("programme status", "Open")  # running (a dispute's "Open" is another word)
        CLOSED = "closed", _("Ended, waiting for payment")
        PAID = "paid", _("Paid")

    class Mode(models.TextChoices):
        PER_ORDER = "per_order", _("A fixed bonus per qualifying order")
        PRO_RATA = "pro_rata", _("The pool shared in proportion to qualifying orders")

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(max_length=3)
    budget = models.BigIntegerField(_("budget (minor units)"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Who may join: empty lists mean every stage / every interest.
    stages = models.JSONField(_("growth stages"), default=list, blank=True)
    interests = models.ManyToManyField(
        "marketplace.Interest", blank=True, related_name="+", verbose_name=_("interests")
    )
    new_creators_only = models.BooleanField(_("new creators only"), default=False)
    # The rule: completed orders in the period with at least this brand rating (and on time, if asked).
    min_brand_rating = models.PositiveSmallIntegerField(_("minimum brand rating"), default=5)
    require_on_time = models.BooleanField(_("delivered on time"), default=True)
    mode = models.CharField(_("how the pool is paid"), max_length=16, choices=Mode.choices, default=Mode.PER_ORDER)
    per_order_amount = models.BigIntegerField(_("bonus per order (minor units)"), null=True, blank=True)
    cap_per_creator = models.BigIntegerField(_("cap per creator (minor units)"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_total = models.BigIntegerField(null=True, blank=True, editable=False)
    returned = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("incentive programme")
        verbose_name_plural = _("incentive programmes")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(condition=Q(cap_per_creator__gt=0), name="programme_cap_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="programme_period_forward"),
            models.CheckConstraint(
                condition=Q(min_brand_rating__gte=1, min_brand_rating__lte=5), name="programme_rating_1_5"
            ),
            models.CheckConstraint(
                condition=Q(mode="pro_rata", per_order_amount__isnull=True)
                | Q(mode="per_order", per_order_amount__gt=0),
                name="programme_rule_amount",
            ),
            models.CheckConstraint(condition=CURRENCY_CODE, name="programme_currency_code"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(budget=F("paid_total") + F("returned"), returned__gte=0),
                name="programme_payment_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"programme {self.pk} {self.name}"


class Enrolment(models.Model):
    """A creator joined a programme; only joined creators' orders count."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["programme", "creator"], name="enrolment_once")]

    def __str__(self) -> str:
        return f"{self.creator_id} in {self.programme_id}"


class Award(models.Model):
    """One creator's result, computed once when the period ends; paid when staff confirm."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="awards")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    qualifying_orders = models.PositiveIntegerField()
    amount = models.BigIntegerField()
    ledger_transaction = models.OneToOneField(
        "payouts.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(fields=["programme", "creator"], name="award_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"award {self.programme_id}/{self.creator_id} {self.amount}"
