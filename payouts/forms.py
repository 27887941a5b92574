"""Money forms: amounts typed as decimal text, parsed to integer minor units; one idempotency key per rendered form.

Every form that moves money carries a hidden ``idempotency_key`` (a uuid4) made when the form is rendered,
so submitting the same form twice — a double click, a retried POST — is one request to the services.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.core import DomainError, currency_label, format_money
from marketplace.core.forms import MoneyField


class AmountField(MoneyField):
    """The one money field, required and labelled "Amount": it reads what MoneyField reads ("1,200.50", a CJK
    keyboard's fullwidth "１２００"), and nothing else."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        kwargs.setdefault("label", _("Amount"))
        super().__init__(**kwargs)


class IdempotentForm(forms.Form):
    """A form whose submissions are deduplicated by the key it was rendered with."""

    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired. Please submit it again."),
            "invalid": _("This form has expired. Please submit it again."),
        },
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    @property
    def key(self) -> str:
        return str(self.cleaned_data["idempotency_key"])

    def renew_key(self) -> None:
        """Give a bound form a fresh key (after the old one was refused), keeping what was typed."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("idempotency_key")] = str(uuid.uuid4())

    def add_domain_error(self, exc: DomainError) -> None:
        """Show a service's refusal next to the field it names, else above the form."""
        field = exc.field if exc.field in self.fields and exc.field != "idempotency_key" else None
        self.add_error(field, exc.detail)


def amount_label(currency: str) -> str:
    return _("Amount (%(currency)s)") % {"currency": currency_label(currency)}


class TopUpForm(IdempotentForm):
    amount = AmountField(help_text=_("For example 5000 or 5000.50."))

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = amount_label(currency)


class PayoutRequestForm(IdempotentForm):
    amount = AmountField()

    def __init__(self, *args, available: int, minimum: int, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.available, self.minimum, self.currency = available, minimum, currency
        self.fields["amount"].label = amount_label(currency)
        self.fields["amount"].help_text = _("At least %(minimum)s; at most your available %(available)s.") % {
            "minimum": format_money(minimum, currency),
            "available": format_money(available, currency),
        }

    def clean_amount(self) -> int:
        # More than the balance is refused by payout_request under the account's lock (InsufficientFunds), not
        # here: a form sent twice must reach the service, which replays the first payout.
        amount = self.cleaned_data["amount"]
        if amount < self.minimum:
            raise ValidationError(
                _("The smallest payout is %(minimum)s.") % {"minimum": format_money(self.minimum, self.currency)}
            )
        return amount


class ReferenceForm(IdempotentForm):
    """Admin: the bank transfer's reference (confirming a top-up, marking a payout sent)."""

    reference = forms.CharField(label=_("Bank reference"), max_length=128)


class ReasonForm(IdempotentForm):
    """Admin: why a top-up or payout failed."""

    reason = forms.CharField(label=_("Reason"), max_length=255)
