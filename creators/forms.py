"""Forms for the creator's profile page (one per section, each parsed here and saved by a service) and the
brand creator directory's filters."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.directory import DEFAULT_SORT, INDEX_FIELDS, SORTS, DirectoryQuery
from creators.models import Creator, CreatorLabel, Platform
from creators.selectors import RateCardLine, labels_by_id
from creators.services import MAX_LABELS
from marketplace.audience import AGE_BUCKETS, GENDERS, SUM_TOLERANCE, regions
from marketplace.core import minor_to_decimal_str, parse_money
from marketplace.models import Interest, Label

PERCENT_TOLERANCE = Decimal(str(SUM_TOLERANCE * 100))
MIN_REGION_ROWS = 5
GENDER_LABELS = {"female": gettext_lazy("Female"), "male": gettext_lazy("Male"), "other": gettext_lazy("Other")}


class MoneyField(forms.CharField):
    """A decimal amount typed as text, cleaned to integer minor units (None when left blank)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value):
        value = super().clean(value)  # the text, length-checked
        if value in self.empty_values:
            return None
        try:
            amount = parse_money(value.replace(",", ""))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if amount <= 0:
            raise ValidationError(_("The price must be more than zero."), code="min_value")
        return amount


def _percent_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100", "inputmode": "decimal"}),
    )


def _as_percent(share: float | None) -> str | None:
    """0.395 → "39.5": the share as a percentage with no exponent and no trailing zeros."""
    if share is None:
        return None
    text = f"{(Decimal(str(share)) * 100).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _check_total(total: Decimal, kind: str) -> None:
    if abs(total - 100) > PERCENT_TOLERANCE:
        raise ValidationError(
            _("%(kind)s shares must add up to 100 %%; they add up to %(total)s %%.")
            % {"kind": kind, "total": f"{total.normalize():f}"},
            code="sum",
        )


# ------------------------------------------------------------------- basics


class BasicsForm(forms.Form):
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=120)
    bio = forms.CharField(
        label=gettext_lazy("Bio"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    platform = forms.ChoiceField(label=gettext_lazy("Main platform"), choices=Platform.choices)
    country = forms.CharField(
        label=gettext_lazy("Country"),
        required=False,
        max_length=8,
        help_text=gettext_lazy("Two-letter code, for example CN or US."),
        widget=forms.TextInput(attrs={"list": "country-codes", "autocomplete": "off"}),
    )
    content_sample = forms.CharField(
        label=gettext_lazy("Recent content"),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("Recent video titles and hashtags, one per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @classmethod
    def initial_for(cls, creator: Creator) -> dict:
        return {name: getattr(creator, name) for name in cls.base_fields}


class CapacityForm(forms.Form):
    max_concurrent = forms.IntegerField(
        label=gettext_lazy("Collaborations at the same time"),
        min_value=1,
        max_value=50,
        help_text=gettext_lazy("You are not offered new work while this many collaborations are in progress."),
    )
    external_load = forms.IntegerField(
        label=gettext_lazy("Collaborations running elsewhere now"),
        required=False,
        min_value=0,
        max_value=50,
        help_text=gettext_lazy("Work outside Starmap takes slots too; update it when that work ends."),
    )


# ------------------------------------------------------------------- labels


class LabelsForm(forms.Form):
    """The creator's labels as table rows: tick a row to keep or add it, and give it a weight.

    Every displayed row posts ``row=<label id>`` (so rows survive a failed save), ticked rows post
    ``label=<label id>`` and each row posts ``weight_<label id>``. Search results arrive as unticked
    rows, which is how the picker works with and without JavaScript.
    """

    label = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, data=None, *, links: Sequence[CreatorLabel] = (), **kwargs):
        super().__init__(data, **kwargs)
        if data is None:
            self.row_labels = [link.label for link in links]
            self.initial["label"] = [link.label_id for link in links]
            weights = {link.label_id: link.weight for link in links}
        else:
            ids = [int(v) for v in dict.fromkeys(data.getlist("row") + data.getlist("label")) if str(v).isdigit()]
            found = labels_by_id(ids)
            self.row_labels = [found[i] for i in ids if i in found]
            weights = {}
        self.fields["label"].choices = [(label.pk, label.path) for label in self.row_labels]
        for label in self.row_labels:
            name = _("Weight for %(label)s") % {"label": label.path}
            self.fields[f"weight_{label.pk}"] = forms.FloatField(
                label=name,
                required=False,
                min_value=0.01,
                max_value=1,
                initial=weights.get(label.pk, 1.0),
                widget=forms.NumberInput(attrs={"step": "0.05", "min": "0.05", "max": "1", "aria-label": name}),
            )

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("label") or []
        if len(chosen) > MAX_LABELS:
            raise ValidationError(
                _("Choose at most %(max)d labels; you chose %(count)d.") % {"max": MAX_LABELS, "count": len(chosen)}
            )
        pairs = []
        for label_id in chosen:
            weight = cleaned.get(f"weight_{label_id}")
            if weight is None and f"weight_{label_id}" not in self.errors:
                self.add_error(f"weight_{label_id}", _("Give this label a weight between 0 and 1."))
            pairs.append((label_id, weight))
        cleaned["pairs"] = pairs
        return cleaned

    def rows(self) -> list[dict]:
        chosen = {str(v) for v in (self["label"].value() or [])}
        return [
            {"label": label, "checked": str(label.pk) in chosen, "weight": self[f"weight_{label.pk}"]}
            for label in self.row_labels
        ]


def search_rows(labels: list[Label]) -> list[dict]:
    """Search results as unticked label rows (see LabelsForm)."""
    return [{"label": label, "checked": False, "weight": None} for label in labels]


# ----------------------------------------------------------------- audience


class ShareForm(forms.Form):
    """One fixed-bucket distribution (age or gender) as percentages that add up to 100."""

    def __init__(self, *args, kind: str, buckets: tuple[str, ...], labels: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.buckets = buckets
        for index, bucket in enumerate(buckets):
            self.fields[f"b{index}"] = _percent_field((labels or {}).get(bucket, bucket))

    @classmethod
    def initial_for(cls, shares: dict, buckets: tuple[str, ...]) -> dict:
        return {f"b{i}": _as_percent(shares.get(bucket)) for i, bucket in enumerate(buckets) if shares}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        values = {bucket: cleaned.get(f"b{i}") for i, bucket in enumerate(self.buckets)}
        if all(v is None for v in values.values()):
            cleaned["shares"] = {}
            return cleaned
        values = {bucket: value or Decimal(0) for bucket, value in values.items()}
        _check_total(sum(values.values()), self.kind)
        cleaned["shares"] = {bucket: float(value / 100) for bucket, value in values.items()}
        return cleaned


class RegionShareForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Region code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"list": "region-codes", "autocomplete": "off", "size": 8}),
    )
    share = _percent_field(gettext_lazy("Share (%)"))

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("code") or "").strip().upper()
        share = cleaned.get("share")
        cleaned["code"] = code
        if code and code not in regions():
            self.add_error("code", _("Unknown region code %(code)s.") % {"code": code})
        if code and share is None and "share" not in self.errors:
            self.add_error("share", _("Enter this region's share."))
        if share is not None and not code:
            self.add_error("code", _("Enter the region this share belongs to."))
        return cleaned


class BaseRegionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        shares: dict[str, Decimal] = {}
        for form in self.forms:
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in shares:
                form.add_error("code", _("%(code)s is listed twice.") % {"code": code})
                return
            shares[code] = form.cleaned_data["share"]
        if shares:
            _check_total(sum(shares.values()), _("Region"))
        self.shares = {code: float(share / 100) for code, share in shares.items()}


RegionFormSet = forms.formset_factory(
    RegionShareForm, formset=BaseRegionFormSet, extra=0, max_num=300, validate_max=True, absolute_max=300
)


class AudienceForms:
    """The audience section: age and gender percentages plus region rows, validated together."""

    def __init__(self, data=None, *, creator: Creator):
        age_initial = ShareForm.initial_for(creator.audience_age, AGE_BUCKETS)
        gender_initial = ShareForm.initial_for(creator.audience_gender, GENDERS)
        self.age = ShareForm(data, prefix="age", kind=_("Age"), buckets=AGE_BUCKETS, initial=age_initial)
        self.gender = ShareForm(
            data, prefix="gender", kind=_("Gender"), buckets=GENDERS, labels=GENDER_LABELS, initial=gender_initial
        )
        region_rows = [
            {"code": code, "share": _as_percent(share)}
            for code, share in sorted(creator.audience_region.items(), key=lambda item: -item[1])
        ]
        region_rows += [{}] * max(MIN_REGION_ROWS - len(region_rows), 2)
        self.region = RegionFormSet(data, prefix="region", initial=region_rows)
        self.service_region_errors: list[str] = []

    def is_valid(self) -> bool:
        results = [self.age.is_valid(), self.gender.is_valid(), self.region.is_valid()]
        return all(results)

    def shares(self) -> dict[str, dict]:
        return {
            "age": self.age.cleaned_data["shares"],
            "gender": self.gender.cleaned_data["shares"],
            "region": self.region.shares,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's per-distribution errors on the matching part of the section."""
        targets = {"audience_age": self.age, "audience_gender": self.gender}
        for field, messages in error.message_dict.items():
            form = targets.get(field)
            if form is not None:
                form.add_error(None, messages)
            else:
                self.service_region_errors.extend(messages)

    @property
    def region_errors(self) -> list[str]:
        """Errors about the regions as a whole (their total, or the service's verdict)."""
        return [*self.region.non_form_errors(), *self.service_region_errors]


# ---------------------------------------------------------------- rate card


class RateCardForm(forms.Form):
    """One price per content format. A blank field leaves that format's price as it is."""

    def __init__(self, data=None, *, lines: list[RateCardLine], **kwargs):
        super().__init__(data, **kwargs)
        self.lines = lines
        for line in lines:
            latest = line.pending or line.in_force
            self.fields[f"price_{line.format}"] = MoneyField(
                label=line.label, initial=minor_to_decimal_str(latest.amount) if latest else ""
            )

    def changed_prices(self) -> dict[str, int]:
        """Formats whose typed price differs from the latest price set (pending or in force)."""
        prices = {}
        for line in self.lines:
            amount = self.cleaned_data.get(f"price_{line.format}")
            latest = line.pending or line.in_force
            if amount is not None and (latest is None or latest.amount != amount):
                prices[line.format] = amount
        return prices

    def rows(self) -> list[dict]:
        return [{"line": line, "field": self[f"price_{line.format}"]} for line in self.lines]


# ---------------------------------------------------------------- blackouts


class BlackoutForm(forms.Form):
    starts_on = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day must not be before the first day."))
        return cleaned


# ------------------------------------------------------------- directory

COUNTRY_CODE = r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"


class DirectoryFilterForm(forms.Form):
    """The brand creator directory's filters and sort, read from the query string (all optional)."""

    interest = forms.ModelChoiceField(
        queryset=Interest.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Any interest"),
        label=gettext_lazy("Interest"),
    )
    platform = forms.ChoiceField(
        choices=[("", gettext_lazy("Any platform")), *Platform.choices], required=False, label=gettext_lazy("Platform")
    )
    country = forms.RegexField(
        regex=COUNTRY_CODE,
        max_length=8,
        required=False,
        label=gettext_lazy("Country or region"),
        help_text=gettext_lazy("A code such as CN (also finds CN-GD, CN-SH …) or CN-GD."),
        error_messages={"invalid": gettext_lazy("Enter a code such as CN or CN-GD.")},
    )
    followers_min = forms.IntegerField(
        min_value=0, max_value=10**12, required=False, label=gettext_lazy("Followers from")
    )
    followers_max = forms.IntegerField(
        min_value=0, max_value=10**12, required=False, label=gettext_lazy("Followers to")
    )
    min_index_reach = forms.FloatField(min_value=0, max_value=100, required=False, label=gettext_lazy("Reach at least"))
    min_index_seeding = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Seeding at least")
    )
    min_index_value = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Value for money at least")
    )
    min_index_growth = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Growth at least")
    )
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False, label=gettext_lazy("Sort by"))

    def clean(self):
        data = super().clean()
        low, high = data.get("followers_min"), data.get("followers_max")
        if low is not None and high is not None and low > high:
            self.add_error("followers_max", _("Give a maximum at or above the minimum."))
        return data

    def query(self) -> DirectoryQuery:
        data = self.cleaned_data
        return DirectoryQuery(
            interest=data["interest"].pk if data.get("interest") else None,
            platform=data.get("platform") or "",
            country=(data.get("country") or "").upper(),
            followers_min=data.get("followers_min"),
            followers_max=data.get("followers_max"),
            min_index=tuple(
                (field, data[f"min_{field}"]) for field in INDEX_FIELDS if data.get(f"min_{field}") is not None
            ),
            sort=data.get("sort") or DEFAULT_SORT,
        )
