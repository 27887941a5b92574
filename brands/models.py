from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core.models import ProductCategory, VerificationRequest, VerificationStatus

# A tax id as registries print it: letters and digits, with the dots, dashes, slashes and spaces some
# countries put in (统一社会信用代码 91310000MA1FL8XQ30, DE123456789, 12-3456789); 5 to 32 characters.
TAX_ID_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9./ -]{3,30}[A-Z0-9]$",
    _("Enter the tax id as your registry prints it: capital letters and digits, 5 to 32 characters."),
)


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=160)
    # Printed on the brand's invoices and receipts (docs/invoices.md): optional until the first document is
    # issued, required from then on (brands.services.brand_update).
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True, validators=[TAX_ID_VALIDATOR])
    slug = models.SlugField(max_length=80, unique=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("about"), blank=True)
    industry = models.ForeignKey(
        ProductCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("industry")
    )
    country = models.CharField(_("country"), max_length=8, blank=True)
    verification = models.CharField(
        _("verification"), max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # The built-in practice brand (orders.services.practice): a system account no one logs into (no seat),
    # which plays the brand's side of every creator's practice deal. Its deals move no money and are left out
    # of every aggregate (orders.models.CollaborationQuerySet.real).
    is_practice = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class BrandMembership(models.Model):
    """A user's seat in a brand. A user belongs to at most one brand."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        VIEWER = "viewer", _("Viewer")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_membership")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "role", "user__email"]
        verbose_name = _("brand member")
        verbose_name_plural = _("brand members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.brand} ({self.role})"

    @property
    def can_edit_orders(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.MANAGER)

    @property
    def can_manage_members(self) -> bool:
        return self.role == self.Role.OWNER


class BrandBlock(models.Model):
    """A creator this brand never wants to see in its rankings or work with."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="blocks")
    creator = models.ForeignKey("creators.Creator", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "creator"], name="brand_block_unique")]

    def __str__(self) -> str:
        return f"{self.brand_id} blocks {self.creator_id}"


class BrandVerification(VerificationRequest):
    """A brand's request to be verified: its business licence number (统一社会信用代码 in China), a link
    where staff can check the company, a note."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="verification_requests")
    licence_number = models.CharField(
        _("business licence number"),
        max_length=32,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z][0-9A-Za-z-]{4,31}$",
                _("Letters, digits and dashes as on the licence, 5 to 32 characters."),
            )
        ],
    )
    subject_field = "brand"
    page_url_name = "brands:verification"

    class Meta(VerificationRequest.Meta):
        verbose_name = _("brand verification request")
        verbose_name_plural = _("brand verification requests")
        constraints = [
            models.UniqueConstraint(
                fields=["brand"], condition=models.Q(status="pending"), name="brand_verification_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} verification ({self.status})"

    def recipients(self) -> list:
        """The brand's owners and managers (viewers cannot act on it)."""
        seats = self.brand.memberships.filter(role__in=[BrandMembership.Role.OWNER, BrandMembership.Role.MANAGER])
        return [m.user for m in seats.select_related("user") if m.user.is_active]
