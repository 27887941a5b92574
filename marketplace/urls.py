from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("brand/", include("brands.urls")),
    path("creator/", include("creators.urls")),
    path("", include("marketplace.site_urls")),
]
