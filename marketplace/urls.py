from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from marketplace.views import accounts, deals, orders

account_patterns = [
    path("signup/", accounts.signup, name="signup"),
    path("signup/brand/", accounts.signup_brand, name="signup_brand"),
    path("signup/creator/", accounts.signup_creator, name="signup_creator"),
    path("settings/", accounts.account_settings, name="account_settings"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
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
    path("labels/", orders.label_search_view, name="label_search"),
    path("labels/<int:label_id>/pick/", orders.label_pick, name="label_pick"),
    path("categories/", orders.category_search_view, name="category_search"),
    path("categories/<int:category_id>/pick/", orders.category_pick, name="category_pick"),
]

deal_patterns = [
    path("<int:pk>/", deals.collaboration_detail, name="collaboration"),
]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orders/", include((order_patterns, "orders"))),
    path("deals/", include((deal_patterns, "deals"))),
    path("brand/", include("brands.urls")),
    path("creator/", include("creators.urls")),
    path("matching/", include("matching.urls")),
]
