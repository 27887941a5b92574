"""The creator's profile page, one form per section (each parsed here and saved by a service): basics,
capacity, labels, the media kit (picture and content samples) and blackout dates."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.avatars import AVATAR_MIN_SIDE
from creators.models import (
    MAX_CONTENT_SAMPLES,
    ContentSample,
    Creator,
    CreatorLabel,
    Platform,
)
from creators.selectors import labels_by_id
from creators.services import MAX_LABELS
from marketplace.core.audience import region_label, region_lookup
from marketplace.core.forms import CountedFormSet, WebLinkField
from marketplace.core.models import Label
from marketplace.core.params import MAX_ID, IdListField, SearchForm

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
    ContentSampleForm,
    formset=CountedFormSet,
    extra=0,
    max_num=MAX_CONTENT_SAMPLES,
    absolute_max=MAX_CONTENT_SAMPLES,
    validate_max=True,
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
