"""The profile page's rate card and usage-rights rates."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.selectors import RateCardLine, typical_price
from creators.services import RIGHTS_MAX_BPS, check_rate_card_price
from marketplace.core import format_money, minor_to_decimal_str
from marketplace.core.forms import MoneyField
from marketplace.core.models import ContentFormat

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
