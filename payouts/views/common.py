"""What the money pages share: pagination with kept query strings, htmx partials, service errors on forms."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from marketplace.core import DomainError, NotFound
from payouts import services
from payouts.forms import IdempotentForm
from payouts.models import LedgerEntry, TopUp

PAGE_SIZE = 25


def topup_reference(topup: TopUp) -> str:
    """What the brand quotes on a bank transfer for a pending top-up, and what the admin matches it by."""
    return f"TOPUP-{topup.pk}"


def paginate(request: HttpRequest, items, *, path: str, param: str = "page") -> Page:
    """One page of ``items`` from ``?<param>=``, with links to ``path`` that keep the other query parameters.

    (``path`` is the page's own address: a form POSTed elsewhere may render the page with its errors.)
    """
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get(param))

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = number
        return f"{path}?{query.urlencode()}"

    page.previous_url = link(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = link(page.next_page_number()) if page.has_next() else ""
    return page


def render_page(request: HttpRequest, template: str, context: dict, *, partials: dict[str, str], status: int = 200):
    """The full page, or only the list htmx asked for (``HX-Target`` names one of ``partials``)."""
    target = request.htmx.target if request.htmx else None
    response = render(request, partials.get(target, template), context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def redirect_after(request: HttpRequest, url_name: str) -> HttpResponse:
    """After a successful action: back to the page (a client redirect for htmx, so balances refresh too)."""
    url = reverse(url_name)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def call_service(form: IdempotentForm, act: Callable[[], object]):
    """Run a money service for a valid form; on refusal, put the reason on the form and return None."""
    try:
        return act()
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except services.IdempotencyConflict:
        form.renew_key()
        form.add_error(None, _("This form was already sent with other values. Check the page, then send it again."))
    except DomainError as exc:
        form.add_domain_error(exc)
    return None


def with_orders(entries: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    return entries.select_related("transaction__order")
