"""Number filters for templates: ``{{ share|percent }}`` turns a fraction into "42.5 %"."""

from django import template
from django.utils.formats import number_format

from marketplace.core import scores

register = template.Library()


@register.filter
def percent(share: float | None, digits: int = 1) -> str:
    """A fraction in [0, 1] as a localised percentage; "—" when unknown."""
    if share in (None, ""):
        return "—"
    return f"{number_format(float(share) * 100, decimal_pos=int(digits))} %"


@register.filter
def bps_percent(bps: int | None) -> str:
    """Basis points as the percent people read, with only the decimals it has ("15 %", "12.5 %", "12.34 %"),
    the sign kept to its number (a no-break space); "—" when unknown."""
    if bps in (None, ""):
        return "—"
    rest = int(bps) % 100
    decimals = 0 if rest == 0 else (1 if rest % 10 == 0 else 2)
    return f"{number_format(int(bps) / 100, decimal_pos=decimals)}\u00a0%"


@register.filter
def grouped(n: int) -> str:
    """A whole number with its thousands grouped the viewer's way ("18,851")."""
    return number_format(n, force_grouping=True)


@register.filter
def match_score(score: float | None) -> str:
    """A stored match score (0–1) as the 0–100 people see everywhere ("63 / 100"); "—" when there is none."""
    if score in (None, ""):
        return "—"
    return f"{scores.match_score(score)} / 100"
