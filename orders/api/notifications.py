"""The caller's notifications."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import error_responses
from marketplace.core.models import Notification
from orders.api.common import JsonPost, _valid
from orders.api.serializers import NotificationSerializer, ReadRequestSerializer
from orders.selectors import deals as reads
from orders.services.notifications import notifications_mark_read

# ------------------------------------------------------------------ notifications


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_unread", label="Only unread (true) or read"
    )

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


@extend_schema(
    summary="The caller's notifications, newest first",
    responses={200: NotificationSerializer(many=True), **error_responses(400, 401, 404)},
)
class NotificationListApi(generics.ListAPIView):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return reads.notifications_for_user(user=self.request.user)


class NotificationReadApi(JsonPost, APIView):
    @extend_schema(
        summary="Mark notifications read: the given ids, or all",
        request=ReadRequestSerializer,
        responses={
            200: inline_serializer(name="NotificationsMarked", fields={"marked": serializers.IntegerField()}),
            **error_responses(400, 401),
        },
    )
    def post(self, request):
        ids = _valid(ReadRequestSerializer, request).get("ids")
        return Response({"marked": notifications_mark_read(user=request.user, ids=ids)})
