from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe

from brands import urls as brands_urls
from brands import views as brands_views
from creators import urls as creators_urls
from creators import views as creators_views
from insights.views import dashboard as brand_dashboard
from insights.views import growth, overview, reports, verification
from marketplace import health
from marketplace.core.metrics import metrics_view
from marketplace.views import accounts, login, tokens
from matching import views as ranking
from orders import views as deals
from orders.views import agency, contests, dashboard, deadlines, orders

account_patterns = [
    path("signup/", accounts.signup, name="signup"),
    path("signup/brand/", brands_views.signup_brand, name="signup_brand"),
    path("signup/creator/", creators_views.signup_creator, name="signup_creator"),
    path("settings/", accounts.account_settings, name="account_settings"),
    path("tokens/", tokens.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="api_token_revoke"),
    path("tokens/revoke-all/", tokens.tokens_revoke_all, name="api_tokens_revoke_all"),
    path("login/", login.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", login.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", login.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

order_patterns = [
    path("", orders.order_list, name="list"),
    path("new/", orders.order_create_view, name="create"),
    path("<int:pk>/", orders.order_detail, name="detail"),
    path("<int:pk>/edit/", orders.order_update_view, name="update"),
    path("<int:pk>/publish/", orders.order_publish_view, name="publish"),
    path("<int:pk>/close/", orders.order_close_view, name="close"),
    # Campaign report (insights/views/reports.py)
    path("<int:pk>/report/", reports.order_report_view, name="report"),
    path("<int:pk>/report/csv/", reports.order_report_csv, name="report_csv"),
    path("<int:pk>/report/upload/", reports.order_results_upload, name="report_upload"),
    path("labels/", orders.label_search_view, name="label_search"),
    path("labels/<int:label_id>/pick/", orders.label_pick, name="label_pick"),
    path("categories/", orders.category_search_view, name="category_search"),
    path("categories/<int:category_id>/pick/", orders.category_pick, name="category_pick"),
]

deal_patterns = [
    path("<int:pk>/", deals.collaboration_detail, name="collaboration"),
    path("<int:pk>/act/<slug:action>/", deals.collaboration_act, name="act"),
    path("<int:pk>/results/", deals.collaboration_results, name="results"),
    path("files/<int:pk>/", deals.deliverable_download, name="download"),
    path("inbox/", deals.inbox, name="inbox"),
    path("deadlines/", deadlines.deadline_list, name="deadlines"),
    path("deadlines/calendar/", deadlines.calendar_feed_renew_view, name="calendar_feed_renew"),
    path("deadlines/calendar/stop/", deadlines.calendar_feed_stop_view, name="calendar_feed_stop"),
    path("apply/<int:order_pk>/", deals.apply, name="apply"),
    path("orders/<int:pk>/offers/", ranking.offers_send, name="offers_send"),  # from the ranked list (matching)
    path("offer/<slug:handle>/", deals.offer_create, name="offer_create"),
    path("notifications/", deals.notification_list, name="notifications"),
    path("notifications/read/", deals.notification_read_all, name="notifications_read"),
    path("notifications/<int:pk>/", deals.notification_open, name="notification_open"),
    path("disputes/", deals.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", deals.dispute_detail, name="dispute"),
    path("disputes/<int:pk>/decide/", deals.dispute_decide, name="dispute_decide"),
    path("agency/", agency.agency_work, name="agency_work"),
]

contest_patterns = [
    path("", contests.contest_list, name="list"),
    path("new/", contests.contest_create, name="create"),
    path("<int:pk>/", contests.contest_detail, name="detail"),
    path("<int:pk>/enter/", contests.contest_enter, name="enter"),
    path("<int:pk>/act/<slug:action>/", contests.contest_act, name="act"),
    path("entries/<int:pk>/act/<slug:action>/", contests.entry_act, name="entry_act"),
]

# The brand's pages are the brands app's, plus its home, which reads deals, money and reports (insights.views).
# The growth page comes first: it must precede the creators app's "<slug:handle>/".
creator_patterns = [
    path("", dashboard.creator_dashboard, name="dashboard"),
    path("growth/", growth.growth, name="growth"),
    path("growth/practice/", growth.practice_offer, name="practice_offer"),
    *creators_urls.urlpatterns,
]


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon base.html links."""
    return redirect(static("img/favicon.svg"), permanent=True)


brand_patterns = [path("", brand_dashboard.brand_dashboard, name="dashboard"), *brands_urls.urlpatterns]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orders/", include((order_patterns, "orders"))),
    path("deals/", include((deal_patterns, "deals"))),
    path("contests/", include((contest_patterns, "contests"))),
    path("brand/", include((brand_patterns, "brands"))),
    path("brand/webhooks/", include("webhooks.urls")),
    path("creator/", include((creator_patterns, "creators"))),
    path("agency/", include("agencies.urls")),
    path("matching/", include("matching.urls")),
    path("learn/", include("learning.urls")),
    path("money/documents/", include("invoices.urls")),
    path("money/", include("payouts.urls")),
    path("programmes/", include("programmes.urls")),
    path("staff/overview/", overview.overview, name="staff_overview"),
    path("staff/verification/", verification.verification_queue, name="staff_verification"),
    path(
        "staff/verification/<slug:kind>/<int:pk>/",
        verification.verification_detail,
        name="staff_verification_detail",
    ),
    path("api/", include("marketplace.api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("calendar/<str:token>.ics", deadlines.calendar_feed, name="calendar_feed"),  # secret, no login
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),  # a 404 without METRICS_TOKEN (marketplace.core.metrics)
]

if settings.BENCH_FLOOR:
    from marketplace.views import bench

    urlpatterns.append(path("bench/floor/", bench.floor, name="bench_floor"))

handler400 = "marketplace.views.errors.bad_request"
handler403 = "marketplace.views.errors.permission_denied"
handler404 = "marketplace.views.errors.not_found"
handler500 = "marketplace.views.errors.server_error"
