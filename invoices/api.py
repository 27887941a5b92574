"""Documents in the API: the caller's invoices and receipts (a brand member's brand's, a creator's own, an agency
member's agency's), each
with its lines, and each as PDF or CSV. Amounts are integer minor units (``_minor``) with a ``currency``."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from invoices import render
from invoices.models import Document
from invoices.selectors import documents_for_user
from invoices.views import attachment
from marketplace.core.api.common import ERROR_BODY
from marketplace.core.roles import role_of

ERRORS = {401: ERROR_BODY, 403: ERROR_BODY}


def party_documents(request):
    """The caller's documents; 403 for anyone who is not a brand member, a creator or an agency member."""
    role = role_of(request.user)
    if role is None or not (role.is_brand or role.is_creator or role.is_agency):
        raise PermissionDenied(_("Only brand members, creators and agency members have invoices and receipts."))
    return documents_for_user(request.user)


class DocumentLineSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What the line is: topup, escrowed, paid_to_creator, gross, net, …")
    label = serializers.CharField()
    amount_minor = serializers.IntegerField(source="amount")


class DocumentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="reference", help_text="The printed number, e.g. TU-2026-000042.")
    sequence = serializers.IntegerField(source="number", help_text="Its place in the series, gap-free.")
    series = serializers.CharField(source="series.code")
    total_minor = serializers.IntegerField(source="total")
    lines = serializers.SerializerMethodField()
    facts = serializers.DictField(help_text="The order, the other party, the transfer reference, as issued.")

    class Meta:
        model = Document
        fields = [
            "id",
            "number",
            "series",
            "sequence",
            "kind",
            "issued_at",
            "currency",
            "total_minor",
            "party_name",
            "party_legal_name",
            "party_tax_id",
            "lines",
            "facts",
        ]

    @extend_schema_field(DocumentLineSerializer(many=True))
    def get_lines(self, document: Document) -> list[dict]:
        return DocumentLineSerializer(render.document_lines(document), many=True).data


@extend_schema(
    summary="Your invoices and receipts, newest first",
    description="A brand member gets the brand's (top-up receipts, settlement notes); a creator their own "
    "(settlement notes, payout advices); an agency member the agency's (settlement notes of its share, payout "
    "advices). In cursor pages.",
    responses={200: DocumentSerializer(many=True), 400: ERROR_BODY, **ERRORS, 404: ERROR_BODY},
)
class DocumentListApi(generics.ListAPIView):
    serializer_class = DocumentSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return party_documents(self.request)


class DocumentDetailApi(APIView):
    @extend_schema(
        summary="One of your invoices or receipts, with its lines",
        responses={200: DocumentSerializer, **ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, pk: int):
        return Response(DocumentSerializer(get_object_or_404(party_documents(request), pk=pk)).data)


class DocumentPdfApi(APIView):
    @extend_schema(
        summary="One of your invoices or receipts as PDF",
        description="503 (pdf_unavailable) where the server cannot make PDFs: the CSV has the same figures.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **ERRORS,
            404: ERROR_BODY,
            503: ERROR_BODY,
        },
    )
    def get(self, request, pk: int) -> HttpResponse:
        document = get_object_or_404(party_documents(request), pk=pk)
        return attachment(render.document_pdf(document), fmt="pdf", filename=render.filename(document, "pdf"))


class DocumentCsvApi(APIView):
    @extend_schema(
        summary="One of your invoices or receipts as CSV",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, pk: int) -> HttpResponse:
        document = get_object_or_404(party_documents(request), pk=pk)
        return attachment(render.document_csv(document), fmt="csv", filename=render.filename(document, "csv"))
