"""The profile page's audience section: shares by age, gender and region, each section's total checked."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.models import (
    Creator,
)
from marketplace.core.audience import AGE_BUCKETS, GENDER_LABELS, GENDERS, SUM_TOLERANCE, region_label, region_lookup
from marketplace.core.forms import CountedFormSet

PERCENT_TOLERANCE = Decimal(str(SUM_TOLERANCE * 100))
MIN_REGION_ROWS = 5


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
    """One region row. The region is typed or picked by name ("Guangdong", or the list's
    "Guangdong (CN-GD)") or by code; it is cleaned to the code."""

    code = forms.CharField(
        label=gettext_lazy("Region"),
        required=False,
        max_length=80,
        widget=forms.TextInput(
            attrs={"list": "region-options", "autocomplete": "off", "placeholder": gettext_lazy("Type a name")}
        ),
    )
    share = _percent_field(gettext_lazy("Share (%)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Drawn in table cells under column headings: each box names itself to a screen reader.
        for name in ("code", "share"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label
        if self.initial.get("code"):
            self.initial["code"] = region_label(self.initial["code"])

    def clean(self):
        cleaned = super().clean()
        typed = (cleaned.get("code") or "").strip()
        code = region_lookup(typed) if typed else ""
        share = cleaned.get("share")
        cleaned["code"] = code or ""
        if typed and code is None:
            message = _("No region is called “%(text)s”. Type part of its name and pick it from the list.")
            self.add_error("code", message % {"text": typed})
        if typed and share is None and "share" not in self.errors:
            self.add_error("share", _("Enter this region's share."))
        if share is not None and not typed:
            self.add_error("code", _("Enter the region this share belongs to."))
        return cleaned


class BaseRegionFormSet(CountedFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        shares: dict[str, Decimal] = {}
        for form in self.forms:
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in shares:
                form.add_error("code", _("%(region)s is listed twice.") % {"region": region_label(code)})
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

    def form_add_errors(self, error: ValidationError) -> None:
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
