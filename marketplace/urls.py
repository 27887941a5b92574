from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("brand/", include("brands.urls")),
    path("creator/", include("creators.urls")),
    # Helper C adds accounts, home/dashboard routing and order pages here.
]
