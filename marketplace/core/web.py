"""The web kit: what every HTML view shares."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from marketplace.core.errors import DomainError


def form_add_errors(form, exc: Exception) -> None:
    """Show a service's refusal on an HTML form: each message beside the field it names (a
    ValidationError's fields, a DomainError's ``field``), the rest above the form; a message the
    field already shows is not repeated."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    if isinstance(exc, DomainError):
        by_field = {exc.field or NON_FIELD_ERRORS: [exc.detail]}
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        by_field = exc.message_dict
    else:
        by_field = {NON_FIELD_ERRORS: list(getattr(exc, "messages", [str(exc)]))}
    for name, messages in by_field.items():
        target = name if name in form.fields else None
        shown = set(form.errors.get(target or NON_FIELD_ERRORS, []))
        new = [message for message in messages if message not in shown]
        if new:
            form.add_error(target, new)


def paginate(
    request, items, *, param: str = "page", per_page: int = 20, last_first: bool = False, path: str = ""
) -> Page:
    """One page of ``items``, the page number read from ``?<param>=``; the one paginator of every HTML list.

    A page number that is not a page (text, ``²``, NUL, negative, 5,000 digits) gives the first page, one
    past the end the last: never an error. Several lists can share a page (the creator's inbox, the
    wallet), so each names its own ``param``. ``last_first`` opens on the last page when none is asked
    for (a timeline's latest entries). ``page.previous_url`` / ``page.next_url`` keep the other query
    parameters; they are relative to the address the browser shows (right for a GET and for an htmx
    fragment swapped into it) unless ``path`` names the page's own address, which a view that draws the
    page in answer to a POST to another address must pass. ``templates/marketplace/_pagination.html``
    draws them.
    """
    paginator = Paginator(items, per_page)
    number = request.GET.get(param) or (paginator.num_pages if last_first else None)
    page = paginator.get_page(number)
    page.param = param

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = number
        return f"{path}?{query.urlencode()}"

    page.previous_url = link(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = link(page.next_page_number()) if page.has_next() else ""
    return page


def safe_next(request, default: str) -> str:
    """The ``next`` URL of a form if it is a path on this site, else ``default``.

    Only a path ("/…"): ``redirect()`` reads any other text ("²", "1e999") as a view name to reverse, a 500,
    and a browser reads it as an address relative to the page it is on (the login's "²" led to a 404).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    is_path = target.startswith("/") and not target.startswith("//")
    if is_path and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def redirect_page(request, to: str, *args, **kwargs):
    """After a successful action, to another page (``to``: a URL or URL name with its arguments): for htmx a
    client redirect (``HX-Redirect``), so the browser loads the whole page instead of htmx swapping it into
    the part of the page that asked."""
    response = redirect(to, *args, **kwargs)
    return HttpResponseClientRedirect(response.url) if request.htmx else response


def refused_status(*found) -> int:
    """The status of a page drawn with what it was sent: 400 when any form among ``found`` (or any collection
    of messages) holds an error, and the page comes back with each message beside its field; else 200. The
    one home of "a refused form answers 400"."""
    return 400 if any(getattr(x, "errors", x) for x in found) else 200


def render_page(
    request, template: str, context: dict, *, partials: dict[str, str] | None = None, fragment: str = "", status=200
):
    """The full page, or the part htmx asked for: the list ``HX-Target`` names among ``partials``, else
    ``fragment`` (the template of any htmx request), else the page.

    The answer varies on ``HX-Request`` and ``HX-Target``, so a browser's cache (the back button) never
    shows a fragment where the page was.
    """
    chosen = template
    if request.htmx:
        chosen = (partials or {}).get(request.htmx.target) or fragment or template
    response = render(request, chosen, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
