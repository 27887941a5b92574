"""The catalogue every other table points at: the IAB content tree and product categories."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _in_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def name_in_language(name: str, name_zh_hans: str) -> str:
    """A catalogue name in the active language: the Chinese one when there is one and zh is active."""
    return (_in_chinese() and name_zh_hans) or name


class TranslatedName:
    """``display_name`` / ``display_path``: the node's name in the active language.

    The Chinese names come from data/iab/names_zh_hans.tsv (loaded by ``load_taxonomy``); a node
    without one shows its English name.
    """

    @property
    def display_name(self) -> str:
        return name_in_language(self.name, self.name_zh_hans)

    @property
    def display_path(self) -> str:
        if not hasattr(self, "path"):
            return self.display_name
        return name_in_language(self.path, self.path_zh_hans)


class Interest(TranslatedName, models.Model):
    """A tier-1 node of IAB Content Taxonomy 3.1 (e.g. "Food & Drink")."""

    iab_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120, unique=True)
    name_zh_hans = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")

    def __str__(self) -> str:
        return self.display_name


class Label(TranslatedName, models.Model):
    """Any node of IAB Content Taxonomy 3.1; tier-1 nodes are their interest's general label.

    ``path`` is the node's names from tier 1 down, joined with " > ", for search and display.
    """

    iab_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=160)
    path = models.CharField(max_length=400)
    name_zh_hans = models.CharField(max_length=160, blank=True, default="")
    path_zh_hans = models.CharField(max_length=400, blank=True, default="")
    tier = models.PositiveSmallIntegerField()
    interest = models.ForeignKey(Interest, on_delete=models.PROTECT, related_name="labels")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["path"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [models.CheckConstraint(condition=models.Q(tier__gte=1, tier__lte=4), name="label_tier_1_to_4")]

    def __str__(self) -> str:
        return self.display_path


class ProductCategory(TranslatedName, models.Model):
    """A node of IAB Ad Product Taxonomy 2.0: what a brand sells."""

    iab_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=160)
    path = models.CharField(max_length=400)
    name_zh_hans = models.CharField(max_length=160, blank=True, default="")
    path_zh_hans = models.CharField(max_length=400, blank=True, default="")
    tier = models.PositiveSmallIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["path"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.display_path


class ProductInterestPrior(models.Model):
    """How strongly content in an interest suits a product category, in (0, 1].

    Derived from IAB's Ad Product 2.0 → Content 1.0 mapping through our Content 1.0 → 3.1
    crosswalk (data/iab/README.md); search by product starts from it.
    """

    product_category = models.ForeignKey(ProductCategory, on_delete=models.CASCADE, related_name="interest_priors")
    interest = models.ForeignKey(Interest, on_delete=models.CASCADE, related_name="product_priors")
    weight = models.FloatField()

    class Meta:
        verbose_name = _("product → interest prior")
        verbose_name_plural = _("product → interest priors")
        constraints = [
            models.UniqueConstraint(fields=["product_category", "interest"], name="prior_unique_pair"),
            models.CheckConstraint(condition=models.Q(weight__gt=0, weight__lte=1), name="prior_weight_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.product_category.display_name} → {self.interest.display_name} ({self.weight:.2f})"


class ContentFormat(models.TextChoices):
    """What a creator delivers; rate cards and orders are priced per format."""

    SHORT_1_20 = "short_1_20", _("Short video, 1–20 s")
    SHORT_21_60 = "short_21_60", _("Short video, 21–60 s")
    VIDEO_60_PLUS = "video_60_plus", _("Video, over 60 s")
    IMAGE_POST = "image_post", _("Image post")
    LIVE_SESSION = "live_session", _("Live session")


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Verification pending")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Verification rejected")
