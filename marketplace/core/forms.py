"""Form fields every app's forms share."""

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from marketplace.core.models import User
from marketplace.core.money import AMOUNT_ABOVE_ZERO, parse_money


class EmailAddressField(forms.EmailField):
    """An e-mail address in the one spelling accounts are stored in (User.objects.normalize_email), normalised
    before it is validated, so a CJK keyboard's fullwidth letters are an address and not an error."""

    def to_python(self, value):
        return User.objects.normalize_email(super().to_python(value))


# The fullwidth forms of ASCII (U+FF01–U+FF5E) and the ideographic space, to their ASCII characters.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_AMOUNT_LIKE = re.compile(r"[0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+")
# The API's MinorAmountField(allow_zero=True) says the same words (one msgid, one translation).
AMOUNT_ZERO_OR_MORE = _("The amount must be zero or more.")


# The schemes of a link someone types for others to open (a post, a website, evidence): the web only, never
# ftp:, javascript:, data: or file:.
WEB_LINK_SCHEMES = ("http", "https")
validate_web_link = URLValidator(schemes=WEB_LINK_SCHEMES)


class WebLinkField(forms.URLField):
    """A web address: http or https only; "https://" is assumed when none is typed."""

    default_validators = [validate_web_link]
    default_error_messages = {"invalid": _("Enter a web address starting with https:// or http://.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class MoneyField(forms.CharField):
    """Money typed as decimal text ("1200", "1,200.50") → integer minor units, None when left blank; no float
    anywhere. The one money field of every web form (orders, rate cards, top-ups, payouts, quotes, splits): the
    amount limit is ``parse_money``'s, and the messages are the API money field's. ``allow_zero`` (one side of a
    split) takes 0 as well, like the API's ``MinorAmountField(allow_zero=True)``."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "0.00"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value):
        text = super().clean(value)  # the text, length-checked
        if text in self.empty_values:
            return None
        # A CJK keyboard types fullwidth digits, commas and points ("１，２００．５０"): the same amount. Only
        # the fullwidth forms are folded, not all of NFKC, which would also read "²", "①" or "㊿" as digits;
        # those and other scripts' digits stay refused (parse_money reads ASCII digits only).
        text = text.translate(_FULLWIDTH).strip()
        if text[:1] in ("-", "\u2212") and _AMOUNT_LIKE.fullmatch(text[1:]):
            raise ValidationError(self._below_minimum(), code="min_value")  # "-5" is an amount below zero
        if "," in text:
            # Thousands separators as people type them ("1,200.50"), but only in groups of three: "12,50" is
            # a decimal comma, which must not become 1250.
            if not _GROUPED.fullmatch(text.strip()):
                text = "not an amount"  # parse_money's own message says what to type
            text = text.replace(",", "")
        try:
            amount = parse_money(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise ValidationError(self._below_minimum(), code="min_value")
        return amount

    def _below_minimum(self) -> str:
        return AMOUNT_ZERO_OR_MORE if self.allow_zero else AMOUNT_ABOVE_ZERO


class CountedFormSet(forms.BaseFormSet):
    """A formset whose row counts must be whole numbers of at least 0. Django's management form takes any
    integer, and a count of -1 reads as no rows at all: a section saved from it would be wiped. Every
    formset of the site is made from this one (``formset_factory(..., formset=CountedFormSet)``)."""

    def clean(self):
        counts = self.management_form.cleaned_data
        if min(counts.get("TOTAL_FORMS", 0), counts.get("INITIAL_FORMS", 0)) < 0:
            raise ValidationError(
                _("The form was changed on its way here; reload the page and try again."), code="bad_count"
            )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# ------------------------------------------------------------------ sign-up (brands.forms, creators.forms)


def new_account_email(email: str) -> str:
    """The address of an account about to be made: refused when an account already has it."""
    if User.objects.filter(email=email).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    return email


class PasswordPairMixin:
    """Sign-up forms: two password fields (``password1``, ``password2``), checked against Django's
    password validators for the account about to be made."""

    def _check_passwords(self, user: User) -> None:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
            return
        if password2:
            try:
                validate_password(password2, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
