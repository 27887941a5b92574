"""Numbered documents: a receipt for each top-up, a settlement note for each side of a settled deal (and for the
creator's agency, of its share), a payout advice for each payout sent (a creator's or an agency's).

A document is written once, in the same transaction as the ledger movement it records, and never
changed: it keeps the parties' names, the brand's legal name and tax id and every line as they were
when it was issued. Its number comes from its series' counter under a row lock in that transaction,
so numbers are gap-free per series (docs/invoices.md); UNIQUE (series, number) backs the lock, and
UNIQUE (kind, source) makes one document per ledger event however often the step is retried.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DocumentSeries(models.Model):
    """One numbering series ("TU-2026"): the last number it gave out."""

    code = models.CharField(max_length=16, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("document series")
        verbose_name_plural = _("document series")
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}-[0-9]{4}$"), name="series_code")]

    def __str__(self) -> str:
        return f"{self.code} ({self.last_number})"


class Document(models.Model):
    class Kind(models.TextChoices):
        TOPUP_RECEIPT = "topup_receipt", _("Top-up receipt")
        BRAND_SETTLEMENT = "brand_settlement", _("Settlement (brand)")
        CREATOR_SETTLEMENT = "creator_settlement", _("Settlement (creator)")
        PAYOUT_ADVICE = "payout_advice", _("Payout advice")
        AGENCY_SETTLEMENT = "agency_settlement", _("Settlement (agency share)")
        AGENCY_PAYOUT_ADVICE = "agency_payout_advice", _("Payout advice (agency)")

    # The two letters of each kind's series; the year of issue completes the code.
    PREFIX = {
        Kind.TOPUP_RECEIPT: "TU",
        Kind.BRAND_SETTLEMENT: "SB",
        Kind.CREATOR_SETTLEMENT: "SC",
        Kind.PAYOUT_ADVICE: "PO",
        Kind.AGENCY_SETTLEMENT: "SA",
        Kind.AGENCY_PAYOUT_ADVICE: "PA",
    }
    BRAND_KINDS = (Kind.TOPUP_RECEIPT, Kind.BRAND_SETTLEMENT)
    CREATOR_KINDS = (Kind.CREATOR_SETTLEMENT, Kind.PAYOUT_ADVICE)
    AGENCY_KINDS = (Kind.AGENCY_SETTLEMENT, Kind.AGENCY_PAYOUT_ADVICE)

    kind = models.CharField(max_length=24, choices=Kind.choices)
    series = models.ForeignKey(DocumentSeries, on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveIntegerField()
    # The ledger event it records ("topup:12", "hold:7", "payout:3"): one document per event and kind.
    source = models.CharField(max_length=40)
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    currency = models.CharField(max_length=3)
    total = models.BigIntegerField(_("total (minor units)"))
    # Who the document is made out to, as it was at issue: name, legal name, tax id.
    party_name = models.CharField(max_length=200)
    party_legal_name = models.CharField(max_length=200, blank=True)
    party_tax_id = models.CharField(max_length=32, blank=True)
    # [{"label": str, "amount": int}, ...] in minor units, and the facts above them ({"order": ..., ...}).
    lines = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    issued_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["brand", "-issued_at"], name="document_brand_issued"),
            models.Index(fields=["creator", "-issued_at"], name="document_creator_issued"),
            models.Index(fields=["agency", "-issued_at"], name="document_agency_issued"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="document_series_number_unique"),
            models.UniqueConstraint(fields=["kind", "source"], name="document_one_per_event"),
            models.CheckConstraint(condition=Q(number__gte=1), name="document_number_positive"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["topup_receipt", "brand_settlement"],
                        brand__isnull=False,
                        creator__isnull=True,
                        agency__isnull=True,
                    )
                    | Q(
                        kind__in=["creator_settlement", "payout_advice"],
                        creator__isnull=False,
                        brand__isnull=True,
                        agency__isnull=True,
                    )
                    | Q(
                        kind__in=["agency_settlement", "agency_payout_advice"],
                        agency__isnull=False,
                        brand__isnull=True,
                        creator__isnull=True,
                    )
                ),
                name="document_party_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The printed number: series code and a six-digit number, e.g. ``TU-2026-000042``."""
        return f"{self.series.code}-{self.number:06d}"
