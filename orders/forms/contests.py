"""The contest pages' forms: publishing a contest (the brief and the terms), entering, results and each step."""

from __future__ import annotations

import copy

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.core import DomainError, format_money
from marketplace.core.forms import DateTimeLocalInput, MoneyField, WebLinkField
from marketplace.core.params import MAX_ID
from orders.forms.orders import OrderForm
from orders.models import Contest, ResultSnapshot
from orders.services.contests import MAX_PLACES, ContestTerms, contest_terms_pool, min_cpm
from orders.services.orders import OrderBrief
from payouts.forms import IdempotentForm

# How many prize-tier rows the form shows (a blank row is no tier).
TIER_ROWS = 5
_PLACES = forms.IntegerField(min_value=1, max_value=MAX_PLACES)
_PRIZE = MoneyField(required=True)
_COUNT = forms.IntegerField(min_value=0, max_value=10**15)


def _brief_field(name: str, **changes) -> forms.Field:
    """The order form's own field (its label, limits and picker), so the brief reads the same in both;
    ``changes`` set attributes on a copy (a contest publishes at once, so what a draft may leave open it needs)."""
    field = OrderForm.base_fields[name]
    if not changes:
        return field
    field = copy.deepcopy(field)
    for attribute, value in changes.items():
        setattr(field, attribute, value)
    return field


class ContestForm(IdempotentForm):
    """The brief as the order form asks it, and the contest's terms. Prize tiers come as parallel
    ``tier_places`` / ``tier_prize`` inputs, one pair per row; ``confirm_pool`` is the hold the brand saw on
    the review (publishing happens only when it equals the hold of the terms as sent)."""

    title = _brief_field("title")
    description = _brief_field("description")
    product_name = _brief_field("product_name")
    product_category = _brief_field("product_category", required=True)
    format = _brief_field("format")
    target_labels = _brief_field("target_labels")
    kind = forms.ChoiceField(
        label=_("Kind of contest"), choices=Contest.Kind.choices, initial=Contest.Kind.PRIZES, widget=forms.RadioSelect
    )
    ranking = forms.ChoiceField(
        label=_("Ranking rule"),
        choices=Contest.Ranking.choices,
        initial=Contest.Ranking.VIEWS,
        widget=forms.RadioSelect,
        help_text=_("CPM submissions are always counted by views on day 14."),
    )
    pick_from_top = forms.IntegerField(
        label=_("With the brand's choice: pick among the top"), min_value=1, max_value=MAX_PLACES, initial=10
    )
    tiers = forms.Field(label=_("Prize tiers"), required=False, widget=forms.MultipleHiddenInput)
    submit_until = forms.DateTimeField(label=_("Entries close"), widget=DateTimeLocalInput())
    count_day = forms.TypedChoiceField(
        label=_("Figures counted on"),
        choices=ResultSnapshot.Day.choices,
        coerce=int,
        initial=7,
        help_text=_("Days after each post went up; the counting window ends that many days after entries close."),
    )
    cpm = MoneyField(label=_("Price per 1,000 plays (CPM)"))
    creator_cap = MoneyField(label=_("Most one creator is paid"))
    total_cap = MoneyField(label=_("Total cap (held when you publish)"))
    confirm_pool = forms.IntegerField(required=False, min_value=0, max_value=10**15, widget=forms.HiddenInput)

    MAX_LABELS = OrderForm.MAX_LABELS
    _raw_label_pairs = OrderForm._raw_label_pairs
    clean_target_labels = OrderForm.clean_target_labels
    picked_labels = OrderForm.picked_labels
    picked_category = OrderForm.picked_category

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._picked_labels = None
        self.fields["cpm"].help_text = _("At least %(min)s.") % {"min": _money(min_cpm())}

    def _raw_tiers(self) -> list[tuple[str, str]]:
        places = self.data.getlist("tier_places") if hasattr(self.data, "getlist") else []
        prizes = self.data.getlist("tier_prize") if hasattr(self.data, "getlist") else []
        rows = list(zip(places, prizes + [""] * (len(places) - len(prizes)), strict=False))
        return [(p.strip(), z.strip()) for p, z in rows[: TIER_ROWS * 4]]

    def tier_rows(self) -> list[tuple[str, str]]:
        """The rows to draw: what was posted, then blank rows up to TIER_ROWS."""
        rows = [row for row in self._raw_tiers() if any(row)] if self.is_bound else [("1", "")]
        return rows + [("", "")] * max(TIER_ROWS - len(rows), 0)

    def clean_tiers(self) -> list[dict]:
        if self.cleaned_data.get("kind") == Contest.Kind.CPM:
            return []  # CPM pays by plays: the tier rows (the first comes filled in) are not read
        tiers = []
        for number, (places, prize) in enumerate(self._raw_tiers(), start=1):
            if not places and not prize:
                continue
            try:
                tiers.append({"places": _PLACES.clean(places), "prize": _PRIZE.clean(prize)})
            except ValidationError as exc:
                raise ValidationError(
                    _("Row %(row)s: %(problem)s") % {"row": number, "problem": " ".join(exc.messages)}
                ) from None
        return tiers

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["pool"] = contest_terms_pool(self.terms())
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.detail)
        return cleaned

    def terms(self) -> ContestTerms:
        data = self.cleaned_data
        return ContestTerms(
            kind=data["kind"],
            ranking=data["ranking"],
            pick_from_top=data["pick_from_top"],
            tiers=data["tiers"] if data["kind"] == Contest.Kind.PRIZES else [],
            count_day=data["count_day"],
            cpm=data["cpm"],
            creator_cap=data["creator_cap"],
            total_cap=data["total_cap"],
            submit_until=data["submit_until"],
        )

    def brief(self) -> OrderBrief:
        data = self.cleaned_data
        return OrderBrief(
            title=data["title"],
            description=data["description"],
            product_name=data["product_name"],
            product_category=data["product_category"],
            format=data["format"],
            target_labels=data["target_labels"],
        )

    def params(self) -> dict:
        """What the idempotency key is checked against: the form as sent, less the key and the review."""
        skip = {"csrfmiddlewaretoken", "idempotency_key", "confirm_pool"}
        return {name: self.data.getlist(name) for name in sorted(self.data) if name not in skip}


def _money(amount: int) -> str:
    return format_money(amount, settings.CURRENCY)


class EnterForm(forms.Form):
    post_url = WebLinkField(label=_("Web address of your published post"), max_length=500)
    published_at = forms.DateTimeField(label=_("When it went up"), widget=DateTimeLocalInput())


class ResultsForm(forms.Form):
    views = forms.IntegerField(label=_("Views"), min_value=0, max_value=10**15)
    likes = forms.IntegerField(label=_("Likes"), min_value=0, max_value=10**15, initial=0)


class ReasonForm(forms.Form):
    comment = forms.CharField(label=_("Why"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    comment = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=forms.HiddenInput)


class PickForm(forms.Form):
    """The brand's choice: a place number beside each of the top entries (``place_<entry id>``); blank is no
    place. The picks are the entries in place order."""

    comment = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), places: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in candidates:
            self.fields[f"place_{entry.pk}"] = forms.IntegerField(
                label=entry.creator.display_name, required=False, min_value=1, max_value=max(places, 1)
            )

    def clean(self):
        cleaned = super().clean()
        chosen = sorted(
            (value, int(name.removeprefix("place_")))
            for name, value in cleaned.items()
            if name.startswith("place_") and value is not None
        )
        places = [value for value, _pk in chosen]
        if len(places) != len(set(places)):
            raise ValidationError(_("Give each place to one entry only."))
        cleaned["picks"] = [pk for _value, pk in chosen]
        return cleaned


class ResolveForm(forms.Form):
    """Staff's decision on a disputed contest: the entries whose figures are disallowed, and why."""

    comment = forms.CharField(label=_("Decision and reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    excluded = forms.TypedMultipleChoiceField(
        label=_("Disallow the figures of"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["excluded"].choices = [
            (e.pk, f"{e.creator.display_name} · {e.views or 0:,}") for e in entries if 0 < e.pk <= MAX_ID
        ]
