"""API views of the platform package: who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import ERROR_BODY
from marketplace.core.roles import role_of

MeSerializer = inline_serializer(
    name="Me",
    fields={
        "id": serializers.IntegerField(),
        "email": serializers.EmailField(),
        "role": serializers.ChoiceField(choices=["staff", "brand", "creator", "agency", "none"]),
        "brand_role": serializers.CharField(allow_blank=True),
        "brand": serializers.IntegerField(allow_null=True),
        "creator": serializers.IntegerField(allow_null=True),
    },
)


class MeApi(APIView):
    @extend_schema(responses={200: MeSerializer, 401: ERROR_BODY}, summary="Who the token or session belongs to")
    def get(self, request):
        user = request.user
        role = role_of(user)
        membership = getattr(user, "brand_membership", None) if role.is_brand else None
        creator = getattr(user, "creator", None) if role.is_creator else None
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "role": role.kind,
                "brand_role": role.brand_role,
                "brand": membership.brand_id if membership else None,
                "creator": creator.pk if creator else None,
            }
        )
