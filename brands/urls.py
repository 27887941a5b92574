from django.urls import path

from brands import views

app_name = "brands"

# The dashboard ("" -> brands:dashboard) is the deal's page: marketplace/urls.py adds it to this namespace.

urlpatterns = [
    path("profile/", views.brand_profile_edit, name="profile_edit"),
    path("verification/", views.verification, name="verification"),
    path("members/", views.members, name="members"),
    path("members/add/", views.member_add, name="member_add"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("members/<int:membership_id>/invite/", views.member_invite, name="member_invite"),
]
