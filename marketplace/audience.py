"""Audience distributions: shares over age buckets, genders and regions, each summing to 1."""

from __future__ import annotations

import csv
import difflib
import math
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

AGE_BUCKETS = ("18-23", "24-30", "31-40", "41-50", "50+")
GENDERS = ("female", "male", "other")
SUM_TOLERANCE = 0.01
REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.tsv"


@cache
def regions() -> dict[str, str]:
    """Region code → English name: ISO 3166-1 countries and ISO 3166-2:CN provinces."""
    with REGIONS_FILE.open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh, delimiter="\t")}


def region_label(code: str) -> str:
    """ "Guangdong (CN-GD)": how a region is shown in pickers; the bare code when it is unknown."""
    name = regions().get(code)
    return f"{name} ({code})" if name else code


@cache
def _regions_by_name() -> dict[str, str]:
    return {name.casefold(): code for code, name in regions().items()}


def region_lookup(text: str) -> str | None:
    """The region code that ``text`` names: a code ("cn-gd"), a name ("Guangdong") or a picker label
    ("Guangdong (CN-GD)"), case-insensitive; None when it names no known region."""
    text = " ".join(text.split())
    if text.endswith(")") and "(" in text:
        text = text[text.rindex("(") + 1 : -1].strip()
    if text.upper() in regions():
        return text.upper()
    return _regions_by_name().get(text.casefold())


LISTED_CHOICES = 12  # up to this many valid values, an error lists them all; beyond, it suggests the closest


def code_hint(value: str, allowed) -> str:
    """What to write instead of an unknown code, for an error message: every valid value when there are
    few ("use one of 18-23, 24-30, …"), else the closest codes by spelling and by name ("did you mean DE
    (Germany)?"). ``allowed``: a collection of codes, or a dict of code → name (regions())."""
    codes = list(allowed)
    if len(codes) <= LISTED_CHOICES:
        return _("use one of %(allowed)s.") % {"allowed": ", ".join(codes)}
    names = allowed if isinstance(allowed, dict) else {}
    wanted = value.strip().upper()
    close = difflib.get_close_matches(wanted, codes, n=3, cutoff=0.5)
    by_name = [code for code, name in names.items() if name.upper() == wanted or name.upper().startswith(wanted)]
    by_name += difflib.get_close_matches(wanted, [n.upper() for n in names.values()], n=2, cutoff=0.75)
    upper_to_code = {name.upper(): code for code, name in names.items()}
    suggestions = list(dict.fromkeys([upper_to_code.get(c, c) for c in by_name] + close))[:3]
    if not suggestions:
        return _("see data/regions.tsv for the valid codes.")
    shown = ", ".join(f"{code} ({names[code]})" if code in names else code for code in suggestions)
    return _("did you mean %(codes)s?") % {"codes": shown}


def validate_distribution(shares: object, *, kind: str, allowed: tuple[str, ...] | dict | None = None) -> dict:
    """Return ``shares`` as ``{key: float}`` or raise ValidationError naming the problem.

    Every share is within [0, 1], keys are from ``allowed`` and the shares sum to 1 within
    ±SUM_TOLERANCE. An empty dict is valid and means "unknown".
    """
    if shares in (None, ""):
        return {}
    if not isinstance(shares, dict):
        raise ValidationError(_("%(kind)s audience must be a mapping of bucket to share.") % {"kind": kind})
    if not shares:
        return {}
    clean: dict[str, float] = {}
    for key, value in shares.items():
        if allowed is not None and key not in allowed:
            raise ValidationError(
                _("%(kind)s audience: unknown bucket %(key)r; %(hint)s")
                % {"kind": kind, "key": key, "hint": code_hint(str(key), allowed)}
            )
        try:
            share = float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(kind)s audience: share for %(key)s is not a number.") % {"kind": kind, "key": key}
            ) from None
        if not math.isfinite(share) or share < 0 or share > 1:
            raise ValidationError(
                _("%(kind)s audience: share for %(key)s must be between 0 and 1.") % {"kind": kind, "key": key}
            )
        clean[key] = share
    total = sum(clean.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValidationError(
            _("%(kind)s audience shares must sum to 1 (±%(tol)s); they sum to %(total).3f.")
            % {"kind": kind, "tol": SUM_TOLERANCE, "total": total}
        )
    return clean


def validate_audience(*, age: object, gender: object, region: object) -> tuple[dict, dict, dict]:
    return (
        validate_distribution(age, kind=_("Age"), allowed=AGE_BUCKETS),
        validate_distribution(gender, kind=_("Gender"), allowed=GENDERS),
        validate_distribution(region, kind=_("Region"), allowed=regions()),
    )
