from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("new/", views.agency_create, name="create"),
    path("invite/", views.invite, name="invite"),
    path("statement/", views.statement, name="statement"),
    path("payouts/", views.payouts, name="payouts"),
    path("payouts/request/", views.payout_request, name="payout_request"),
    path("mine/", views.creator_agency, name="creator_agency"),
    path("contracts/<int:pk>/<slug:action>/", views.contract_act, name="contract_act"),
]
