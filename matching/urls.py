from django.urls import path

from matching import list_views, views

app_name = "matching"

urlpatterns = [
    path("orders/<int:pk>/ranking/", views.order_ranking, name="order_ranking"),
    path("orders/<int:pk>/ranking/refresh/", views.order_rerank, name="order_rerank"),
    path("orders/<int:pk>/why-not/", views.order_why_not, name="order_why_not"),
]

# Saved lists, favourites, comparison and likeness (matching/list_views.py). Every path with a list's id is a
# 404 for another brand (tests/matching/test_lists.py walks them all).
urlpatterns += [
    path("lists/", list_views.list_index, name="list_index"),
    path("lists/save/", list_views.list_pick, name="list_pick"),
    path("lists/<int:pk>/", list_views.list_detail, name="list_detail"),
    path("lists/<int:pk>/rename/", list_views.list_rename, name="list_rename"),
    path("lists/<int:pk>/delete/", list_views.list_delete, name="list_delete"),
    path("lists/<int:pk>/add/", list_views.list_add, name="list_add"),
    path("lists/<int:pk>/remove/", list_views.list_remove, name="list_remove"),
    path("lists/<int:pk>/like/", list_views.list_lookalike, name="list_lookalike"),
    path("lists/<int:pk>/offers/", list_views.list_offers, name="list_offers"),
    path("favourites/", list_views.favourite_toggle, name="favourite_toggle"),
    path("compare/", list_views.creator_compare, name="creator_compare"),
    path("like/", list_views.creator_lookalike, name="creator_lookalike"),
]
