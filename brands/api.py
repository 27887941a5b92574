"""Brand operations of the API: the caller's brand and its members (any member reads them)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.access import brand_seat
from brands.models import BrandMembership
from brands.selectors import member_list
from marketplace.core.api.common import ERROR_BODY, Pagination
from marketplace.core.api.fields import CatalogueNodeSerializer
from marketplace.core.models import VerificationStatus

ERRORS = {401: ERROR_BODY, 403: ERROR_BODY}


class BrandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    website = serializers.CharField()
    description = serializers.CharField()
    industry = CatalogueNodeSerializer(allow_null=True)
    country = serializers.CharField()
    legal_name = serializers.CharField(help_text="Printed on the brand's invoices and receipts; empty until set.")
    tax_id = serializers.CharField(help_text="Printed on the brand's invoices and receipts; empty until set.")
    verification = serializers.ChoiceField(choices=VerificationStatus.choices)
    verified_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class BrandWithRoleSerializer(serializers.Serializer):
    brand = BrandSerializer()
    # Plain strings: "role" enums elsewhere in the schema have other values.
    role = serializers.CharField(help_text="Your role in the brand: owner, manager or viewer.")
    can_edit_orders = serializers.BooleanField()
    can_manage_members = serializers.BooleanField()


class BrandMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField(help_text="owner, manager or viewer.")
    created_at = serializers.DateTimeField()


class BrandDetailApi(APIView):
    @extend_schema(
        operation_id="brand_retrieve",
        summary="Your brand and your role in it",
        responses={200: BrandWithRoleSerializer, **ERRORS},
    )
    def get(self, request):
        membership = brand_seat(request.user)
        return Response(
            BrandWithRoleSerializer(
                {
                    "brand": membership.brand,
                    "role": membership.role,
                    "can_edit_orders": membership.can_edit_orders,
                    "can_manage_members": membership.can_manage_members,
                }
            ).data
        )


class BrandMemberListApi(generics.ListAPIView):
    serializer_class = BrandMemberSerializer
    pagination_class = Pagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BrandMembership.objects.none()
        return member_list(brand_id=brand_seat(self.request.user).brand_id)

    @extend_schema(
        operation_id="brand_members_list",
        summary="The members of your brand",
        description="In cursor pages (follow ``next``). An invalid page_size is a 400; an invalid cursor a 404.",
        responses={200: BrandMemberSerializer(many=True), 400: ERROR_BODY, **ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
