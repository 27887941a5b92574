from django.urls import path

from payouts import views

app_name = "payouts"

urlpatterns = [
    path("wallet/", views.brand_wallet, name="wallet"),
    path("wallet/top-up/", views.wallet_topup, name="wallet_topup"),
    path("wallet/statement.csv", views.wallet_statement_csv, name="wallet_statement_csv"),
    path("earnings/", views.creator_earnings, name="earnings"),
    path("earnings/payout/", views.payout_request, name="payout_request"),
    path("statements/<int:year>-<int:month>.pdf", views.statement_download, {"fmt": "pdf"}, name="statement_pdf"),
    path("statements/<int:year>-<int:month>.csv", views.statement_download, {"fmt": "csv"}, name="statement_csv"),
    path("admin/", views.ledger_overview, name="ledger"),
    path("admin/top-ups/<int:pk>/confirm/", views.admin_topup_confirm, name="admin_topup_confirm"),
    path("admin/top-ups/<int:pk>/fail/", views.admin_topup_fail, name="admin_topup_fail"),
    path("admin/payouts/<int:pk>/sent/", views.admin_payout_sent, name="admin_payout_sent"),
    path("admin/payouts/<int:pk>/failed/", views.admin_payout_failed, name="admin_payout_failed"),
]
