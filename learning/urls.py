from django.urls import path

from learning import views

app_name = "learning"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("<slug:slug>/", views.course_detail, name="detail"),
    path("<slug:slug>/done/", views.course_done, name="done"),
]
