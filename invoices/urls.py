from django.urls import path

from invoices import views

app_name = "invoices"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("<int:pk>.pdf", views.document_download, {"fmt": "pdf"}, name="pdf"),
    path("<int:pk>.csv", views.document_download, {"fmt": "csv"}, name="csv"),
]
