"""Forms of the results pages: one day's counts (the creator) and a results CSV (the brand).

They parse and check input; orders.services.results and orders.results_import write. Field
names match the ``field`` of the services' DomainErrors (day, views, likes, …, completion_rate).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import ResultSnapshot
from orders.services.results import LABELS, MAX_COUNT

MAX_UPLOAD_MB = 5


def _count_field(name: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=LABELS[name],
        min_value=0,
        max_value=MAX_COUNT,
        required=name == "views",
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )


class ResultForm(forms.Form):
    """What the post had reached on one day after publishing; the completion rate as a percentage."""

    day = forms.TypedChoiceField(choices=ResultSnapshot.Day.choices, coerce=int, widget=forms.HiddenInput)
    views = _count_field("views")
    likes = _count_field("likes")
    comments = _count_field("comments")
    shares = _count_field("shares")
    completion_rate = forms.DecimalField(
        label=_("Completion rate (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("Share of viewers who watched to the end."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"}),
    )
    clicks = _count_field("clicks")
    conversions = _count_field("conversions")

    def __init__(self, *args, day: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_day{day}_%s")  # five forms on one page: ids stay unique
        kwargs.setdefault("initial", {})
        kwargs["initial"]["day"] = day
        super().__init__(*args, **kwargs)
        self.for_day = day
        self.recorded: ResultSnapshot | None = None  # what the day holds now, when shown unbound

    @classmethod
    def for_snapshot(cls, snapshot: ResultSnapshot | None, *, day: int) -> ResultForm:
        """An unbound form showing what was recorded for ``day`` (empty when nothing was)."""
        if snapshot is None:
            return cls(day=day)
        initial = {name: getattr(snapshot, name) for name in LABELS}
        if snapshot.completion_rate is not None:
            initial["completion_rate"] = (Decimal(str(snapshot.completion_rate)) * 100).quantize(Decimal("0.01"))
        form = cls(day=day, initial=initial)
        form.recorded = snapshot
        return form

    def values(self) -> dict:
        """The counts as result_record takes them (empty: keeps what the day holds, 0 on a new day; the
        completion rate as a fraction)."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in LABELS}
        rate = data.get("completion_rate")
        values["completion_rate"] = None if rate is None else float(rate / 100)
        return values


class ResultsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Results file (CSV)"),
        help_text=_(
            "Columns: collaboration, day, views and optionally likes, comments, shares, completion_rate, "
            "clicks, conversions. Every row is checked first; one bad row means nothing is imported."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_MB})
        return upload
