from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Collaboration


class ResultSnapshot(models.Model):
    """What a published post had reached on day 1, 3, 7, 14 or 30 after publishing (the latest counts).

    One row per collaboration and day; entering a day again replaces its counts.
    """

    class Day(models.IntegerChoices):
        D1 = 1, _("Day 1")
        D3 = 3, _("Day 3")
        D7 = 7, _("Day 7")
        D14 = 14, _("Day 14")
        D30 = 30, _("Day 30")

    class Source(models.TextChoices):
        CREATOR = "creator", _("Entered by the creator")
        IMPORT = "import", _("Imported")
        API = "api", _("Posted through the API")
        DEMO = "demo", _("Demo data")

    collaboration = models.ForeignKey(Collaboration, on_delete=models.CASCADE, related_name="results")
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    views = models.BigIntegerField(_("views"))
    likes = models.BigIntegerField(_("likes"), default=0)
    comments = models.BigIntegerField(_("comments"), default=0)
    shares = models.BigIntegerField(_("shares"), default=0)
    completion_rate = models.FloatField(_("completion rate"), null=True, blank=True)
    clicks = models.BigIntegerField(_("clicks"), default=0)
    conversions = models.BigIntegerField(_("conversions"), default=0)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CREATOR)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "marketplace_resultsnapshot"  # deployed under the marketplace app; the table kept its name
        ordering = ["collaboration", "day"]
        constraints = [
            models.UniqueConstraint(fields=["collaboration", "day"], name="result_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(
                    views__gte=0, likes__gte=0, comments__gte=0, shares__gte=0, clicks__gte=0, conversions__gte=0
                ),
                name="result_counts_nonneg",
            ),
            models.CheckConstraint(
                condition=models.Q(completion_rate__isnull=True)
                | models.Q(completion_rate__gte=0, completion_rate__lte=1),
                name="result_completion_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collaboration_id} day {self.day}: {self.views} views"

    @property
    def engagements(self) -> int:
        return self.likes + self.comments + self.shares
