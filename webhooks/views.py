"""The webhook pages: a brand's or an agency's endpoints, one endpoint with its delivery log, one delivery with its
attempts."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core import DomainError
from marketplace.core.web import paginate, render_page
from webhooks import selectors, services
from webhooks.access import webhook_owner_required
from webhooks.events import ALL_EVENT_TYPES
from webhooks.forms import EndpointForm

ONCE_KEY = "webhook_shown_once"  # the session key holding a new secret until its page shows it once
LOG_PAGE = 25


def _keep_secret(request, endpoint_id: int, secret: str) -> None:
    request.session[ONCE_KEY] = {"endpoint": endpoint_id, "secret": secret}


def _take_secret(request, endpoint_id: int) -> str:
    kept = request.session.get(ONCE_KEY)
    if kept and kept.get("endpoint") == endpoint_id:
        del request.session[ONCE_KEY]
        return kept["secret"]
    return ""


def _form_errors(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.detail)


@webhook_owner_required
@require_GET
def endpoint_list(request):
    return _list_page(request)


def _list_page(request, form=None, status=200):
    endpoints = selectors.endpoint_list_for(request.user)
    catalogue = request.webhook_owner.event_types
    context = {"endpoints": endpoints, "form": form or EndpointForm(catalogue=catalogue), "event_types": catalogue}
    return render_page(request, "webhooks/endpoint_list.html", context, status=status)


@webhook_owner_required
@require_POST
def endpoint_create(request):
    form = EndpointForm(request.POST, catalogue=request.webhook_owner.event_types)
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.endpoint_create(
                actor=request.user, url=data["url"], event_types=data["event_types"], description=data["description"]
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            _keep_secret(request, endpoint.pk, secret)
            messages.success(request, _("The endpoint is registered."))
            return redirect("webhooks:endpoint", pk=endpoint.pk)
    return _list_page(request, form=form, status=400)


@webhook_owner_required
@require_GET
def endpoint_detail(request, pk: int):
    return _endpoint_page(request, pk)


def _endpoint_page(request, pk: int, form=None, status=200):
    endpoint = selectors.endpoint_for(request.user, pk)
    deliveries = selectors.delivery_list_for(request.user, endpoint_id=endpoint.pk).order_by("-id")
    context = {
        "endpoint": endpoint,
        "secret": _take_secret(request, endpoint.pk),
        "form": form
        or EndpointForm(
            catalogue=request.webhook_owner.event_types,
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": endpoint.event_types,
                "is_active": endpoint.is_active,
            },
        ),
        "page": paginate(request, deliveries, per_page=LOG_PAGE),
        "event_types": ALL_EVENT_TYPES,
    }
    return render_page(
        request,
        "webhooks/endpoint_detail.html",
        context,
        partials={"delivery-log": "webhooks/_delivery_log.html"},
        status=status,
    )


@webhook_owner_required
@require_POST
def endpoint_update(request, pk: int):
    selectors.endpoint_for(request.user, pk)  # a 404 for another owner's endpoint
    form = EndpointForm(request.POST, catalogue=request.webhook_owner.event_types)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.endpoint_update(actor=request.user, endpoint_id=pk, **data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("webhooks:endpoint", pk=pk)
    return _endpoint_page(request, pk, form=form, status=400)


@webhook_owner_required
@require_POST
def endpoint_rotate(request, pk: int):
    selectors.endpoint_for(request.user, pk)
    endpoint, secret = services.endpoint_rotate_secret(actor=request.user, endpoint_id=pk)
    _keep_secret(request, endpoint.pk, secret)
    messages.success(request, _("A new secret is made. The old one keeps signing beside it for 24 hours."))
    return redirect("webhooks:endpoint", pk=pk)


@webhook_owner_required
@require_POST
def endpoint_delete(request, pk: int):
    selectors.endpoint_for(request.user, pk)
    services.endpoint_delete(actor=request.user, endpoint_id=pk)
    messages.success(request, _("The endpoint and its delivery log are deleted."))
    return redirect("webhooks:list")


@webhook_owner_required
@require_GET
def delivery_detail(request, pk: int):
    delivery = selectors.delivery_for(request.user, pk)
    context = {
        "delivery": delivery,
        "body": json.dumps(delivery.event.body, indent=2, ensure_ascii=False),
        "attempts": delivery.attempt_log.all()[:50],
        "event_types": ALL_EVENT_TYPES,
    }
    return render_page(request, "webhooks/delivery_detail.html", context)


@webhook_owner_required
@require_POST
def delivery_resend(request, pk: int):
    selectors.delivery_for(request.user, pk)
    try:
        services.delivery_resend(actor=request.user, delivery_id=pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("webhooks:delivery", pk=pk)
