"""Reads for the brand creator directory: filters, a sort by any index or followers, keyset pages.

Built for millions of creators. A page is ``ORDER BY <key> DESC, id DESC LIMIT n + 1`` where the key
is ``COALESCE(index_x, -1)`` (unknown indices last) or followers, and the next page starts after the
last row with a row comparison ``(<key>, id) < (…, …)``: both match an index of migration 0004, so a
page is an index scan that stops after n + 1 rows, whatever the page number. There is no total
count (counting 2M filtered rows on every page would cost more than the page); a page only knows
whether another follows.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django import forms
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.models import Creator, CreatorLabel
from marketplace.core import DomainError
from marketplace.core.models import Label
from marketplace.core.params import MAX_ID
from marketplace.core.roles import role_of

SORTS = {
    "index_reach": gettext_lazy("Reach index"),
    "index_seeding": gettext_lazy("Seeding index"),
    "index_value": gettext_lazy("Value-for-money index"),
    "index_growth": gettext_lazy("Growth index"),
    "index_conversion": gettext_lazy("Conversion index"),
    "followers": gettext_lazy("Followers"),
}
DEFAULT_SORT = "index_reach"
INDEX_FIELDS = ("index_reach", "index_seeding", "index_value", "index_growth", "index_conversion")
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 200  # the cursors encode_cursor makes are under 100 characters
# Below every real index (0–100), so unknown indices sort last; migration 0004 indexes the same expression.
NO_INDEX = -1.0
LIST_FIELDS = (
    "handle",
    "display_name",
    "platform",
    "platform_handle",
    "country",
    "verification",
    "followers",
    "median_views_30d",
    "engagement_rate",
    *INDEX_FIELDS,
    "indices_at",
    "authenticity_score",
    "audience_age",  # the card's mini-chart
    "avatar",  # the card's picture (creators/_avatar.html)
)


class InvalidCursor(DomainError):
    code = "invalid_cursor"


# The parts of a cursor: the sort key (followers, or an index where NO_INDEX stands for none) and the id.
FOLLOWERS_KEY = forms.IntegerField(min_value=0, max_value=MAX_ID)
INDEX_KEY = forms.FloatField(min_value=NO_INDEX, max_value=100)
CURSOR_ID = forms.IntegerField(min_value=1, max_value=MAX_ID)


@dataclass(frozen=True)
class DirectoryQuery:
    """What a brand asked for; every filter is optional. ``min_index`` maps index fields to minimums."""

    interest: int | None = None
    platform: str = ""
    country: str = ""
    followers_min: int | None = None
    followers_max: int | None = None
    min_index: tuple[tuple[str, float], ...] = ()
    sort: str = DEFAULT_SORT
    text: str = ""  # words of a name, handle, bio, recent content or label (see search_filter)


@dataclass(frozen=True)
class DirectoryPage:
    creators: list[Creator]
    next_cursor: str | None  # None on the last page


class RowLessThan(Func):
    """``(a, b) < (x, y)`` in SQL's row order: a btree on (a, b) answers it as one range."""

    output_field = BooleanField()

    def __init__(self, a, b, x, y):
        super().__init__(a, b, x, y)

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params.extend(p)
        return f"(({parts[0]}, {parts[1]}) < ({parts[2]}, {parts[3]}))", params


# The columns a search reads, in the order of migration 0009's index ``creator_search``: the filter below must
# write the same expression for PostgreSQL to answer it from that index.
SEARCH_COLUMNS = ("display_name", "handle", "platform_handle", "bio", "content_sample")


class SearchDocument(Func):
    """``starmap_search_vector(col || ' ' || col ...)``: a creator's searchable text as tokens (migration 0009)."""

    function = "starmap_search_vector"
    arg_joiner = " || ' ' || "
    output_field = SearchVectorField()

    def __init__(self, *columns: str):
        super().__init__(*(F(column) for column in columns))


class SearchMatches(Func):
    """``document @@ starmap_search_query(text)``: every token of the text is in the document."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        document, document_params = compiler.compile(self.source_expressions[0])
        text, text_params = compiler.compile(self.source_expressions[1])
        return f"({document} @@ starmap_search_query({text}))", [*document_params, *text_params]


def search_filter(text: str) -> Q:
    """Creators whose name, handles, bio or recent content hold every word of ``text``, or who carry a label
    whose name does, in English or in Chinese (美妆 finds Beauty). Chinese is searched by characters and pairs
    of characters (docs/finding-creators.md)."""
    words = Value(text, output_field=CharField())
    labels = Label.objects.alias(found=SearchMatches(SearchDocument("name", "name_zh_hans"), words)).filter(found=True)
    labelled = CreatorLabel.objects.filter(label__in=labels).values("creator_id")
    written = Creator.objects.alias(found=SearchMatches(SearchDocument(*SEARCH_COLUMNS), words)).filter(found=True)
    # One set of ids, not an OR of two conditions: an OR would test every creator's text row by row, while
    # each half of the union is an index lookup (the GIN index here, the label's foreign key there).
    return Q(pk__in=written.values("pk").union(labelled))


def can_browse(user) -> bool:
    role = role_of(user)
    return role is not None and (role.is_brand or role.is_staff)


def sort_key(sort: str):
    return F("followers") if sort == "followers" else Coalesce(F(sort), Value(NO_INDEX))


def directory_queryset(query: DirectoryQuery) -> QuerySet[Creator]:
    """Active creators matching every filter, best first by the chosen sort (id breaks ties)."""
    creators = Creator.objects.filter(is_active=True)
    if query.text:
        creators = creators.filter(search_filter(query.text))
    if query.interest:
        # Creators known for at least one label of the interest (any weight).
        in_interest = CreatorLabel.objects.filter(creator=OuterRef("pk"), label__interest_id=query.interest)
        creators = creators.filter(Exists(in_interest))
    if query.platform:
        creators = creators.filter(platform=query.platform)
    if query.country:
        code = query.country.upper()
        creators = creators.filter(Q(country=code) | Q(country__startswith=code + "-"))
    if query.followers_min is not None:
        creators = creators.filter(followers__gte=query.followers_min)
    if query.followers_max is not None:
        creators = creators.filter(followers__lte=query.followers_max)
    creators = creators.alias(sort_key=sort_key(query.sort))
    for field, minimum in query.min_index:
        # On the sort's own index the minimum is written on the sort key, so it bounds the index scan.
        creators = creators.filter(**{("sort_key" if field == query.sort else field) + "__gte": minimum})
    return creators.order_by(F("sort_key").desc(), F("pk").desc())


def directory_page(*, user, query: DirectoryQuery, cursor: str | None = None, size: int = PAGE_SIZE) -> DirectoryPage:
    """One page of the directory for a brand member or staff (PermissionDenied for anyone else).

    Raises InvalidCursor for a cursor that is not one this function made for the same sort.
    """
    if not can_browse(user):
        raise PermissionDenied
    creators = directory_queryset(query)
    if cursor:
        key, last_id = decode_cursor(cursor, sort=query.sort)
        creators = creators.filter(RowLessThan(sort_key(query.sort), F("pk"), Value(key), Value(last_id)))
    rows = list(creators.only(*LIST_FIELDS)[: size + 1])
    if len(rows) <= size:
        return DirectoryPage(creators=rows, next_cursor=None)
    rows = rows[:size]
    return DirectoryPage(creators=rows, next_cursor=encode_cursor(rows[-1], sort=query.sort))


def _key_of(creator: Creator, sort: str) -> float | int:
    if sort == "followers":
        return creator.followers
    value = getattr(creator, sort)
    return NO_INDEX if value is None else value


def encode_cursor(creator: Creator, *, sort: str) -> str:
    """Where the next page starts: after this creator, in this sort. Opaque to clients."""
    raw = json.dumps([sort, _key_of(creator, sort), creator.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str) -> tuple[float | int, int]:
    """The sort key and id a page starts after; InvalidCursor for anything encode_cursor did not make.

    The parts are read through form fields: a key or id of hundreds of digits (past a float, past a
    bigint) or nested a thousand deep was an OverflowError or RecursionError, a 500.
    """
    invalid = InvalidCursor(_("This page link is not valid; start from the first page."), field="cursor")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, key, last_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if made_for != sort:
            raise invalid
        # Followers are whole numbers: a float there would make PostgreSQL compare as numeric, off the index.
        key_field = FOLLOWERS_KEY if sort == "followers" else INDEX_KEY
        return key_field.clean(str(key)), CURSOR_ID.clean(str(last_id))
    except (ValueError, TypeError, binascii.Error, RecursionError, ValidationError):
        raise invalid from None
