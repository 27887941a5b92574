from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class RankingRun(models.Model):
    """One ranking of one order: queued by publish or on demand, claimed by a worker, results stored."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="ranking_runs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, default="publish")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    snapshot_version = models.CharField(max_length=64, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    shards = models.PositiveSmallIntegerField(default=1)
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    considered_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "-created_at"], name="ranking_run_order")]

    def __str__(self) -> str:
        return f"run {self.pk} of order {self.order_id} ({self.status})"


class RankingShard(models.Model):
    """One shard's part of a sharded run (its best candidates, as services.ranking_compute_shard gives them),
    kept until the last shard's part is in and the merge stores the run's list; then deleted."""

    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="shard_parts")
    shard = models.PositiveSmallIntegerField()
    part = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "shard"], name="ranking_shard_unique")]

    def __str__(self) -> str:
        return f"shard {self.shard} of run {self.run_id}"


class RankingResult(models.Model):
    """One ranked creator of a run, with the component scores and reasons shown to the brand."""

    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="results")
    rank = models.PositiveIntegerField()
    creator = models.ForeignKey("creators.Creator", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    hand_score = models.FloatField()
    content = models.FloatField()
    audience = models.FloatField()
    performance = models.FloatField()
    value = models.FloatField()
    reliability = models.FloatField()
    exploration = models.FloatField()
    price = models.BigIntegerField()
    expected_views = models.BigIntegerField(null=True, blank=True)  # unknown when the creator's views are
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="ranking_result_rank_unique")]

    def __str__(self) -> str:
        return f"#{self.rank} creator {self.creator_id} ({self.score:.3f})"


class MatcherModel(models.Model):
    """A trained re-ranker. It ranks only when ``beats_hand`` (it won on the time-based holdout)."""

    version = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_on = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict)
    beats_hand = models.BooleanField(default=False)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_matcher_model"
            )
        ]

    def __str__(self) -> str:
        return self.version


class CreatorList(models.Model):
    """A brand's saved list of creators (docs/finding-creators.md). Each brand has at most one list of
    favourites, made the first time a creator is starred; it cannot be renamed or deleted."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="creator_lists")
    name = models.CharField(_("name"), max_length=80)
    is_favourites = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_favourites", "name", "id"]
        verbose_name = _("saved list")
        verbose_name_plural = _("saved lists")
        constraints = [
            models.UniqueConstraint(Lower("name"), "brand", name="creator_list_name_unique"),
            models.UniqueConstraint(
                fields=["brand"], condition=models.Q(is_favourites=True), name="creator_list_one_favourites"
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def title(self) -> str:
        """The name shown: the favourites list has none of its own, it is "Favourites" in the reader's language."""
        return _("Favourites") if self.is_favourites else self.name


class CreatorListEntry(models.Model):
    """A creator on a saved list, once."""

    creator_list = models.ForeignKey(CreatorList, on_delete=models.CASCADE, related_name="entries")
    creator = models.ForeignKey("creators.Creator", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["creator_list", "creator"], name="creator_list_entry_unique")]

    def __str__(self) -> str:
        return f"{self.creator_id} on list {self.creator_list_id}"
