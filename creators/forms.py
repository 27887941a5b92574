"""Forms for the creator's sign-up, the creator's profile page (one per section, each parsed here and saved by
a service) and the brand creator directory's filters."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.avatars import AVATAR_MIN_SIDE
from creators.directory import DEFAULT_SORT, INDEX_FIELDS, SORTS, DirectoryQuery
from creators.handles import validate_handle_not_reserved
from creators.models import (
    MAX_CONTENT_SAMPLES,
    MAX_FOLLOWERS,
    ContentSample,
    Creator,
    CreatorLabel,
    CreatorVerification,
    Platform,
)
from creators.selectors import RateCardLine, labels_by_id, typical_price
from creators.services import MAX_LABELS, RIGHTS_MAX_BPS, check_rate_card_price
from marketplace.core import format_money, minor_to_decimal_str
from marketplace.core.audience import AGE_BUCKETS, GENDER_LABELS, GENDERS, SUM_TOLERANCE, region_label, region_lookup
from marketplace.core.forms import EmailAddressField, MoneyField, PasswordPairMixin, WebLinkField, new_account_email
from marketplace.core.models import ContentFormat, Interest, Label, User
from marketplace.core.params import MAX_ID, SEARCH_MAX_LENGTH, IdListField, SearchForm

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
        max_length=80,
        help_text=gettext_lazy("Type part of the name and pick it from the list (or a code such as CN)."),
        widget=forms.TextInput(attrs={"list": "country-options", "autocomplete": "off"}),
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
        initial = {name: getattr(creator, name) for name in cls.base_fields}
        initial["country"] = region_label(creator.country) if creator.country else ""
        return initial

    def clean_country(self) -> str:
        typed = self.cleaned_data["country"].strip()
        code = region_lookup(typed) if typed else ""
        if code is None or "-" in (code or ""):
            raise ValidationError(
                _("No country is called “%(text)s”. Type part of its name and pick it from the list.") % {"text": typed}
            )
        return code


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
            ids = _row_ids(data)
            found = labels_by_id(ids)
            self.row_labels = [found[i] for i in ids if i in found]
            weights = {}
        self.fields["label"].choices = [(label.pk, label.display_path) for label in self.row_labels]
        for label in self.row_labels:
            name = _("Weight for %(label)s") % {"label": label.display_path}
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


def _row_ids(data) -> list[int]:
    """The label ids of the posted rows, ticked or not (none when any is not an id: the rows are redrawn empty,
    and a ticked one is then refused as not a choice)."""
    try:
        return IdListField().clean(data.getlist("row") + data.getlist("label"))
    except ValidationError:
        return []


class LabelSearchForm(SearchForm):
    """The label picker's search: the words, and the labels already ticked on the page (left out of the results)."""

    label = IdListField()


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


# ---------------------------------------------------------------- media kit: picture and content samples


class AvatarForm(forms.Form):
    """The picture upload; creators.avatars checks the file (the service calls it) and says what is wrong."""

    avatar = forms.FileField(
        label=gettext_lazy("Profile picture"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={
            "required": gettext_lazy("Choose a picture to upload."),
            "empty": gettext_lazy("The file is empty; choose a picture to upload."),
            "invalid": gettext_lazy("No file was received; choose a picture to upload."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].help_text = _(
            "JPEG, PNG or WebP, up to %(mb)s MB and at least %(min)s pixels a side. It is cut to a square around "
            "its centre; its metadata (such as where a photo was taken) is not kept."
        ) % {"mb": settings.UPLOAD_AVATAR_MAX_MB, "min": AVATAR_MIN_SIDE}


class ContentSampleForm(forms.Form):
    """One content sample: a link to one of the creator's own posts and its title; a blank row is left out."""

    url = WebLinkField(
        label=gettext_lazy("Link to the post"),
        required=False,
        max_length=ContentSample._meta.get_field("url").max_length,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"), required=False, max_length=ContentSample._meta.get_field("title").max_length
    )
    platform = forms.ChoiceField(
        label=gettext_lazy("Platform"), required=False, choices=[("", gettext_lazy("Not said")), *Platform.choices]
    )

    def clean(self):
        cleaned = super().clean()
        url, title = cleaned.get("url"), (cleaned.get("title") or "").strip()
        if title and not url and "url" not in self.errors:
            self.add_error("url", _("Enter the link to this post."))
        if url and not title and "title" not in self.errors:
            self.add_error("title", _("Give this post a title."))
        if cleaned.get("platform") and not url and not title:
            self.add_error("url", _("Enter the link to this post."))
        return cleaned

    def sample(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("url"):
            return None
        return {"url": data["url"], "title": data["title"].strip(), "platform": data.get("platform", "")}


ContentSampleFormSet = forms.formset_factory(
    ContentSampleForm, extra=0, max_num=MAX_CONTENT_SAMPLES, absolute_max=MAX_CONTENT_SAMPLES, validate_max=True
)


def content_sample_formset(data=None, *, creator: Creator) -> forms.BaseFormSet:
    """Every saved sample, then blank rows up to MAX_CONTENT_SAMPLES."""
    rows = [
        {"url": s.url, "title": s.title, "platform": s.platform}
        for s in creator.content_samples.order_by("position", "id")
    ]
    rows += [{}] * (MAX_CONTENT_SAMPLES - len(rows))
    return ContentSampleFormSet(data, prefix="samples", initial=rows)


def content_samples_of(formset: forms.BaseFormSet) -> list[dict]:
    return [sample for form in formset.forms if (sample := form.sample()) is not None]


# ---------------------------------------------------------------- rate card


# A new price this many times above (or below) the creator's own prices, or RATE_CARD_TYPICAL_FACTOR
# times the format's typical price when they have none, is shown back for a second look before it is saved.
RATE_CARD_OUTLIER_FACTOR = 5
RATE_CARD_TYPICAL_FACTOR = 10


class RateCardForm(forms.Form):
    """One price per content format. A blank field leaves that format's price as it is; "Stop offering"
    withdraws a format. A price far from the creator's own (or the format's typical) price is refused
    once with a warning beside it, and saved when the same amount is sent again (``confirm_<format>``)."""

    def __init__(self, data=None, *, lines: list[RateCardLine], typical=typical_price, **kwargs):
        super().__init__(data, **kwargs)
        self.lines = lines
        self.typical = typical
        self.confirm: dict[str, int] = {}  # format → the amount the warning beside it asks to confirm
        for line in lines:
            latest = line.pending or line.in_force
            self.fields[f"price_{line.format}"] = MoneyField(
                label=line.label,
                initial=minor_to_decimal_str(latest.amount) if latest and latest.amount is not None else "",
            )
            if _offered(line):
                self.fields[f"stop_{line.format}"] = forms.BooleanField(
                    label=_("Stop offering %(format)s") % {"format": line.label}, required=False
                )

    def clean(self):
        cleaned = super().clean()
        for line in self.lines:
            name = f"price_{line.format}"
            amount = cleaned.get(name)
            if amount is None or name in self.errors:
                continue
            if cleaned.get(f"stop_{line.format}"):
                self.add_error(name, _("Leave the price empty to stop offering this format, or untick “Stop”."))
                continue
            try:
                check_rate_card_price(amount)
            except ValidationError as exc:
                self.add_error(name, exc.message_dict["amount"])
                continue
            if amount in _latest_amounts(line):
                continue
            warning = self._outlier(line, amount)
            if warning and self.data.get(f"confirm_{line.format}") != str(amount):
                self.confirm[line.format] = amount
                self.add_error(name, warning)
        return cleaned

    def _outlier(self, line: RateCardLine, amount: int) -> str:
        own = [a for other in self.lines for a in _latest_amounts(other)]
        figures = {"price": format_money(amount, settings.CURRENCY)}
        if own:
            reference = int(statistics.median(own))
            figures["reference"] = format_money(reference, settings.CURRENCY)
            if amount >= reference * RATE_CARD_OUTLIER_FACTOR:
                return _("%(price)s is far above your other prices (around %(reference)s).") % figures + _confirm_hint()
            if amount * RATE_CARD_OUTLIER_FACTOR <= reference:
                return _("%(price)s is far below your other prices (around %(reference)s).") % figures + _confirm_hint()
            return ""
        typical = self.typical(line.format)
        if typical and amount >= typical * RATE_CARD_TYPICAL_FACTOR:
            figures["reference"] = format_money(typical, settings.CURRENCY)
            return (
                _("%(price)s is far above what creators typically ask for this format (around %(reference)s).")
                % figures
                + _confirm_hint()
            )
        return ""

    def changed_prices(self) -> dict[str, int | None]:
        """Formats whose typed price differs from the latest price set (pending or in force); None to stop."""
        prices: dict[str, int | None] = {}
        for line in self.lines:
            if self.cleaned_data.get(f"stop_{line.format}"):
                prices[line.format] = None
                continue
            amount = self.cleaned_data.get(f"price_{line.format}")
            latest = line.pending or line.in_force
            if amount is not None and (latest is None or latest.amount != amount):
                prices[line.format] = amount
        return prices

    def rows(self) -> list[dict]:
        return [
            {
                "line": line,
                "field": self[f"price_{line.format}"],
                "stop": self[f"stop_{line.format}"] if f"stop_{line.format}" in self.fields else None,
                "confirm": self.confirm.get(line.format, ""),
            }
            for line in self.lines
        ]

    def sections(self) -> list[tuple[object, list[dict]]]:
        """The rows in RATE_CARD_SECTIONS (a phone shows each row as a card: five make a form longer than the
        screen); a format in no section comes last, in a section of its own."""
        rows = self.rows()
        placed = {fmt for _legend, formats in RATE_CARD_SECTIONS for fmt in formats}
        sections = [
            (legend, [row for row in rows if row["line"].format in formats]) for legend, formats in RATE_CARD_SECTIONS
        ]
        sections.append((gettext_lazy("Other formats"), [row for row in rows if row["line"].format not in placed]))
        return [(legend, section_rows) for legend, section_rows in sections if section_rows]


# The rate card's sections, as brands compare prices: videos by length, then posts and live sessions.
RATE_CARD_SECTIONS = (
    (gettext_lazy("Videos"), (ContentFormat.SHORT_1_20, ContentFormat.SHORT_21_60, ContentFormat.VIDEO_60_PLUS)),
    (gettext_lazy("Posts and live sessions"), (ContentFormat.IMAGE_POST, ContentFormat.LIVE_SESSION)),
)


def _confirm_hint() -> str:
    return " " + _("Check it, then press “Save rate card” again to keep it.")


def _offered(line: RateCardLine) -> bool:
    """The format has a price in force or one coming: something to stop."""
    return line.in_force is not None or (line.pending is not None and line.pending.amount is not None)


def _latest_amounts(line: RateCardLine) -> list[int]:
    """The creator's own prices for a format: in force and pending."""
    return [row.amount for row in (line.in_force, line.pending) if row is not None and row.amount is not None]


# ---------------------------------------------------------------- blackouts


class BlackoutRemoveForm(forms.Form):
    blackout_id = forms.IntegerField(min_value=1, max_value=MAX_ID)


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

    q = forms.CharField(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("A name, a handle, or words from a bio, recent videos or labels, e.g. 美妆 or hiking."),
    )
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
        min_value=0, max_value=MAX_FOLLOWERS, required=False, label=gettext_lazy("Followers from")
    )
    followers_max = forms.IntegerField(
        min_value=0, max_value=MAX_FOLLOWERS, required=False, label=gettext_lazy("Followers to")
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
    min_index_conversion = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Conversion at least")
    )
    # A choice typed into the address is not echoed back (it may hold anything, a NUL byte included).
    sort = forms.ChoiceField(
        choices=list(SORTS.items()),
        required=False,
        label=gettext_lazy("Sort by"),
        error_messages={"invalid_choice": gettext_lazy("Choose an order from the list.")},
    )
    price_format = forms.ChoiceField(
        choices=[("", gettext_lazy("No price shown")), *ContentFormat.choices],
        required=False,
        label=gettext_lazy("Show the price for"),
        error_messages={"invalid_choice": gettext_lazy("Choose a format from the list.")},
    )

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
            text=data.get("q") or "",
        )


# ------------------------------------------------------------------ sign-up


class CreatorSignupForm(PasswordPairMixin, forms.Form):
    email = EmailAddressField(
        label=gettext_lazy("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=120)
    handle = forms.SlugField(
        label=gettext_lazy("Handle"),
        max_length=64,
        help_text=gettext_lazy("Letters, digits, hyphens and underscores; it appears in your profile address."),
        validators=[validate_handle_not_reserved],
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return new_account_email(self.cleaned_data["email"])

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower()
        if Creator.objects.filter(handle__iexact=handle).exists():
            raise ValidationError(_("This handle is taken."))
        return handle

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(User(email=cleaned.get("email", ""), full_name=cleaned.get("display_name", "")))
        return cleaned


class CreatorVerificationForm(forms.ModelForm):
    """The evidence a creator gives staff: their account's page on their platform, and a note."""

    evidence_url = WebLinkField(
        label=gettext_lazy("Link to your account on your platform"),
        max_length=500,
        help_text=gettext_lazy(
            "The public page of the account you named in your profile; staff check the name and the figures."
        ),
    )

    class Meta:
        model = CreatorVerification
        fields = ("evidence_url", "note")
        help_texts = {"note": gettext_lazy("Anything that helps staff check the account is yours (optional).")}
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}


# ------------------------------------------------------------- rights rates


class RightsRatesForm(forms.Form):
    """What each usage right costs per month: a percentage of the deal's fee for the work, or an amount; both
    empty includes the right at no charge. Fields ``percent_<right>`` and ``amount_<right>`` per right."""

    def __init__(self, *args, lines: Sequence[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            percent = forms.DecimalField(
                label=gettext_lazy("%% of the fee a month (%(right)s)") % {"right": line["label"]},
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal(RIGHTS_MAX_BPS) / 100,
                decimal_places=2,
                initial=Decimal(line["percent_bps"]) / 100 if line["percent_bps"] else None,
            )
            percent.widget.attrs["inputmode"] = "decimal"
            self.fields[f"percent_{line['right']}"] = percent
            self.fields[f"amount_{line['right']}"] = MoneyField(
                label=gettext_lazy("Amount a month (%(right)s)") % {"right": line["label"]},
                initial=minor_to_decimal_str(line["monthly_amount"]) if line["monthly_amount"] else None,
            )

    def rows(self) -> list[dict]:
        return [
            {"line": line, "percent": self[f"percent_{line['right']}"], "amount": self[f"amount_{line['right']}"]}
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean()
        for line in self.lines:
            right = line["right"]
            if cleaned.get(f"percent_{right}") is not None and cleaned.get(f"amount_{right}") is not None:
                self.add_error(f"amount_{right}", _("Give a percentage or an amount per month, not both."))
        return cleaned

    def rates(self) -> dict[str, tuple[int | None, int | None]]:
        """``{right: (percent_bps, monthly_amount)}`` for the service."""
        out = {}
        for line in self.lines:
            percent = self.cleaned_data.get(f"percent_{line['right']}")
            bps = int(percent * 100) if percent is not None else None
            out[line["right"]] = (bps, self.cleaned_data.get(f"amount_{line['right']}"))
        return out
