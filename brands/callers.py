"""Who is calling: the user behind an API token or a session, with their brand seat, in one query.

Every API request and every page starts with this read, so its SQL is written out once per process
from the models' own column lists instead of being compiled by the ORM on each call: compiling
``select_related("user__brand_membership__brand")`` took about 1.5 ms here against 0.8 ms for running
it. The result is what that ``select_related`` gives: the user with ``user.brand_membership`` (and
its ``brand``) cached — ``None`` cached when there is no seat — so ``membership_for_user`` and role
checks need no query of their own. tests/brands/test_callers.py holds the two equal.

The kernel reads callers through this module without importing it: settings.CALLER_LOADER names it
(marketplace.core.roles.caller_loader).
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ValidationError
from django.db import connections, router

from brands.models import Brand, BrandMembership
from marketplace.core.fastpaths import model_columns, row_instance
from marketplace.core.models import ApiToken, Notification, User

# Each joined model with its alias; a seat's columns are all NULL when the user has none.
_TOKEN, _USER, _SEAT, _BRAND = "t", "u", "m", "b"
_TOKEN_USER = f'JOIN "{User._meta.db_table}" {_USER} ON {_USER}.id = {_TOKEN}.user_id '
_USER_SEAT = (
    f'LEFT JOIN "{BrandMembership._meta.db_table}" {_SEAT} ON {_SEAT}.user_id = {_USER}.id '
    f'LEFT JOIN "{Brand._meta.db_table}" {_BRAND} ON {_BRAND}.id = {_SEAT}.brand_id'
)


@cache
def _sql(kind: str) -> str:
    columns = [*model_columns(User, _USER), *model_columns(BrandMembership, _SEAT), *model_columns(Brand, _BRAND)]
    if kind == "token":
        columns = [*model_columns(ApiToken, _TOKEN), *columns]
        source = f'"{ApiToken._meta.db_table}" {_TOKEN} {_TOKEN_USER}{_USER_SEAT}'
        where = f"{_TOKEN}.digest = %s AND {_TOKEN}.revoked_at IS NULL"
    else:  # a page: its navigation shows the unread count (a partial index makes it cheap)
        unread = f"n.user_id = {_USER}.id AND n.read_at IS NULL"
        columns.append(f'(SELECT count(*) FROM "{Notification._meta.db_table}" n WHERE {unread})')  # noqa: S608
        source, where = f'"{User._meta.db_table}" {_USER} {_USER_SEAT}', f"{_USER}.id = %s"
    return f"SELECT {', '.join(columns)} FROM {source} WHERE {where}"  # noqa: S608 - names from the models; values are parameters


def _user_with_seat(db: str, row: tuple) -> User:
    sizes = [len(model._meta.concrete_fields) for model in (User, BrandMembership, Brand)]
    user = row_instance(User, db, row[: sizes[0]])
    seat_values = row[sizes[0] : sizes[0] + sizes[1]]
    seat = None
    if seat_values[0] is not None:
        seat = row_instance(BrandMembership, db, seat_values)
        BrandMembership.brand.field.set_cached_value(seat, row_instance(Brand, db, row[sizes[0] + sizes[1] :]))
        BrandMembership.user.field.set_cached_value(seat, user)
    BrandMembership.user.field.remote_field.set_cached_value(user, seat)
    return user


def _one(model, kind: str, value) -> tuple[str, tuple | None]:
    db = router.db_for_read(model)
    with connections[db].cursor() as cursor:
        cursor.execute(_sql(kind), [value])
        return db, cursor.fetchone()


def token_with_caller(digest: str) -> ApiToken | None:
    """The unrevoked token with this digest, its user (and brand seat) loaded; None if there is none."""
    db, row = _one(ApiToken, "token", digest)
    if row is None:
        return None
    size = len(ApiToken._meta.concrete_fields)
    token = row_instance(ApiToken, db, row[:size])
    ApiToken.user.field.set_cached_value(token, _user_with_seat(db, row[size:]))
    return token


def user_with_seat(user_id) -> User | None:
    """The user with this id (brand seat loaded, ``unread_notifications`` counted), or None."""
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding a malformed id is no user
        return None
    db, row = _one(User, "user", user_id)
    if row is None:
        return None
    user = _user_with_seat(db, row[:-1])
    user.unread_notifications = row[-1]  # as the request starts; notifications_mark_read drops it
    return user
