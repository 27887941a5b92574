"""Offers, applications and recommended orders."""

from __future__ import annotations

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import IDEMPOTENCY_HEADER, error_responses
from orders.api.common import JsonPost, S, _fresh, _own_creator, _valid
from orders.api.serializers import (
    ApplicationRequestSerializer,
    CollaborationSerializer,
    OfferRequestSerializer,
    RecommendedOrderSerializer,
)
from orders.models import Collaboration, Order
from orders.selectors import deals as reads
from orders.selectors.orders import order_get_for_user
from orders.services import deals
from payouts.api import (
    FieldNames,
    MoneyPost,
    brand_member,
    caller_key,
    replayable,
)
from payouts.services.idempotency import brand_scope

# ------------------------------------------------------------------ offers and applications


class OfferCreateApi(MoneyPost, APIView):
    @extend_schema(
        summary="Offer a creator a place on a published order at the brand's price (the rate card's when left "
        "out) with a note; that price is held from the wallet",
        request=OfferRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    def post(self, request, pk: int):
        order = order_get_for_user(user=request.user, pk=pk)
        membership = brand_member(request, editor=True)
        key = caller_key(request)
        data = _valid(OfferRequestSerializer, request)

        def send():
            with FieldNames(price="price_minor"):
                return deals.offer_send(
                    order_id=order.pk,
                    creator_id=data["creator"],
                    actor=request.user,
                    idempotency_key=key,
                    price=data["price_minor"],
                    note=data["note"],
                )

        return replayable(
            scope=brand_scope(membership.brand_id),
            key=key,
            status=201,
            call=send,
            render=lambda c: CollaborationSerializer(_fresh(c.pk)).data,
        )


class OrderCollaborationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=S.choices)

    class Meta:
        model = Collaboration
        fields = ["status"]


@extend_schema(
    summary="The order's collaborations (brand members)",
    responses={200: CollaborationSerializer(many=True), **error_responses(400, 401, 404)},
)
class OrderCollaborationListApi(generics.ListAPIView):
    serializer_class = CollaborationSerializer
    filterset_class = OrderCollaborationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Collaboration.objects.none()
        order = order_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return Collaboration.objects.filter(order=order).select_related("order__brand", "creator")


class ApplicationCreateApi(JsonPost, APIView):
    @extend_schema(
        summary="Apply to an open recruitment order with a quote and a pitch (creators)",
        request=ApplicationRequestSerializer,
        responses={201: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        _own_creator(request)
        order = Order.objects.filter(pk=pk, status=Order.Status.PUBLISHED, mode=Order.Mode.RECRUITMENT).first()
        if order is None:
            raise Http404
        data = _valid(ApplicationRequestSerializer, request)
        with FieldNames(quote="quote_minor"):
            c = deals.application_submit(
                order_id=order.pk, actor=request.user, quote=data["quote_minor"], pitch=data["pitch"]
            )
        return Response(CollaborationSerializer(_fresh(c.pk)).data, status=201)


class RecommendedOrderListApi(APIView):
    @extend_schema(
        summary="Open recruitment orders the creator fits, best match first, with reasons (creators)",
        responses={
            200: inline_serializer(name="RecommendedOrders", fields={"results": RecommendedOrderSerializer(many=True)}),
            **error_responses(401, 403),
        },
    )
    def get(self, request):
        creator = _own_creator(request)
        items = reads.recommended_with_reasons(creator=creator)
        return Response({"results": RecommendedOrderSerializer(items, many=True).data})
