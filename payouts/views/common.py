"""What the money pages share: top-up references, redirects after an action, service errors on forms."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from marketplace.core import DomainError, NotFound
from marketplace.core.web import redirect_page
from payouts import services
from payouts.forms import IdempotentForm
from payouts.models import LedgerEntry, TopUp

PAGE_SIZE = 25


def topup_reference(topup: TopUp) -> str:
    """What the brand quotes on a bank transfer for a pending top-up, and what the admin matches it by."""
    return f"TOPUP-{topup.pk}"


def redirect_after(request: HttpRequest, url_name: str) -> HttpResponse:
    """After a successful action: back to the page (a client redirect for htmx, so balances refresh too)."""
    return redirect_page(request, url_name)


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
