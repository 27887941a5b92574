import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from creators.handles import validate_handle_not_reserved
from marketplace.core.forms import validate_web_link
from marketplace.core.models import ContentFormat, Label, VerificationRequest, VerificationStatus

# The largest follower count a filter or a search accepts (the field is a bigint; no account is near this).
MAX_FOLLOWERS = 10**12


class Platform(models.TextChoices):
    # Each platform by the name its users know it by: 抖音, 快手, 小红书, 哔哩哔哩 in Chinese.
    DOUYIN = "douyin", _("Douyin")
    TIKTOK = "tiktok", _("TikTok")
    KUAISHOU = "kuaishou", _("Kuaishou")
    XIAOHONGSHU = "xiaohongshu", _("Xiaohongshu")
    BILIBILI = "bilibili", _("Bilibili")
    INSTAGRAM = "instagram", _("Instagram")
    YOUTUBE = "youtube", _("YouTube")
    TWITCH = "twitch", _("Twitch")


def avatar_path(instance: "Creator", filename: str) -> str:
    """Server-generated name, new for each picture (so a browser's cached copy of the old one is never shown):
    the uploader's file name is never used on disk."""
    return f"avatars/{instance.pk}/{uuid.uuid4().hex}.webp"


class Creator(models.Model):
    """A creator's profile: what they make, who watches, how they perform and what they charge.

    ``user`` is empty for profiles imported in bulk that nobody has claimed yet. Audience
    distributions are dicts of shares that each sum to 1 (marketplace.core.audience validates them).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="creator"
    )
    handle = models.SlugField(_("handle"), max_length=64, unique=True, validators=[validate_handle_not_reserved])
    display_name = models.CharField(_("display name"), max_length=120)
    bio = models.TextField(_("bio"), blank=True)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices, default=Platform.DOUYIN)
    # The account name on ``platform`` (creators.handles has each platform's rules), stored in lower
    # case: platforms compare names without case. ``handle`` above is Starmap's own URL slug.
    platform_handle = models.CharField(_("handle on the platform"), max_length=64, blank=True, default="")
    country = models.CharField(_("country"), max_length=8, blank=True)
    content_sample = models.TextField(
        _("recent content"), blank=True, help_text=_("Recent video titles and hashtags, one per line.")
    )
    # The uploaded profile picture as stored: a square WebP thumbnail (creators/avatars.py), served by
    # creators:avatar to whoever may see the creator; empty shows the generated initials.
    avatar = models.ImageField(
        _("profile picture"), upload_to=avatar_path, blank=True, default="", db_default="", editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    verification = models.CharField(
        _("verification"), max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    max_concurrent = models.PositiveSmallIntegerField(_("maximum concurrent collaborations"), default=3)
    external_load = models.PositiveSmallIntegerField(
        _("collaborations running elsewhere"),
        default=0,
        help_text=_("Work in progress outside Starmap; it takes slots of the maximum like collaborations here."),
    )
    # Audience
    audience_age = models.JSONField(_("audience by age"), default=dict, blank=True)
    audience_gender = models.JSONField(_("audience by gender"), default=dict, blank=True)
    audience_region = models.JSONField(_("audience by region"), default=dict, blank=True)
    # Metrics (refreshed from the platform or entered; rates are fractions in [0, 1]). Empty means
    # unknown, never zero: image-only creators have no views, and the matcher treats unknown as unknown.
    followers = models.BigIntegerField(_("followers"), default=0)
    median_views_30d = models.BigIntegerField(_("median views per video, 30 days"), null=True, blank=True)
    median_views_90d = models.BigIntegerField(_("median views per video, 90 days"), null=True, blank=True)
    engagement_rate = models.FloatField(_("engagement rate"), null=True, blank=True)
    completion_rate = models.FloatField(_("completion rate"), null=True, blank=True)
    hit_video_share = models.FloatField(_("hit-video share"), null=True, blank=True)
    follower_growth_30d = models.FloatField(_("follower growth, 30 days"), null=True, blank=True)
    # The track record as shown: imported aggregates combined with the deals on record, with the
    # number of orders behind each rate (orders.services.track_record keeps them up to date).
    fulfilment_rate = models.FloatField(_("fulfilment rate"), null=True, blank=True)
    fulfilment_orders = models.PositiveIntegerField(_("orders behind the fulfilment rate"), default=0)
    avg_rating = models.FloatField(_("average brand rating"), null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("ratings behind the average rating"), default=0)
    completed_orders = models.PositiveIntegerField(_("completed orders"), default=0)
    # History from before this platform, as imported (docs/import-creators.md); the count is empty
    # when the file gave none.
    imported_fulfilment_rate = models.FloatField(null=True, blank=True)
    imported_fulfilment_orders = models.PositiveIntegerField(null=True, blank=True)
    imported_avg_rating = models.FloatField(null=True, blank=True)
    imported_rating_count = models.PositiveIntegerField(null=True, blank=True)
    labels = models.ManyToManyField(Label, through="CreatorLabel", related_name="creators")
    # Value indices (0–100, percentile within the creator's main interest) and the authenticity
    # signal, recomputed nightly by insights.indices; formulas in docs/indices.md.
    index_reach = models.FloatField(_("reach index"), null=True, blank=True)
    index_seeding = models.FloatField(_("seeding index"), null=True, blank=True)
    index_value = models.FloatField(_("value-for-money index"), null=True, blank=True)
    index_growth = models.FloatField(_("growth index"), null=True, blank=True)
    index_conversion = models.FloatField(_("conversion index"), null=True, blank=True)
    indices_at = models.DateTimeField(null=True, blank=True)
    authenticity_score = models.FloatField(_("anomaly score"), null=True, blank=True)
    authenticity_flags = models.JSONField(default=list, blank=True)
    growth_stage = models.CharField(_("growth stage"), max_length=16, default="departure")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-followers", "id"]
        verbose_name = _("creator")
        verbose_name_plural = _("creators")
        # Every ranking asks which creators are full from work elsewhere; few have any.
        indexes = [
            models.Index(fields=["id"], condition=models.Q(external_load__gt=0), name="creator_with_external_load")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(followers__gte=0), name="creator_followers_nonneg"),
            models.CheckConstraint(
                condition=models.Q(engagement_rate__gte=0, engagement_rate__lte=1), name="creator_engagement_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(completion_rate__gte=0, completion_rate__lte=1), name="creator_completion_0_1"
            ),
            models.CheckConstraint(condition=models.Q(max_concurrent__gte=1), name="creator_capacity_positive"),
            models.UniqueConstraint(
                fields=["platform", "platform_handle"],
                condition=~models.Q(platform_handle=""),
                name="creator_platform_handle_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(platform_handle=Lower("platform_handle")), name="creator_platform_handle_lower"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (@{self.handle})"

    def is_full(self, busy: int) -> bool:
        """Whether ``busy`` collaborations on Starmap plus the work running elsewhere fill every slot."""
        return busy + self.external_load >= self.max_concurrent


class CreatorLabel(models.Model):
    """A content label a creator is known for, weighted in (0, 1]."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="label_links")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="+")
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "label"], name="creator_label_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0, weight__lte=1), name="creator_label_weight_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} → {self.label_id} ({self.weight:.2f})"


class RatePrice(models.Model):
    """One rate-card price for one format, in force from the first day of ``effective_from``'s month.

    Rows are never edited: a price change adds a row effective from the next month (Xingtu's
    rule), so quotes in flight keep the price they were made at. A row without an amount means the
    creator stops offering the format from that month.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="rate_prices")
    format = models.CharField(_("format"), max_length=16, choices=ContentFormat.choices)
    amount = models.BigIntegerField(_("price (minor units)"), null=True, blank=True)
    currency = models.CharField(max_length=3)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["creator", "format", "-effective_from"]
        verbose_name = _("rate-card price")
        verbose_name_plural = _("rate-card prices")
        constraints = [
            models.UniqueConstraint(fields=["creator", "format", "effective_from"], name="rate_one_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="rate_amount_positive"),
            models.CheckConstraint(condition=models.Q(effective_from__day=1), name="rate_starts_on_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} {self.format} {self.amount} {self.currency} from {self.effective_from}"


class BlackoutPeriod(models.Model):
    """Dates a creator cannot take work (inclusive)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="blackouts")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="blackout_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} {self.starts_on}–{self.ends_on}"


class MetricSnapshot(models.Model):
    """A creator's platform figures on one day; the nightly job keeps one a week, and follower jumps
    between consecutive snapshots feed the authenticity signal."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="metric_snapshots")
    taken_on = models.DateField()
    followers = models.BigIntegerField()
    median_views_30d = models.BigIntegerField(null=True)
    engagement_rate = models.FloatField(null=True)

    class Meta:
        ordering = ["creator", "-taken_on"]
        constraints = [models.UniqueConstraint(fields=["creator", "taken_on"], name="metric_snapshot_one_per_day")]

    def __str__(self) -> str:
        return f"{self.creator_id} {self.taken_on}: {self.followers}"


# The growth stages' names (Creator.growth_stage; insights.indices computes the stage).
STAGE_NAMES = (
    ("departure", _("Departure (起步)")),
    ("exploration", _("Exploration (探索)")),
    ("harvest", _("Harvest (收获)")),
    ("on_the_road", _("On the road (在路上)")),
)


class CreatorVerification(VerificationRequest):
    """A creator's request to be verified: a link to their account on their platform, a note."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="verification_requests")
    subject_field = "creator"
    page_url_name = "creators:verification"

    class Meta(VerificationRequest.Meta):
        verbose_name = _("creator verification request")
        verbose_name_plural = _("creator verification requests")
        constraints = [
            models.UniqueConstraint(
                fields=["creator"], condition=models.Q(status="pending"), name="creator_verification_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} verification ({self.status})"

    def recipients(self) -> list:
        user = self.creator.user
        return [user] if user is not None and user.is_active else []


MAX_CONTENT_SAMPLES = 6


class ContentSample(models.Model):
    """A link to one of the creator's own posts, shown on the media kit in ``position`` order."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="content_samples")
    url = models.URLField(_("link"), max_length=500, validators=[validate_web_link])
    title = models.CharField(_("title"), max_length=120)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["creator", "position", "id"]
        verbose_name = _("content sample")
        verbose_name_plural = _("content samples")

    def __str__(self) -> str:
        return f"{self.creator_id} {self.title}"


class UsageRight(models.TextChoices):
    """A right a brand may buy beyond the creator's own post: each usage channel other than the creator's own
    account (the keys of orders' ``Order.UsageChannel``), and paid-ad authorisation (Spark-Ads-style codes that
    let the brand boost the creator's own post). docs/deals.md, "Usage rights"."""

    BRAND_ACCOUNTS = "brand_accounts", _("Brand's social accounts")
    BRAND_WEBSITE = "brand_website", _("Brand website and e-commerce")
    PAID_ADS = "paid_ads", _("Paid advertising")
    OFFLINE = "offline", _("Offline and retail")
    AD_AUTHORISATION = "ad_authorisation", _("Paid-ad authorisation (ad codes)")


class RightsRate(models.Model):
    """The creator's price for one usage right, per month of use: a share of the deal's fee for the work
    (``percent_bps``, basis points) or a fixed amount (``monthly_amount``, minor units). Exactly one is set.

    Offers copy the rates they were priced at into the deal (``Collaboration.rights_terms``), so a change
    here takes effect at once without touching a deal in flight (unlike format prices, nothing to wait for).
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="rights_rates")
    right = models.CharField(_("right"), max_length=20, choices=UsageRight.choices)
    percent_bps = models.PositiveIntegerField(_("share of the fee per month (basis points)"), null=True, blank=True)
    monthly_amount = models.BigIntegerField(_("amount per month (minor units)"), null=True, blank=True)
    currency = models.CharField(max_length=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["creator", "right"]
        verbose_name = _("rights rate")
        verbose_name_plural = _("rights rates")
        constraints = [
            models.UniqueConstraint(fields=["creator", "right"], name="rights_rate_one_per_right"),
            models.CheckConstraint(
                condition=(models.Q(percent_bps__isnull=True) & models.Q(monthly_amount__gt=0))
                | (models.Q(monthly_amount__isnull=True) & models.Q(percent_bps__gt=0)),
                name="rights_rate_percent_or_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} {self.right} {self.percent_bps or self.monthly_amount}"
