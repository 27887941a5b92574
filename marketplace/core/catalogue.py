"""Searches over the IAB catalogue for the pickers on the order form."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from marketplace.core.models import Label, ProductCategory

SEARCH_LIMIT = 20


def _path_search(queryset: QuerySet, query: str, limit: int) -> list:
    """Rows whose path, English or Chinese, contains every word of ``query`` (case-insensitive),
    shallow nodes first."""
    words = query.split()[:6]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(path__icontains=word) | Q(path_zh_hans__icontains=word)
    return list(queryset.filter(condition).order_by("tier", "path")[:limit])


def label_search(*, query: str, limit: int = SEARCH_LIMIT, exclude: Iterable[int] = ()) -> list[Label]:
    return _path_search(Label.objects.exclude(pk__in=list(exclude)), query, limit)


def product_category_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[ProductCategory]:
    return _path_search(ProductCategory.objects.all(), query, limit)
