"""The two names of a creator: Starmap's handle (the URL slug) and the account name on their platform.

Starmap's ``handle`` is one global namespace of URL slugs (letters, digits, ``-``, ``_``). The
``platform_handle`` is what the creator is called on Douyin, Instagram, …: each platform has its own
rules (Instagram and TikTok allow dots), names compare without case, and a name is unique per
platform, not across platforms. Imports take the platform handle and derive a free slug from it
when no Starmap handle is given (``derive_handles``): the one place slugs are made up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from creators.handles import is_reserved
from creators.models import Creator, Platform

SLUG_MAX_LENGTH = Creator._meta.get_field("handle").max_length


@dataclass(frozen=True)
class PlatformRule:
    pattern: str  # a regular expression for the whole name
    min_length: int
    max_length: int
    description: str  # for the error message, in the platform's own words


_DOTTED = PlatformRule(r"[a-z0-9._]+", 1, 30, gettext_noop("letters, digits, dots and underscores"))
PLATFORM_RULES: dict[str, PlatformRule] = {
    # Instagram: 1–30 characters; no dot at either end, no two dots in a row.
    Platform.INSTAGRAM: PlatformRule(
        r"(?!\.)(?!.*\.\.)[a-z0-9._]+(?<!\.)", 1, 30, gettext_noop("letters, digits, dots and underscores")
    ),
    # TikTok: 2–24 characters; no dot at the end.
    Platform.TIKTOK: PlatformRule(r"[a-z0-9._]+(?<!\.)", 2, 24, gettext_noop("letters, digits, dots and underscores")),
    # Douyin (抖音号): letters, digits, underscores and dots, at most 16.
    Platform.DOUYIN: PlatformRule(r"[a-z0-9._]+", 1, 16, gettext_noop("letters, digits, dots and underscores")),
    # Kuaishou (快手号), Xiaohongshu (小红书号), Bilibili (UID or name): account ids of letters, digits, _ and .
    Platform.KUAISHOU: _DOTTED,
    Platform.XIAOHONGSHU: _DOTTED,
    Platform.BILIBILI: _DOTTED,
    # YouTube @handles: 3–30 characters, letters, digits, underscores, hyphens and dots.
    Platform.YOUTUBE: PlatformRule(
        r"[a-z0-9._-]+", 3, 30, gettext_noop("letters, digits, dots, hyphens and underscores")
    ),
    # Twitch: 4–25 characters, letters, digits and underscores.
    Platform.TWITCH: PlatformRule(r"[a-z0-9_]+", 4, 25, gettext_noop("letters, digits and underscores")),
}
_COMPILED = {platform: re.compile(rule.pattern + r"\Z") for platform, rule in PLATFORM_RULES.items()}


def normalise_platform_handle(platform: str, raw: str) -> str:
    """The stored form of a platform name (lower case, no leading @); ValueError names the rule broken."""
    name = raw.strip().removeprefix("@").lower()
    rule = PLATFORM_RULES[platform]
    label = Platform(platform).label
    if not rule.min_length <= len(name) <= rule.max_length:
        raise ValueError(
            _("A %(platform)s handle has %(min)s to %(max)s characters.")
            % {"platform": label, "min": rule.min_length, "max": rule.max_length}
        )
    if not _COMPILED[platform].match(name):
        raise ValueError(
            _("Not a valid %(platform)s handle: use %(allowed)s.") % {"platform": label, "allowed": _(rule.description)}
        )
    return name


def slug_base(name: str) -> str:
    """A slug made from any name: ASCII letters and digits kept, dots and spaces become hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name).strip("-_")
    return slug[:SLUG_MAX_LENGTH].strip("-_") or "creator"


def derive_handles(names: Iterable[str], *, taken: Callable[[list[str]], set[str]]) -> list[str]:
    """A free Starmap handle for each name, in order: its slug, else the slug with -2, -3, …

    ``taken(candidates)`` returns those candidates already in use; it is called once per round with
    every candidate of the round (one query, never one per row), and a round usually suffices.
    Reserved words (creators.handles), handles already taken and handles given to earlier names are all skipped.
    """
    bases = [slug_base(name) for name in names]
    rows_of: dict[str, list[int]] = {}
    for i, base in enumerate(bases):
        rows_of.setdefault(base, []).append(i)
    chosen: list[str] = [""] * len(bases)
    tried = dict.fromkeys(rows_of, 0)  # suffixes tried so far per base
    used: set[str] = set()
    while rows_of:
        # Propose as many candidates per base as it still needs, plus a few spare.
        proposals = {
            base: [_with_suffix(base, n) for n in range(tried[base] + 1, tried[base] + len(rows) + 4)]
            for base, rows in rows_of.items()
        }
        in_use = taken(sorted({c for cs in proposals.values() for c in cs}))
        for base, candidates in proposals.items():
            tried[base] += len(candidates)
            # "anna-2" may be both the second "anna" and a name of its own: ``used`` keeps one owner.
            free = [c for c in candidates if c not in in_use and c not in used and not is_reserved(c)]
            rows = rows_of[base]
            for i, handle in zip(rows, free, strict=False):
                chosen[i] = handle
                used.add(handle)
            rows_of[base] = rows[len(free) :]
        rows_of = {base: rows for base, rows in rows_of.items() if rows}
    return chosen


def _with_suffix(base: str, n: int) -> str:
    if n == 1:
        return base
    tail = f"-{n}"
    return base[: SLUG_MAX_LENGTH - len(tail)] + tail


class UnknownHandle(LookupError):
    pass


class AmbiguousHandle(LookupError):
    """The name is a handle on several platforms; ``platforms`` lists them."""

    def __init__(self, name: str, platforms: list[str]):
        self.platforms = platforms
        super().__init__(f"{name!r} is a handle on {' and '.join(platforms)}")


class HandleLookup:
    """Creators by Starmap handle, else by their handle on a platform (both without case, @ optional).

    A Starmap handle wins, so a digits-only handle is a handle, never an id. Built for a batch of
    names with a few queries (imports, seed lists), then ``resolve`` answers from memory.
    """

    def __init__(self, names: Iterable[str]):
        # A name with a NUL byte is no creator's (PostgreSQL text cannot even be asked for it): it stays unknown.
        names = sorted({name for name in names if name and "\x00" not in name})
        self.by_handle: dict[str, int] = {}
        self.by_platform_handle: dict[str, dict[str, int]] = {}
        # Starmap handles compare without case (creators.handles.normalise_handle): "Ana" finds "ana".
        handles = sorted({name.strip().lower() for name in names})
        for start in range(0, len(handles), 10_000):
            chunk = handles[start : start + 10_000]
            rows = Creator.objects.annotate(key=Lower("handle")).filter(key__in=chunk).order_by("-id")
            self.by_handle.update(rows.values_list("key", "id"))  # the oldest wins a legacy case twin
        lowered = sorted({_platform_name(n) for n in names})
        for start in range(0, len(lowered), 10_000):
            rows = Creator.objects.filter(platform_handle__in=lowered[start : start + 10_000]).values_list(
                "platform_handle", "platform", "id"
            )
            for name, platform, pk in rows:
                self.by_platform_handle.setdefault(name, {})[platform] = pk

    def resolve(self, name: str, platform: str = "") -> int:
        """The creator's id; UnknownHandle or AmbiguousHandle (the same name on several platforms)."""
        handle = name.strip().lower()
        if handle in self.by_handle and not platform:
            return self.by_handle[handle]
        on = self.by_platform_handle.get(_platform_name(name), {})
        if platform:
            on = {p: pk for p, pk in on.items() if p == platform.lower()}
        if len(on) == 1:
            return next(iter(on.values()))
        if on:
            raise AmbiguousHandle(name, sorted(on))
        raise UnknownHandle(f"no creator with handle {name!r}" + (f" on {platform}" if platform else ""))


def _platform_name(name: str) -> str:
    return name.strip().removeprefix("@").lower()
