"""The order domain: a brand's brief and the brand–creator pairs working on it."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core import ChecksInOneQuery
from marketplace.core.logs import request_id_field
from marketplace.core.models.catalogue import ContentFormat, Label, ProductCategory


def default_cancellation_schedule() -> dict:
    """Share of the agreed price paid to the creator when the brand cancels, in basis points.

    Stored on each order so later changes to the platform default never change a signed deal.
    """
    return {"before_script": 0, "after_script": 1000, "after_video": 5000, "after_two_video_rounds": 10000}


class Pricing(models.TextChoices):
    """How a deal is paid (docs/deals.md): a fixed price; a base plus a rate per 10,000 valid plays up to a
    maximum held when the offer is sent (Xingtu's 按播放量, orders.pay_per_play); or a fixed price reserved by a
    10 % deposit, the balance paid within 7 days of acceptance (一口价 with deposit, orders.deposits)."""

    FIXED = "fixed", _("Fixed price")
    PER_PLAY = "per_play", _("Pay per play")
    DEPOSIT = "deposit", _("Fixed price with deposit")


class OrderQuerySet(models.QuerySet):
    def real(self) -> "OrderQuerySet":
        """Every order but the practice brand's (docs/indices.md, "Novice tasks"): what every count of orders
        reads."""
        return self.filter(brand__is_practice=False)


class Order(ChecksInOneQuery, models.Model):
    Pricing = Pricing

    class Goal(models.TextChoices):
        AWARENESS = "awareness", _("Awareness (views)")
        SEEDING = "seeding", _("Seeding (engagement, purchase intent)")
        CONVERSION = "conversion", _("Conversion (clicks, sales)")

    class Mode(models.TextChoices):
        DIRECT = "direct", _("Direct offers")
        RECRUITMENT = "recruitment", _("Open recruitment")
        CONTEST = "contest", _("Submission contest")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class UsageChannel(models.TextChoices):
        CREATOR_ACCOUNT = "creator_account", _("Creator's own account")
        BRAND_ACCOUNTS = "brand_accounts", _("Brand's social accounts")
        BRAND_WEBSITE = "brand_website", _("Brand website and e-commerce")
        PAID_ADS = "paid_ads", _("Paid advertising")
        OFFLINE = "offline", _("Offline and retail")

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="orders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("brief"), blank=True)
    product_name = models.CharField(_("product"), max_length=200)
    # Empty on a draft that has not chosen one yet (publishing needs it) and on imported history that did not
    # name one (docs/import-history.md).
    product_category = models.ForeignKey(
        ProductCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("product category"),
    )
    goal = models.CharField(_("goal"), max_length=16, choices=Goal.choices, default=Goal.AWARENESS)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.DIRECT)
    format = models.CharField(_("format"), max_length=16, choices=ContentFormat.choices)
    target_labels = models.ManyToManyField(
        Label, through="OrderTargetLabel", related_name="orders", verbose_name=_("target labels")
    )
    target_age = ArrayField(models.CharField(max_length=8), default=list, blank=True, verbose_name=_("target ages"))
    target_gender = ArrayField(
        models.CharField(max_length=8), default=list, blank=True, verbose_name=_("target genders")
    )
    target_regions = ArrayField(
        models.CharField(max_length=8), default=list, blank=True, verbose_name=_("target regions")
    )
    min_region_share = models.FloatField(
        _("minimum audience share in target regions"),
        default=0.0,
        help_text=_("Creators whose audience in the target regions is below this share are not eligible."),
    )
    currency = models.CharField(max_length=3)
    price_per_creator = models.BigIntegerField(_("price per creator (minor units)"), null=True, blank=True)
    total_budget = models.BigIntegerField(_("total budget (minor units)"), null=True, blank=True)
    price_tolerance_bps = models.PositiveIntegerField(
        _("price tolerance (basis points)"),
        default=1000,
        help_text=_("Creators priced up to this much above the per-creator budget stay eligible."),
    )
    creators_wanted = models.PositiveIntegerField(_("creators wanted"), default=1)
    # Pay per play (orders.pay_per_play): the price per creator is then the maximum one creator can earn.
    pricing = models.CharField(_("pricing"), max_length=16, choices=Pricing.choices, default=Pricing.FIXED)
    play_base = models.BigIntegerField(_("base price (minor units)"), null=True, blank=True)
    play_rate = models.BigIntegerField(_("price per 10,000 plays (minor units)"), null=True, blank=True)
    apply_by = models.DateTimeField(_("apply by"), null=True, blank=True)
    script_by = models.DateTimeField(_("script by"), null=True, blank=True)
    publish_from = models.DateField(_("publish window opens"), null=True, blank=True)
    publish_until = models.DateField(_("publish window closes"), null=True, blank=True)
    usage_channels = ArrayField(
        models.CharField(max_length=20, choices=UsageChannel.choices),
        default=list,
        blank=True,
        verbose_name=_("usage channels"),
    )
    usage_days = models.PositiveIntegerField(_("usage rights (days)"), default=90)
    paid_ads_authorised = models.BooleanField(_("paid-ad authorisation"), default=False)
    script_rejection_limit = models.PositiveSmallIntegerField(_("script rejections allowed"), default=3)
    video_revision_limit = models.PositiveSmallIntegerField(_("video revision rounds"), default=2)
    cancellation_schedule = models.JSONField(_("cancellation schedule"), default=default_cancellation_schedule)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The brand's own id of an order brought in by import_history (its order_ref); with the brand, the
    # natural key that makes re-importing a file add nothing twice (the import holds the brand's row
    # while it checks and writes). Empty for orders made here.
    import_ref = models.CharField(max_length=200, blank=True, default="", editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        db_table = "marketplace_order"  # deployed under the marketplace app; the table kept its name
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["brand", "status", "-created_at"], name="order_brand_status"),
            # import_history finds the orders it imported before by this natural key (not a unique
            # constraint: full_clean would check it with one more query on every order saved here).
            models.Index(fields=["brand", "import_ref"], condition=~models.Q(import_ref=""), name="order_import_ref"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_per_creator__isnull=False) | models.Q(total_budget__isnull=False),
                name="order_has_price_or_budget",
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_creator__isnull=True) | models.Q(price_per_creator__gt=0),
                name="order_price_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(total_budget__isnull=True) | models.Q(total_budget__gt=0),
                name="order_budget_positive",
            ),
            models.CheckConstraint(condition=models.Q(creators_wanted__gte=1), name="order_wants_a_creator"),
            models.CheckConstraint(
                condition=~models.Q(pricing="per_play")
                | models.Q(
                    # NOT NULL spelled out: a CHECK on a NULL passes, and a per-play order without its terms must not
                    play_base__isnull=False,
                    play_rate__isnull=False,
                    price_per_creator__isnull=False,
                    play_base__gte=0,
                    play_rate__gt=0,
                    price_per_creator__gte=models.F("play_base"),
                ),
                name="order_per_play_terms",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def per_creator_budget(self) -> int:
        """The most the brand pays one creator, in minor units."""
        if self.price_per_creator:
            return self.price_per_creator
        return (self.total_budget or 0) // max(self.creators_wanted, 1)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def per_play(self) -> bool:
        return self.pricing == Pricing.PER_PLAY


class OrderTargetLabel(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="target_label_links")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="+")
    weight = models.FloatField(default=1.0)

    class Meta:
        db_table = "marketplace_ordertargetlabel"  # deployed under the marketplace app; the table kept its name
        constraints = [
            models.UniqueConstraint(fields=["order", "label"], name="order_label_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0, weight__lte=1), name="order_label_weight_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.label_id}"


class OrderEvent(models.Model):
    """Append-only record of an order's status changes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    # Choices give get_old_status_display(): a status is shown by its label (Order.Status), never its code.
    old_status = models.CharField(max_length=16, choices=Order.Status.choices)
    new_status = models.CharField(max_length=16, choices=Order.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = request_id_field()

    class Meta:
        db_table = "marketplace_orderevent"  # deployed under the marketplace app; the table kept its name
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.old_status} → {self.new_status}"


class CollaborationQuerySet(models.QuerySet):
    """The one home of "left out of every aggregate": a practice deal (Origin.PRACTICE, docs/indices.md) counts
    in no capacity, fulfilment, rating, index, training row, GMV, overview or report. Every aggregate over
    collaborations starts from ``real()`` (or, in SQL, ``REAL_DEAL_SQL``); tests/creators/test_novice_tasks.py
    computes them all before and after a finished practice deal."""

    def real(self) -> "CollaborationQuerySet":
        return self.exclude(origin=PRACTICE)

    def practice(self) -> "CollaborationQuerySet":
        return self.filter(origin=PRACTICE)


PRACTICE = "practice"
# The same rule for raw SQL over the collaborations table (its alias first): ``REAL_DEAL_SQL % "k"``.
REAL_DEAL_SQL = f"%s.origin <> '{PRACTICE}'"


class Collaboration(models.Model):
    """One brand–creator pair on an order.

    Its workflow (the state machine of SPEC §3), money and timers live in services; the outcome
    fields are what the matcher learns from, whether the deal ran here or was imported.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        COUNTERED = "countered", _("Countered")
        APPLIED = "applied", _("Applied")
        DEPOSIT_PAID = "deposit_paid", _("Deposit paid")
        REQUOTED = "requoted", _("Re-quoted")
        ACCEPTED = "accepted", _("Accepted")
        SCRIPT_SUBMITTED = "script_submitted", _("Script submitted")
        SCRIPT_APPROVED = "script_approved", _("Script approved")
        VIDEO_SUBMITTED = "video_submitted", _("Video submitted")
        VIDEO_APPROVED = "video_approved", _("Video approved")
        PUBLISHED = "published", _("Published")
        COMPLETED = "completed", _("Completed")
        PLAYS_COUNTED = "plays_counted", _("Plays counted")
        SETTLED = "settled", _("Settled")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        DISPUTED = "disputed", _("Disputed")
        RESOLVED = "resolved", _("Resolved")

    Pricing = Pricing

    class Origin(models.TextChoices):
        OFFER = "offer", _("Direct offer")
        APPLICATION = "application", _("Application")
        IMPORT = "import", _("Imported history")
        DEMO = "demo", _("Demo history")
        # A novice task (orders.services.practice): played against the built-in practice brand.
        PRACTICE = "practice", _("Practice")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="collaborations")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="collaborations")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OFFERED, editable=False)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.OFFER)
    currency = models.CharField(max_length=3)
    agreed_price = models.BigIntegerField(_("agreed price (minor units)"))
    pitch = models.TextField(_("pitch"), blank=True)
    # Negotiation (orders.negotiation): the brand's note and the rate-card price the offer was shown against,
    # and the creator's one counter. ``agreed_price`` is the offered price until a counter is accepted.
    offer_note = models.TextField(_("note with the offer"), blank=True)
    list_price = models.BigIntegerField(_("rate-card price when offered (minor units)"), null=True, blank=True)
    counter_price = models.BigIntegerField(_("counter-offer (minor units)"), null=True, blank=True)
    counter_note = models.TextField(_("note with the counter-offer"), blank=True)
    countered_at = models.DateTimeField(null=True, blank=True)
    # Pay per play (orders.pay_per_play), the order's terms frozen when the offer or application is made:
    # ``agreed_price`` is then the maximum, held when the offer is sent. At day 14 the plays are counted
    # (``plays_counted``, what they pay in ``play_amount``); the brand confirms or disputes the figures.
    pricing = models.CharField(_("pricing"), max_length=16, choices=Pricing.choices, default=Pricing.FIXED)
    play_base = models.BigIntegerField(_("base price (minor units)"), null=True, blank=True)
    play_rate = models.BigIntegerField(_("price per 10,000 plays (minor units)"), null=True, blank=True)
    plays_counted = models.BigIntegerField(_("valid plays counted"), null=True, blank=True)
    play_amount = models.BigIntegerField(_("amount the plays pay (minor units)"), null=True, blank=True)
    plays_counted_at = models.DateTimeField(null=True, blank=True)
    # A deposit order (orders.deposits): what the brand holds to reserve the creator, 10 % of the price.
    deposit = models.BigIntegerField(_("deposit (minor units)"), null=True, blank=True)
    # Usage rights as priced terms (orders.rights, docs/deals.md "Usage rights"): the rights the order stated, at
    # the creator's rates when offered (days, months, one line per right), and their price, which
    # ``agreed_price`` includes. The rights run from publication to ``rights_until``; the notice before they end
    # and their lapse are each recorded once.
    rights_terms = models.JSONField(_("usage rights agreed"), default=dict, blank=True)
    rights_price = models.BigIntegerField(_("price of the usage rights (minor units)"), default=0)
    rights_until = models.DateTimeField(_("usage rights end"), null=True, blank=True)
    rights_notice_at = models.DateTimeField(null=True, blank=True)
    rights_lapsed_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("An open offer or application lapses then."))
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    post_url = models.URLField(_("published post"), max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    script_rejections = models.PositiveSmallIntegerField(default=0)
    video_revisions = models.PositiveSmallIntegerField(default=0)
    # What the matcher expected when the offer was made (kept as it was, whatever models come later).
    expected_views = models.BigIntegerField(null=True, blank=True)
    expected_engagements = models.BigIntegerField(null=True, blank=True)
    match_score = models.FloatField(null=True, blank=True)
    match_model_version = models.CharField(max_length=64, blank=True)
    # Outcomes: null means "not known yet".
    accepted = models.BooleanField(null=True, blank=True)
    completed_on_time = models.BooleanField(null=True, blank=True)
    brand_rating = models.PositiveSmallIntegerField(null=True, blank=True)  # the brand rates the creator
    brand_comment = models.TextField(blank=True)
    creator_rating = models.PositiveSmallIntegerField(null=True, blank=True)  # the creator rates the brand
    creator_comment = models.TextField(blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    engagements = models.BigIntegerField(null=True, blank=True)
    conversions = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollaborationQuerySet.as_manager()

    class Meta:
        db_table = "marketplace_collaboration"  # deployed under the marketplace app; the table kept its name
        ordering = ["-offered_at", "-id"]
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        indexes = [
            models.Index(fields=["creator", "status"], name="collab_creator_status"),
            models.Index(fields=["order", "status"], name="collab_order_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "creator"], name="collab_one_per_order_creator"),
            models.CheckConstraint(condition=models.Q(agreed_price__gt=0), name="collab_price_positive"),
            models.CheckConstraint(
                condition=~models.Q(pricing="per_play")
                | models.Q(play_base__gte=0, play_rate__gt=0, agreed_price__gte=models.F("play_base")),
                name="collab_per_play_terms",
            ),
            models.CheckConstraint(
                condition=models.Q(play_amount__isnull=True) | models.Q(play_amount__lte=models.F("agreed_price")),
                name="collab_play_amount_capped",
            ),
            models.CheckConstraint(
                condition=models.Q(rights_price__gte=0, rights_price__lt=models.F("agreed_price")),
                name="collab_rights_within_price",
            ),
            models.CheckConstraint(
                condition=models.Q(brand_rating__isnull=True) | models.Q(brand_rating__gte=1, brand_rating__lte=5),
                name="collab_rating_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(creator_rating__isnull=True)
                | models.Q(creator_rating__gte=1, creator_rating__lte=5),
                name="collab_creator_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} × {self.creator_id} ({self.status})"

    @property
    def is_practice(self) -> bool:
        """A practice deal with the built-in practice brand: no money moves, no aggregate counts it."""
        return self.origin == self.Origin.PRACTICE

    # The state groups, for templates (orders.flows defines them; imported here lazily, it imports us).
    @property
    def awaiting_answer(self) -> bool:
        from orders.flows import AWAITING_ANSWER

        return self.status in AWAITING_ANSWER

    @property
    def awaiting_creator(self) -> bool:
        from orders.flows import AWAITING_CREATOR

        return self.status in AWAITING_CREATOR

    @property
    def price_vs_list(self) -> str:
        """The price against the creator's rate card, in signed percent ("-20", "+5.5"); "" without one."""
        if not self.list_price:
            return ""
        tenths = round((self.work_price - self.list_price) * 1000 / self.list_price)
        return f"{tenths / 10:+g}"

    @property
    def per_play(self) -> bool:
        return self.pricing == Pricing.PER_PLAY

    @property
    def with_deposit(self) -> bool:
        return self.pricing == Pricing.DEPOSIT

    @property
    def awaiting_balance(self) -> bool:
        from orders.flows import AWAITING_BALANCE

        return self.status in AWAITING_BALANCE

    @property
    def requoted(self) -> bool:
        from orders.flows import REQUOTED

        return self.status in REQUOTED

    @property
    def balance_due(self):
        """When a deposit deal's balance is due (orders.deposits); None before acceptance."""
        from orders.deposits import BALANCE_WITHIN

        return self.accepted_at + BALANCE_WITHIN if self.with_deposit and self.accepted_at else None

    @property
    def plays_awaiting_confirmation(self) -> bool:
        from orders.flows import PLAYS_COUNTED

        return self.status in PLAYS_COUNTED

    @property
    def plays_count_on(self):
        """When a per-play deal's plays are counted (orders.pay_per_play); None before publishing."""
        from orders.pay_per_play import COUNT_AFTER

        return self.published_at + COUNT_AFTER if self.per_play and self.published_at else None

    @property
    def plays_confirmed_by(self):
        """When counted plays are confirmed automatically unless the brand confirms or disputes them first."""
        from orders.pay_per_play import CONFIRM_WITHIN

        return self.plays_counted_at + CONFIRM_WITHIN if self.plays_counted_at else None

    @property
    def work_price(self) -> int:
        """The fee for the work: the agreed price less what the usage rights cost."""
        return self.agreed_price - self.rights_price

    @property
    def countered(self) -> bool:
        from orders.flows import COUNTERED_OFFER

        return self.status in COUNTERED_OFFER

    @property
    def open_offer(self) -> bool:
        from orders.flows import OPEN_OFFER

        return self.status in OPEN_OFFER

    @property
    def awaiting_brand(self) -> bool:
        from orders.flows import AWAITING_BRAND

        return self.status in AWAITING_BRAND
