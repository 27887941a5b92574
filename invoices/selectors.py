"""Which documents a user may read: a brand member their brand's, a creator their own, an agency member their
agency's, nobody else any."""

from __future__ import annotations

from django.db.models import QuerySet

from brands.access import brand_seat
from invoices.models import Document
from marketplace.core.roles import role_of


def documents_for_user(user) -> QuerySet[Document]:
    documents = Document.objects.select_related("series")
    role = role_of(user)
    if role is not None and role.is_brand:
        return documents.filter(brand_id=brand_seat(user).brand_id)
    if role is not None and role.is_creator:
        return documents.filter(creator_id=user.creator.pk)
    if role is not None and role.is_agency:
        return documents.filter(agency__memberships__user=user)
    return documents.none()
