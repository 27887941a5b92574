from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("orders/<int:pk>/ranking/", views.order_ranking, name="order_ranking"),
    path("orders/<int:pk>/ranking/refresh/", views.order_rerank, name="order_rerank"),
    path("orders/<int:pk>/why-not/", views.order_why_not, name="order_why_not"),
]
