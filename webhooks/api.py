"""Webhook endpoints and their delivery log in the API (owners and managers of a brand or agency; docs/webhooks.md)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import ERROR_BODY, IdFilter, JSONParser, Pagination
from marketplace.core.api.fields import RequestSerializer, StrictBooleanField, StrictCharField, validated
from webhooks import selectors, services
from webhooks.access import webhook_owner
from webhooks.events import EVENT_CHOICES
from webhooks.models import WebhookDelivery

ERRORS = {400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY}
READ_ERRORS = {401: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY}


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES))
    is_active = serializers.BooleanField()
    secret_rotating_until = serializers.DateTimeField(
        source="previous_secret_until", allow_null=True, help_text="Until then the old secret signs too."
    )
    created_at = serializers.DateTimeField()


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…). Shown only in this answer.")


class EndpointInSerializer(RequestSerializer):
    url = StrictCharField(max_length=1000, help_text="Where to POST events (https://…).")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES), min_length=1, max_length=len(EVENT_CHOICES) * 2
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointPatchSerializer(RequestSerializer):
    url = StrictCharField(max_length=1000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        min_length=1,
        max_length=len(EVENT_CHOICES) * 2,
        required=False,
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    is_active = StrictBooleanField(required=False)


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField()
    response_body = serializers.CharField(help_text="The first 4 KB of the receiver's answer.")
    error = serializers.CharField()
    manual = serializers.BooleanField(help_text="A re-send asked for by a person.")


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    event_id = serializers.CharField(source="event.public_id", help_text="The webhook-id header.")
    event_type = serializers.ChoiceField(source="event.type", choices=EVENT_CHOICES)
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(help_text="When a pending delivery is tried next.")
    last_status_code = serializers.IntegerField(allow_null=True)
    last_latency_ms = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class DeliveryDetailSerializer(DeliverySerializer):
    body = serializers.JSONField(source="event.body", help_text="The JSON body sent.")
    attempt_log = AttemptSerializer(many=True, help_text="Newest first.")


class WebhookEndpointListApi(generics.ListAPIView):
    serializer_class = EndpointSerializer
    pagination_class = Pagination
    filter_backends: list = []
    parser_classes = [JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.WebhookEndpoint.objects.none()
        return selectors.endpoint_list_for(self.request.user)

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="Your brand's or agency's webhook endpoints (owners and managers)",
        responses={200: EndpointSerializer(many=True), **ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Register a webhook endpoint; the answer holds its signing secret, shown this once",
        description="Loopback, link-local and private addresses are refused in production (docs/webhooks.md).",
        request=EndpointInSerializer,
        responses={201: EndpointWithSecretSerializer, **ERRORS},
    )
    def post(self, request):
        webhook_owner(request.user)  # 403 before the body is read: its errors are for those who may register
        data = validated(EndpointInSerializer(data=request.data))
        endpoint, secret = services.endpoint_create(actor=request.user, **data)
        endpoint.secret = secret
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="One endpoint",
        responses={200: EndpointSerializer, **READ_ERRORS},
    )
    def get(self, request, pk: int):
        return Response(EndpointSerializer(selectors.endpoint_for(request.user, pk)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change an endpoint's address, events, description, or turn it off and on",
        request=EndpointPatchSerializer,
        responses={200: EndpointSerializer, **ERRORS, 404: ERROR_BODY},
    )
    def patch(self, request, pk: int):
        selectors.endpoint_for(request.user, pk)  # 403 or 404 first: the body's errors must not tell ids apart
        data = validated(EndpointPatchSerializer(data=request.data))
        endpoint = services.endpoint_update(actor=request.user, endpoint_id=pk, **data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete an endpoint and its delivery log",
        request=None,
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk: int):
        services.endpoint_delete(actor=request.user, endpoint_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateApi(APIView):
    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="A new signing secret (shown this once); the old one keeps signing beside it for 24 hours",
        request=None,
        responses={200: EndpointWithSecretSerializer, **READ_ERRORS},
    )
    def post(self, request, pk: int):
        endpoint, secret = services.endpoint_rotate_secret(actor=request.user, endpoint_id=pk)
        endpoint.secret = secret
        return Response(EndpointWithSecretSerializer(endpoint).data)


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status"]


class WebhookDeliveryListApi(generics.ListAPIView):
    serializer_class = DeliverySerializer
    pagination_class = Pagination
    filterset_class = DeliveryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.delivery_list_for(self.request.user)

    @extend_schema(
        operation_id="webhook_deliveries_list",
        summary="The delivery log, newest first: status, response code, latency",
        responses={200: DeliverySerializer(many=True), **ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookDeliveryDetailApi(APIView):
    @extend_schema(
        operation_id="webhook_deliveries_retrieve",
        summary="One delivery: the body sent and every attempt",
        responses={200: DeliveryDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk: int):
        return Response(DeliveryDetailSerializer(selectors.delivery_for(request.user, pk)).data)


class WebhookDeliveryResendApi(APIView):
    @extend_schema(
        operation_id="webhook_deliveries_resend",
        summary="Send a delivery again now, with the same webhook-id",
        request=None,
        responses={202: DeliverySerializer, **ERRORS, 404: ERROR_BODY},
    )
    def post(self, request, pk: int):
        delivery = services.delivery_resend(actor=request.user, delivery_id=pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
