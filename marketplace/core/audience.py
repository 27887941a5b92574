"""Audience distributions: shares over age buckets, genders and regions, each summing to 1."""

from __future__ import annotations

import csv
import difflib
import gettext as gettext_module
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pycountry
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

AGE_BUCKETS = ("18-23", "24-30", "31-40", "41-50", "50+")
GENDERS = ("female", "male", "other")
GENDER_LABELS = {"female": gettext_lazy("Female"), "male": gettext_lazy("Male"), "other": gettext_lazy("Other")}
# The age buckets as charts and tables name them, short enough to sit under a column on a phone (the codes
# above are what is stored and imported; the chart's heading says "years").
AGE_LABELS = {
    "18-23": gettext_lazy("18–23"),
    "24-30": gettext_lazy("24–30"),
    "31-40": gettext_lazy("31–40"),
    "41-50": gettext_lazy("41–50"),
    "50+": gettext_lazy("50+"),
}
SUM_TOLERANCE = 0.01
REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.tsv"


REGIONS_ZH_HANS_FILE = REGIONS_FILE.with_name("regions_zh_hans.tsv")
# Taiwan, Hong Kong and Macao have a code in ISO 3166-1 and one in ISO 3166-2:CN. A deployment lists
# one form (settings.REGION_FORM_TW_HK_MO: "country" or "cn"); the other is accepted as an alias.
TW_HK_MO = {"TW": "CN-TW", "HK": "CN-HK", "MO": "CN-MO"}
REGION_FORMS = ("country", "cn")


@cache
def _all_regions() -> dict[str, str]:
    """Every code in data/regions.tsv → English name, both forms of Taiwan, Hong Kong and Macao."""
    with REGIONS_FILE.open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh, delimiter="\t")}


def region_form() -> str:
    form = getattr(settings, "REGION_FORM_TW_HK_MO", "country")
    if form not in REGION_FORMS:
        raise ImproperlyConfigured(f"REGION_FORM_TW_HK_MO must be one of {', '.join(REGION_FORMS)}, not {form!r}")
    return form


@cache
def _aliases(form: str) -> dict[str, str]:
    """The other form's code → this deployment's code."""
    return {cn: country for country, cn in TW_HK_MO.items()} if form == "country" else dict(TW_HK_MO)


@cache
def _regions(form: str) -> dict[str, str]:
    aliases = _aliases(form)
    return {code: name for code, name in _all_regions().items() if code not in aliases}


def regions() -> dict[str, str]:
    """Region code → English name: ISO 3166-1 countries and ISO 3166-2:CN provinces, each place once
    (Taiwan, Hong Kong and Macao in the deployment's form)."""
    return _regions(region_form())


def regions_within(codes) -> list[str]:
    """``codes`` and every region inside them, each once, in order: a country's provinces follow it
    (CN → CN, CN-GD, CN-SH …); a province is only itself.

    An audience in Guangdong is an audience in China: a brand that targets China counts it, while one
    that targets Guangdong does not count an audience reported only as "China". The one reading of a
    region target, for the ranking and for the ranked list's region filter."""
    known = regions()
    out: dict[str, None] = {}
    for code in codes:
        out[code] = None
        if "-" not in code:
            out.update((inner, None) for inner in known if inner.startswith(code + "-"))
    return list(out)


def countries() -> dict[str, str]:
    """The regions a brand or creator can be based in: countries, and Taiwan, Hong Kong and Macao in
    either form."""
    return {code: name for code, name in regions().items() if "-" not in code or code in TW_HK_MO.values()}


def canonical_region(code: str) -> str:
    """``code`` upper-cased, the other form of Taiwan, Hong Kong or Macao replaced by this deployment's."""
    code = code.strip().upper()
    return _aliases(region_form()).get(code, code)


def canonical_region_shares(shares):
    """An audience by region with aliased codes replaced (their shares added up); other values as given."""
    if not isinstance(shares, Mapping):
        return shares
    result: dict = {}
    for code, share in shares.items():
        key = canonical_region(code) if isinstance(code, str) else code
        if key in result:
            try:
                result[key] = float(result[key]) + float(share)
            except (TypeError, ValueError):
                result[code] = share  # validate_distribution names the bad share
            continue
        result[key] = share
    return result


@cache
def _zh_hans_names() -> dict[str, str]:
    """Chinese names from pycountry's ISO 3166 catalogues, with data/regions_zh_hans.tsv for the
    names those catalogues lack."""
    countries_zh = gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    subdivisions_zh = gettext_module.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    names = {}
    for code in _all_regions():
        if "-" in code:
            entry, catalogue = pycountry.subdivisions.get(code=code), subdivisions_zh
        else:
            entry, catalogue = pycountry.countries.get(alpha_2=code), countries_zh
        if entry is not None and catalogue.gettext(entry.name) != entry.name:
            names[code] = catalogue.gettext(entry.name)
    with REGIONS_ZH_HANS_FILE.open(encoding="utf-8") as fh:
        names.update({row["code"]: row["name_zh_hans"] for row in csv.DictReader(fh, delimiter="\t")})
    return names


def region_name(code: str) -> str:
    """The region's name in the active language; the bare code when it is unknown."""
    if (get_language() or "").lower().startswith("zh") and code in _zh_hans_names():
        return _zh_hans_names()[code]
    return _all_regions().get(code, code)


def region_names(codes=None) -> dict[str, str]:
    """Code → name in the active language, for ``codes`` or every region of the deployment."""
    return {code: region_name(code) for code in (regions() if codes is None else codes)}


def region_label(code: str) -> str:
    """ "Guangdong (CN-GD)": how a region is shown in pickers; the bare code when it is unknown."""
    name = region_name(code)
    return f"{name} ({code})" if name != code else code


@cache
def _regions_by_name(form: str) -> dict[str, str]:
    names = {name.casefold(): code for code, name in _all_regions().items()}
    names.update({name: code for code, name in _zh_hans_names().items()})
    aliases = _aliases(form)
    return {name: aliases.get(code, code) for name, code in names.items()}


def region_lookup(text: str) -> str | None:
    """The region code that ``text`` names: a code ("cn-gd"), a name ("Guangdong", "广东省") or a
    picker label ("Guangdong (CN-GD)"), case-insensitive; the other form of Taiwan, Hong Kong and
    Macao gives this deployment's code; None when it names no known region."""
    text = " ".join(text.split())
    if text.endswith(")") and "(" in text:
        text = text[text.rindex("(") + 1 : -1].strip()
    code = canonical_region(text)
    if code in regions():
        return code
    return _regions_by_name(region_form()).get(text.casefold())


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
        validate_distribution(canonical_region_shares(region), kind=_("Region"), allowed=regions()),
    )


def normalise_stored_regions(*, creators, brands, orders) -> int:
    """Rewrite the other form of Taiwan, Hong Kong and Macao to this deployment's in stored rows:
    creators' country and audience, brands' country, orders' target regions. Returns the rows
    changed. Takes the model classes (a data migration passes its historical ones)."""
    aliases = _aliases(region_form())
    changed = 0
    for creator in creators.objects.all().only("pk", "country", "audience_region").iterator():
        audience = canonical_region_shares(creator.audience_region or {})
        country = aliases.get(creator.country, creator.country)
        if audience != (creator.audience_region or {}) or country != creator.country:
            creators.objects.filter(pk=creator.pk).update(audience_region=audience, country=country)
            changed += 1
    changed += sum(brands.objects.filter(country=old).update(country=new) for old, new in aliases.items())
    for order in orders.objects.filter(target_regions__overlap=list(aliases)).only("pk", "target_regions"):
        targets = list(dict.fromkeys(aliases.get(code, code) for code in order.target_regions))
        orders.objects.filter(pk=order.pk).update(target_regions=targets)
        changed += 1
    return changed
