"""The order brief's form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from marketplace.core import minor_to_decimal_str
from marketplace.core.audience import AGE_BUCKETS, GENDER_LABELS, GENDERS, region_names
from marketplace.core.forms import DateInput, DateTimeLocalInput, MoneyField
from marketplace.core.models import ContentFormat, Label, ProductCategory
from marketplace.core.params import MAX_ID
from orders.models import Order
from orders.services.orders import OrderBrief, order_brief_problems


def _order_label(name: str):
    return capfirst(Order._meta.get_field(name).verbose_name)


def _region_choices() -> list[tuple[str, str]]:
    return sorted(((code, f"{name} ({code})") for code, name in region_names().items()), key=lambda c: c[1])


class OrderForm(forms.Form):
    """The whole brief. Target labels come from the htmx picker as parallel ``target_label`` /
    ``target_label_weight`` inputs; the product category as the picker's hidden ``product_category``.
    """

    title = forms.CharField(label=_order_label("title"), max_length=200)
    description = forms.CharField(label=_order_label("description"), required=False, widget=forms.Textarea)
    product_name = forms.CharField(label=_order_label("product_name"), max_length=200)
    product_category = forms.ModelChoiceField(
        label=_order_label("product_category"),
        queryset=ProductCategory.objects.all(),
        widget=forms.HiddenInput,
        required=False,  # a draft may leave it open; publishing asks for it (orders.services.orders)
    )
    goal = forms.ChoiceField(
        label=_order_label("goal"), choices=Order.Goal.choices, initial=Order.Goal.AWARENESS, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(
        label=_order_label("mode"), choices=Order.Mode.choices, initial=Order.Mode.DIRECT, widget=forms.RadioSelect
    )
    format = forms.ChoiceField(label=_order_label("format"), choices=ContentFormat.choices)
    target_labels = forms.Field(label=_order_label("target_labels"), required=False, widget=forms.MultipleHiddenInput)
    target_age = forms.MultipleChoiceField(
        label=_order_label("target_age"),
        required=False,
        choices=[(b, b) for b in AGE_BUCKETS],
        widget=forms.CheckboxSelectMultiple,
    )
    target_gender = forms.MultipleChoiceField(
        label=_order_label("target_gender"),
        required=False,
        choices=[(g, GENDER_LABELS.get(g, g)) for g in GENDERS],
        widget=forms.CheckboxSelectMultiple,
    )
    target_regions = forms.MultipleChoiceField(
        label=_order_label("target_regions"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    min_region_share_percent = forms.IntegerField(
        label=_("Minimum audience share in the target regions (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("Creators whose audience in the target regions is below this share are not eligible."),
    )
    price_per_creator = MoneyField(label=_("Price per creator"))
    total_budget = MoneyField(label=_("Total budget"))
    price_tolerance_percent = forms.IntegerField(
        label=_("Price tolerance (%)"),
        min_value=0,
        max_value=100,
        initial=10,
        help_text=_("Creators priced up to this much above the per-creator budget stay eligible."),
    )
    creators_wanted = forms.IntegerField(
        label=_order_label("creators_wanted"), min_value=1, max_value=10_000, initial=1
    )
    pricing = forms.ChoiceField(
        label=_order_label("pricing"),
        choices=Order.Pricing.choices,
        initial=Order.Pricing.FIXED,
        help_text=_(
            "Pay per play: a base plus a price per 10,000 plays of the first 14 days, at most the price per "
            "creator (held when the offer is sent). With deposit: a tenth of the price reserves the creator, "
            "the balance is due within 7 days of acceptance (direct offers)."
        ),
    )
    play_base = MoneyField(label=_("Base price (pay per play)"), help_text=_("Leave empty for no base."))
    play_rate = MoneyField(label=_("Price per 10,000 plays (pay per play)"))
    apply_by = forms.DateTimeField(label=_order_label("apply_by"), required=False, widget=DateTimeLocalInput())
    script_by = forms.DateTimeField(label=_order_label("script_by"), required=False, widget=DateTimeLocalInput())
    publish_from = forms.DateField(label=_order_label("publish_from"), required=False, widget=DateInput())
    publish_until = forms.DateField(label=_order_label("publish_until"), required=False, widget=DateInput())
    usage_channels = forms.MultipleChoiceField(
        label=_order_label("usage_channels"),
        required=False,
        choices=Order.UsageChannel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    usage_days = forms.IntegerField(label=_order_label("usage_days"), min_value=0, max_value=3650, initial=90)
    paid_ads_authorised = forms.BooleanField(label=_order_label("paid_ads_authorised"), required=False)
    script_rejection_limit = forms.IntegerField(
        label=_order_label("script_rejection_limit"), min_value=0, max_value=10, initial=3
    )
    video_revision_limit = forms.IntegerField(
        label=_order_label("video_revision_limit"), min_value=0, max_value=10, initial=2
    )

    MAX_LABELS = 30

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_regions"].choices = _region_choices()
        self._picked_labels: list[tuple[Label, float]] | None = None

    @classmethod
    def initial_for(cls, order: Order) -> dict:
        """Form values for an existing order (money back to decimal text)."""
        initial = {name: getattr(order, name) for name in cls.base_fields if hasattr(order, name)}
        initial.update(
            product_category=order.product_category_id,
            price_per_creator=minor_to_decimal_str(order.price_per_creator) if order.price_per_creator else "",
            total_budget=minor_to_decimal_str(order.total_budget) if order.total_budget else "",
            play_base=minor_to_decimal_str(order.play_base) if order.play_base else "",
            play_rate=minor_to_decimal_str(order.play_rate) if order.play_rate else "",
            min_region_share_percent=round(order.min_region_share * 100),
            price_tolerance_percent=order.price_tolerance_bps // 100,
            target_labels=[(link.label, link.weight) for link in order.target_label_links.select_related("label")],
        )
        return initial

    @classmethod
    def data_for(cls, order: Order) -> QueryDict:
        """The order as this form posts it: a bound form of a saved draft, to show its problems beside
        the fields (publishing checks the brief as saved)."""
        form = cls(initial=cls.initial_for(order))
        data = QueryDict(mutable=True)
        for name in form.fields:
            if name == "target_labels":
                continue
            value, widget = form[name].value(), form.fields[name].widget
            if isinstance(value, list | tuple):
                data.setlist(name, [str(v) for v in value])
            elif isinstance(widget, forms.widgets.ChoiceWidget):
                data[name] = "" if value is None else str(value)
            elif isinstance(value, bool):
                data.setlist(name, ["on"] if value else [])
            else:
                data[name] = "" if value is None else str(widget.format_value(value) or "")
        for label, weight in form.initial["target_labels"]:
            data.appendlist("target_label", str(label.pk))
            data.appendlist("target_label_weight", str(weight))
        return data

    # The picker posts ids and weights side by side, one pair per chosen label.
    def _raw_label_pairs(self) -> list[tuple[str, str]]:
        ids = self.data.getlist("target_label") if hasattr(self.data, "getlist") else []
        weights = self.data.getlist("target_label_weight") if hasattr(self.data, "getlist") else []
        return list(zip(ids, weights + [""] * (len(ids) - len(weights)), strict=False))

    def clean_target_labels(self) -> dict[int, float]:
        chosen: dict[int, float] = {}
        for raw_id, raw_weight in self._raw_label_pairs():
            try:
                label_id, weight = _LABEL_ID.clean(raw_id), _LABEL_WEIGHT.clean(raw_weight or "1")
            except ValidationError:
                raise ValidationError(_("Give each label a weight between 0.01 and 1.")) from None
            if not 0 < weight <= 1:
                raise ValidationError(_("Give each label a weight between 0.01 and 1."))
            chosen[label_id] = weight
        if len(chosen) > self.MAX_LABELS:
            raise ValidationError(_("Choose at most %(n)d labels.") % {"n": self.MAX_LABELS})
        if Label.objects.filter(pk__in=chosen).count() != len(chosen):
            raise ValidationError(_("Some of the chosen labels do not exist."))
        return chosen

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pricing") == Order.Pricing.PER_PLAY and cleaned.get("play_base") is None:
            cleaned["play_base"] = 0  # an empty base is none: the plays alone pay
        problems = order_brief_problems(_BriefView(cleaned), label_count=0, complete=False)
        no_money = not cleaned.get("price_per_creator") and not cleaned.get("total_budget")
        if no_money and "price_per_creator" not in self.errors and "total_budget" not in self.errors:
            problems.setdefault("price_per_creator", []).append(_("Give a price per creator or a total budget."))
        for name, messages in problems.items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def to_brief(self) -> OrderBrief:
        data = self.cleaned_data
        return OrderBrief(
            title=data["title"],
            description=data["description"],
            product_name=data["product_name"],
            product_category=data["product_category"],
            goal=data["goal"],
            mode=data["mode"],
            format=data["format"],
            target_labels=data["target_labels"],
            target_age=data["target_age"],
            target_gender=data["target_gender"],
            target_regions=data["target_regions"],
            min_region_share=data["min_region_share_percent"] / 100,
            price_per_creator=data["price_per_creator"],
            total_budget=data["total_budget"],
            price_tolerance_bps=data["price_tolerance_percent"] * 100,
            creators_wanted=data["creators_wanted"],
            apply_by=data["apply_by"],
            script_by=data["script_by"],
            publish_from=data["publish_from"],
            publish_until=data["publish_until"],
            usage_channels=data["usage_channels"],
            usage_days=data["usage_days"],
            paid_ads_authorised=data["paid_ads_authorised"],
            script_rejection_limit=data["script_rejection_limit"],
            video_revision_limit=data["video_revision_limit"],
            pricing=data["pricing"],
            play_base=data["play_base"] if data["pricing"] == Order.Pricing.PER_PLAY else None,
            play_rate=data["play_rate"] if data["pricing"] == Order.Pricing.PER_PLAY else None,
        )

    # ------------------------------------------------------- for the template

    def picked_labels(self) -> list[tuple[Label, float]]:
        """The labels to show in the picker: what was posted, else the order's own."""
        if self._picked_labels is None:
            if self.is_bound:
                pairs = []
                for raw_id, raw_weight in self._raw_label_pairs():
                    try:
                        pairs.append((_LABEL_ID.clean(raw_id), _LABEL_WEIGHT.clean(raw_weight or "1")))
                    except ValidationError:
                        continue
                labels = Label.objects.in_bulk([label_id for label_id, _w in pairs])
                self._picked_labels = [(labels[i], w) for i, w in pairs if i in labels]
            else:
                self._picked_labels = list(self.initial.get("target_labels", []))
        return self._picked_labels

    def picked_category(self) -> ProductCategory | None:
        value = self.data.get("product_category") if self.is_bound else self.initial.get("product_category")
        if isinstance(value, ProductCategory):
            return value
        try:
            return ProductCategory.objects.filter(pk=_CATEGORY_ID.clean(value)).first() if value else None
        except ValidationError:
            return None


# The label picker's rows (``target_label`` ids beside ``target_label_weight``s) and the chosen category,
# read through form fields as every parameter is.
_LABEL_ID = forms.IntegerField(min_value=1, max_value=MAX_ID)
_LABEL_WEIGHT = forms.FloatField()
_CATEGORY_ID = forms.IntegerField(min_value=1, max_value=MAX_ID)


class _BriefView:
    """Attribute access over cleaned data, so the form can run the services' brief checks."""

    def __init__(self, data: dict):
        self._data = data

    def __getattr__(self, name: str):
        if name == "creators_wanted":
            return self._data.get(name) or 1
        return self._data.get(name)
