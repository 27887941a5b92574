"""Pieces of a creator card: generated initials for an avatar (or the version of an uploaded one), and an audience
mini-chart as SVG geometry.

Pure (no database); drawn by ``templates/creators/_avatar.html`` and ``_audience_mini.html``. No inline style:
the avatar's colour is one of AVATAR_COLOURS classes, the bars are SVG attributes.
"""

import unicodedata
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import template

register = template.Library()

AVATAR_COLOURS = 8  # .avatar-0 … .avatar-7 in starmap.css
MINI_WIDTH, MINI_HEIGHT, MINI_GAP = 60, 24, 2


@register.filter
def initials(name: str) -> str:
    """What an avatar without a picture shows: the first letters of the first two words ("Lisa Chen" → "LC"),
    or the first character of a name written without spaces (小美 → 小); "?" for a name with no letter."""
    words = [w for w in (name or "").split() if any(ch.isalnum() for ch in w)]
    if not words:
        return "?"
    first = [next(ch for ch in w if ch.isalnum()) for w in words[:2]]
    if unicodedata.east_asian_width(first[0]) in ("W", "F"):
        return first[0]
    return "".join(first).upper()


@register.filter
def avatar_colour(key: str) -> int:
    """A stable colour class for a handle (the same creator has the same colour on every page)."""
    return zlib.crc32((key or "").encode()) % AVATAR_COLOURS


@register.filter
def avatar_version(name: str) -> str:
    """The part of a stored picture's name that changes with each upload (its random stem), for the ``?v=`` of
    its address: a new picture is a new address, so a browser's copy of the old one is never shown."""
    return (name or "").rsplit("/", 1)[-1].split(".", 1)[0]


@register.filter
def link_host(url: str) -> str:
    """Where a link leads ("www.douyin.com"), written beside a link someone else entered."""
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


@dataclass(frozen=True)
class MiniBar:
    label: str
    share: float
    x: float
    y: float
    width: float
    height: float


@register.filter
def mini_bars(shares: dict | None, keys) -> list[MiniBar]:
    """Columns for ``keys`` (e.g. the age buckets) scaled to the largest share; [] when nothing is known."""
    keys = list(keys)
    values = [float((shares or {}).get(k) or 0.0) for k in keys]
    top = max(values, default=0.0)
    if top <= 0:
        return []
    width = (MINI_WIDTH - MINI_GAP * (len(keys) - 1)) / len(keys)
    bars = []
    for i, (key, value) in enumerate(zip(keys, values, strict=True)):
        height = round(max(value / top * MINI_HEIGHT, 1.0), 1)
        bars.append(
            MiniBar(
                key, value, round(i * (width + MINI_GAP), 1), round(MINI_HEIGHT - height, 1), round(width, 1), height
            )
        )
    return bars
