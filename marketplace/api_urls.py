"""/api/: the OpenAPI schema, its docs (served from vendored assets) and every v1 operation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from marketplace import api as platform_api

app_name = "api"

# Every v1 operation, one line each; views live in each app's api.py.
v1 = [
    path("me/", platform_api.MeApi.as_view(), name="me"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
