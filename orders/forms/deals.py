"""Forms of the deal pages: they parse and check input; orders.services.deals does the writes.

Field names match the ``field`` the services put on their DomainErrors (script, video, post_url,
comment, evidence, rating, text, quote, pitch, decision, creator_amount, brand_amount), so a
refused request shows its message next to the field it is about.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.core import format_money, minor_to_decimal_str
from marketplace.core.forms import MoneyField, WebLinkField
from marketplace.core.params import IdListField
from orders.models import Dispute
from orders.negotiation import NOTE_MAX_CHARS, price_band
from orders.rights import MAX_EXTENSION_MONTHS, extension_price
from orders.services.deliverables import EVIDENCE_NOTE_MAX_CHARS, MAX_EVIDENCE_FILES, SCRIPT_MAX_CHARS
from payouts.forms import IdempotentForm

MAX_OFFERS_AT_ONCE = 50
TEXTAREA = {"rows": 3}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (evidence); cleans to a list, empty when none were chosen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": MAX_EVIDENCE_FILES})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# ------------------------------------------------------------------- brand side


def offer_price_field() -> MoneyField:
    return MoneyField(
        label=_("Your price"),
        help_text=_("Leave empty to offer the creator's rate-card price."),
    )


def offer_note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note to the creator"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What you would like, in a few lines (optional)."),
    )


class SendOffersForm(IdempotentForm):
    """The ranked list's checkboxes (``creator``, repeated), each ticked row's own price (``price_<id>``) and
    note (``note_<id>``), and the key made when the form was drawn. ``terms`` maps each creator to
    (price or None, note); ``refused`` maps a creator whose row is wrong to what is wrong with it."""

    def clean(self):
        cleaned = super().clean()
        raw = self.data.getlist("creator") if hasattr(self.data, "getlist") else []
        if not raw:
            raise forms.ValidationError(_("Tick at least one creator."))
        try:
            cleaned["creators"] = IdListField(max_items=MAX_OFFERS_AT_ONCE).clean(raw)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Choose up to %(n)s creators from the list.") % {"n": MAX_OFFERS_AT_ONCE}
            ) from None
        cleaned["terms"], cleaned["refused"] = {}, {}
        price_field, note_field = offer_price_field(), offer_note_field()
        for creator_id in cleaned["creators"]:
            try:
                price = price_field.clean(self.data.get(f"price_{creator_id}", ""))
                note = note_field.clean(self.data.get(f"note_{creator_id}", ""))
            except forms.ValidationError as exc:
                cleaned["refused"][creator_id] = " ".join(exc.messages)
                continue
            cleaned["terms"][creator_id] = (price, note)
        return cleaned


class OfferForm(IdempotentForm):
    """One offer from a creator's profile: which of the brand's published orders, the price and a note."""

    order = forms.TypedChoiceField(label=_("Order"), coerce=int)
    price = offer_price_field()
    note = offer_note_field()

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [("", _("Choose an order")), *choices]


# ----------------------------------------------------------------- creator side


class ApplyForm(forms.Form):
    quote = MoneyField(label=_("Your quote"), required=True)
    pitch = forms.CharField(
        label=_("Pitch"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Why you fit this brief, in a few lines."),
    )

    def __init__(self, *args, listed: int | None = None, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if listed:
            self.initial.setdefault("quote", minor_to_decimal_str(listed))
            low, high = price_band(listed)
            self.fields["quote"].help_text = _("Listed at %(listed)s; quote between %(low)s and %(high)s.") % {
                "listed": format_money(listed, currency),
                "low": format_money(low, currency),
                "high": format_money(high, currency),
            }


# ------------------------------------------------------------- collaboration page


class CounterForm(forms.Form):
    """The creator's one counter to an offer: a price within ±20 % of the offered one, and a note."""

    price = MoneyField(label=_("Your price"), required=True)
    note = forms.CharField(
        label=_("Note to the brand"), required=False, max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, collaboration=None, **kwargs):
        super().__init__(*args, **kwargs)
        if collaboration is not None:
            low, high = price_band(collaboration.agreed_price)
            currency = collaboration.currency
            self.fields["price"].help_text = _(
                "Offered at %(offered)s; counter between %(low)s and %(high)s. You can counter once."
            ) % {
                "offered": format_money(collaboration.agreed_price, currency),
                "low": format_money(low, currency),
                "high": format_money(high, currency),
            }


class RequoteForm(CounterForm):
    """The creator's one re-quote of a deposit deal: a price within ±20 % of the price, within 24 hours."""

    def __init__(self, *args, collaboration=None, **kwargs):
        super().__init__(*args, **kwargs)
        if collaboration is not None:
            low, high = price_band(collaboration.agreed_price)
            currency = collaboration.currency
            self.fields["price"].help_text = _(
                "The price is %(price)s; re-quote between %(low)s and %(high)s, once, within 24 hours of accepting."
            ) % {
                "price": format_money(collaboration.agreed_price, currency),
                "low": format_money(low, currency),
                "high": format_money(high, currency),
            }


class ExtendRightsForm(forms.Form):
    """The brand pays for more months of the deal's usage rights. ``rights_until`` is the end date the page
    showed: a second payment for the same end date (a second click, another tab) is refused."""

    months = forms.TypedChoiceField(label=_("Extend by"), coerce=int, choices=())
    rights_until = forms.DateTimeField(widget=forms.HiddenInput)

    def __init__(self, *args, collaboration=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels in the viewer's language, so built per form (a class-level list would keep the first one's).
        self.fields["months"].choices = [
            (n, ngettext("%(n)s month", "%(n)s months", n) % {"n": n}) for n in range(1, MAX_EXTENSION_MONTHS + 1)
        ]
        if collaboration is not None and collaboration.rights_terms and collaboration.rights_until:
            self.fields["rights_until"].initial = collaboration.rights_until.isoformat()
            self.fields["months"].help_text = _("Each month costs %(price)s, paid to the creator at once.") % {
                "price": format_money(extension_price(collaboration, months=1), collaboration.currency)
            }


class CommentForm(forms.Form):
    """An optional note with a step (approve, accept, cancel...)."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )


class RequiredCommentForm(forms.Form):
    """Steps that must say why (reject a script, ask for a revision)."""

    comment = forms.CharField(label=_("What should change?"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA))


class ScriptForm(forms.Form):
    script = forms.CharField(label=_("Script"), max_length=SCRIPT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8}))


class VideoForm(forms.Form):
    video = forms.FileField(label=_("Video file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["video"].help_text = _("MP4, MOV or WebM, up to %(mb)s MB.") % {"mb": settings.UPLOAD_VIDEO_MAX_MB}
        self.fields["video"].widget.attrs["accept"] = "video/mp4,video/quicktime,video/webm"


class PublishForm(forms.Form):
    post_url = WebLinkField(label=_("Web address of the published post"), max_length=500)


def evidence_field() -> MultipleFileField:
    """The evidence files of a dispute, opened or added to: the same types and limits either way."""
    return MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Up to %(n)s files: screenshots (PNG, JPEG, GIF, WebP), PDF or video; %(mb)s MB each.")
        % {"n": MAX_EVIDENCE_FILES, "mb": settings.UPLOAD_EVIDENCE_MAX_MB},
    )


class DisputeForm(forms.Form):
    comment = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"] = evidence_field()


class EvidenceForm(forms.Form):
    """More evidence for an open dispute, from either party: a note, files, or both (the service refuses neither)."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=EVIDENCE_NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What the files show, or what the admin should know (optional with files)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"] = evidence_field()


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA))


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXTAREA)
    )


# ------------------------------------------------------------------------ admin


class DecisionForm(forms.Form):
    """An admin's decision on a dispute; a split's two amounts must add up to the escrow."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Dispute.Decision.choices, widget=forms.RadioSelect)
    # Zero is one side of a split that gives everything to the other.
    creator_amount = MoneyField(label=_("To the creator"), allow_zero=True)
    brand_amount = MoneyField(label=_("Back to the brand"), allow_zero=True)
    comment = forms.CharField(
        label=_("Written reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Both sides read this."),
    )

    def __init__(self, *args, escrow: int, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.escrow, self.currency = escrow, currency
        note = _("For a split; the two parts must add up to %(amount)s.") % {"amount": format_money(escrow, currency)}
        self.fields["creator_amount"].help_text = note

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") != Dispute.Decision.SPLIT:
            return cleaned
        amounts = {}
        for name in ("creator_amount", "brand_amount"):
            if name in self.errors:  # not an amount: MoneyField said why
                continue
            if cleaned.get(name) is None:
                self.add_error(name, _("Give the amount for a split."))
                continue
            amounts[name] = cleaned[name]
        if len(amounts) == 2 and sum(amounts.values()) != self.escrow:
            self.add_error(
                "brand_amount",
                _("The two parts add up to %(sum)s, not the %(escrow)s in escrow.")
                % {
                    "sum": format_money(sum(amounts.values()), self.currency),
                    "escrow": format_money(self.escrow, self.currency),
                },
            )
        return cleaned

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {"decision": data["decision"]}
        if data["decision"] == Dispute.Decision.SPLIT:
            payload.update(creator_amount=data["creator_amount"], brand_amount=data["brand_amount"])
        return payload


# Which form each step of the collaboration page takes; every other step takes CommentForm.
ACTION_FORMS: dict[str, type[forms.Form]] = {
    "counter": CounterForm,
    "requote": RequoteForm,
    "extend_rights": ExtendRightsForm,
    "submit_script": ScriptForm,
    "submit_video": VideoForm,
    "publish": PublishForm,
    "reject_script": RequiredCommentForm,
    "request_revision": RequiredCommentForm,
    "open_dispute": DisputeForm,
    "report_down": DisputeForm,
    "dispute_plays": DisputeForm,
    "add_evidence": EvidenceForm,
    "comment": MessageForm,
    "rate": RatingForm,
}


def action_form(action: str, data=None, files=None, *, collaboration=None) -> forms.Form:
    form_class = ACTION_FORMS.get(action, CommentForm)
    extra = {"collaboration": collaboration} if issubclass(form_class, (CounterForm, ExtendRightsForm)) else {}
    return form_class(data, files, auto_id=f"id_{action}_%s", **extra)
