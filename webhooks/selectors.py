"""Reads of webhooks, scoped to the caller's brand or agency (owners and managers; another owner's id is a 404,
pages and API alike)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from webhooks.access import webhook_owner
from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list_for(user) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(**webhook_owner(user).lookup)


def endpoint_for(user, pk: int) -> WebhookEndpoint:
    endpoint = endpoint_list_for(user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


def delivery_list_for(user, *, endpoint_id: int | None = None) -> QuerySet[WebhookDelivery]:
    owner = webhook_owner(user)
    deliveries = WebhookDelivery.objects.filter(**{f"endpoint__{owner.kind}_id": owner.pk})
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return deliveries.select_related("event", "endpoint")


def delivery_for(user, pk: int) -> WebhookDelivery:
    delivery = delivery_list_for(user).filter(pk=pk).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
