"""What the deal views share: pagination with named page parameters, staff gate, safe redirects."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme


def paginate(request, items, *, param: str = "page", per_page: int = 20, last_first: bool = False) -> Page:
    """One page of ``items`` read from ``?<param>=``; ``prev_url`` / ``next_url`` keep the other parameters.

    Several lists share a page (the inbox), so each has its own parameter. ``last_first`` opens on
    the last page (a timeline's latest entries) when no page is asked for.
    """
    paginator = Paginator(items, per_page)
    number = request.GET.get(param) or (paginator.num_pages if last_first else None)
    page = paginator.get_page(number)
    page.param = param
    page.prev_url = _with(request, param, page.previous_page_number()) if page.has_previous() else ""
    page.next_url = _with(request, param, page.next_page_number()) if page.has_next() else ""
    return page


def _with(request, param: str, number: int) -> str:
    query = request.GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"


def safe_next(request, default: str) -> str:
    """The ``next`` URL of a form if it points at this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
