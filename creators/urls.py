from django.urls import path

from creators import views

app_name = "creators"

# The dashboard ("" -> creators:dashboard) and the growth page ("growth/" -> creators:growth) read the deal
# and the ledger: marketplace/urls.py adds them.

# Fixed paths come before the handle pattern; creators.handles reserves every word of these paths (and
# of every other route), so no creator can take a handle that a page here would shadow.
urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("labels/search/", views.label_search, name="label_search"),
    path("browse/", views.directory, name="directory"),
    path("verification/", views.verification, name="verification"),
    path("<slug:handle>/", views.detail, name="detail"),
    path("<slug:handle>/avatar/", views.avatar, name="avatar"),
]
