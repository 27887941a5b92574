from django.urls import path

from programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.creator_list, name="mine"),
    path("<int:pk>/join/", views.creator_join, name="join"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/fund/", views.staff_fund, name="staff_fund"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/<slug:action>/", views.staff_act, name="staff_act"),
]
