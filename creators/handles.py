"""Which creator handles are reserved, decided in one place for every way a handle is chosen.

A handle becomes part of addresses (``/creator/<handle>/``, ``/deals/offer/<handle>/``,
``/api/v1/creators/<handle>/``). A handle equal to a fixed path at the same place would be shadowed
by that page (``/creator/profile/`` is the profile editor), so it is refused: at sign-up, by the
model's validator (staff edits in the admin), and in CSV imports and bulk writes. Every word the
site's own addresses use is reserved — read from the URL conf, so a route added later is reserved
without anyone remembering to, wherever a handle may stand then — plus a fixed list of names that
would pass for the platform (admin, support, staff …). Handles are compared in lower case, and a handle is
stored in lower case (``normalise_handle``): the sign-up form lowercases it, so every other way in does too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from django.core.exceptions import ValidationError
from django.urls import URLResolver, get_resolver
from django.utils.translation import gettext_lazy as _

# Names no creator may take even though no page uses them (yet): they would pass for the platform.
FIXED_RESERVED = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "assets",
        "billing",
        "blog",
        "brand",
        "brands",
        "contact",
        "creator",
        "creators",
        "dashboard",
        "docs",
        "edit",
        "help",
        "home",
        "legal",
        "login",
        "logout",
        "me",
        "media",
        "new",
        "null",
        "official",
        "privacy",
        "root",
        "search",
        "security",
        "settings",
        "signup",
        "starmap",
        "static",
        "staff",
        "support",
        "system",
        "terms",
        "undefined",
        "www",
    }
)
_LITERAL = re.compile(r"[\w.-]+\Z")
HANDLE_MAX_LENGTH = 64  # Creator.handle's max_length
# A slug (what the sign-up form's SlugField takes) with at least one letter or digit: "-" alone is no address.
_HANDLE = re.compile(r"[-a-zA-Z0-9_]*[a-zA-Z0-9][-a-zA-Z0-9_]*\Z")


def _route_text(pattern) -> str:
    return str(pattern).removeprefix("^").removesuffix("$").removeprefix("\\A").removesuffix("\\Z")


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        route = prefix + _route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        else:
            yield route


@cache
def reserved_handles() -> frozenset[str]:
    """Every literal segment of every path of the URL conf, and FIXED_RESERVED (lower case; computed
    once per process)."""
    segments = {s.lower() for route in _routes(get_resolver()) for s in route.split("/") if _LITERAL.match(s)}
    return frozenset(segments | FIXED_RESERVED)


def is_reserved(handle: str) -> bool:
    return handle.strip().lower() in reserved_handles()


def validate_handle_not_reserved(handle: str) -> None:
    """The model field's validator (and the check of every way a handle is chosen)."""
    if is_reserved(handle):
        raise ValidationError(
            _("“%(handle)s” is reserved for the site's own pages and names; choose another handle."),
            code="reserved",
            params={"handle": handle},
        )


def normalise_handle(raw: str) -> str:
    """The stored form of a Starmap handle as typed anywhere (sign-up, import): surrounding spaces dropped, lower
    case, letters, digits, ``-`` and ``_`` with at least one letter or digit, at most HANDLE_MAX_LENGTH, not
    reserved. Two handles that differ only in case are the same handle. ValidationError says what is wrong."""
    handle = raw.strip()
    if not _HANDLE.match(handle):
        raise ValidationError(
            _("Use only letters, digits, hyphens and underscores, with at least one letter or digit."), code="invalid"
        )
    if len(handle) > HANDLE_MAX_LENGTH:
        raise ValidationError(_("At most %(max)s characters."), code="max_length", params={"max": HANDLE_MAX_LENGTH})
    validate_handle_not_reserved(handle)
    return handle.lower()
