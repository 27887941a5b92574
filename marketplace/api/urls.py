"""/api/: the OpenAPI schema, its docs (served from vendored assets) and every v1 operation."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from agencies import api as agencies_api
from brands import api as brands_api
from creators import api as creators_api
from insights.api import growth as growth_api
from insights.api import reports as reports_api
from invoices import api as invoices_api
from marketplace.api import me as platform_api
from matching import api as matching_api
from orders import api as deals_api
from orders.api import contests as contests_api
from orders.api import orders as orders_api
from payouts import api as money_api
from webhooks import api as webhooks_api

app_name = "api"

# Every v1 operation, one line each; views live in each app's api.py.
v1 = [
    path("me/", platform_api.MeApi.as_view(), name="me"),
    # --- orders, matching, search, creators, brands (one line per path; GET+POST or GET+PATCH share one)
    path("orders/", orders_api.OrderListApi.as_view(), name="order-list"),
    # --- submission contests and CPM submissions (orders.api.contests)
    path("contests/", contests_api.ContestListApi.as_view(), name="contest-list"),
    path("contests/<int:pk>/", contests_api.ContestDetailApi.as_view(), name="contest-detail"),
    path("contests/<int:pk>/entries/", contests_api.ContestEnterApi.as_view(), name="contest-enter"),
    path("contests/<int:pk>/cancel/", contests_api.ContestCancelApi.as_view(), name="contest-cancel"),
    path("contests/<int:pk>/confirm/", contests_api.ContestConfirmApi.as_view(), name="contest-confirm"),
    path("contests/<int:pk>/dispute/", contests_api.ContestDisputeApi.as_view(), name="contest-dispute"),
    path("contests/<int:pk>/resolve/", contests_api.ContestResolveApi.as_view(), name="contest-resolve"),
    path(
        "contest-entries/<int:pk>/results/", contests_api.ContestEntryResultsApi.as_view(), name="contest-entry-results"
    ),
    path(
        "contest-entries/<int:pk>/withdraw/",
        contests_api.ContestEntryWithdrawApi.as_view(),
        name="contest-entry-withdraw",
    ),
    path(
        "contest-entries/<int:pk>/report_removed/",
        contests_api.ContestEntryReportRemovedApi.as_view(),
        name="contest-entry-report_removed",
    ),
    path("orders/<int:pk>/", orders_api.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/publish/", orders_api.OrderPublishApi.as_view(), name="order-publish"),
    path("orders/<int:pk>/close/", orders_api.OrderCloseApi.as_view(), name="order-close"),
    path("orders/<int:pk>/matches/", matching_api.OrderMatchesApi.as_view(), name="order-matches"),
    path("orders/<int:pk>/matches/rerank/", matching_api.OrderRerankApi.as_view(), name="order-rerank"),
    path("orders/<int:pk>/why-not/", matching_api.OrderWhyNotApi.as_view(), name="order-why-not"),
    path("search/content/", matching_api.SearchContentApi.as_view(), name="search-content"),
    path("search/product/", matching_api.SearchProductApi.as_view(), name="search-product"),
    path("search/lookalike/", matching_api.SearchLookalikeApi.as_view(), name="search-lookalike"),
    path("creator/profile/", creators_api.CreatorProfileApi.as_view(), name="creator-profile"),
    path("creator/rate-card/", creators_api.CreatorRateCardApi.as_view(), name="creator-rate-card"),
    path("creator/rights-rates/", creators_api.CreatorRightsRatesApi.as_view(), name="creator-rights-rates"),
    path("creator/blackouts/", creators_api.CreatorBlackoutListApi.as_view(), name="creator-blackout-list"),
    path("creator/blackouts/<int:pk>/", creators_api.CreatorBlackoutDetailApi.as_view(), name="creator-blackout"),
    path("creators/<slug:handle>/", creators_api.CreatorDetailApi.as_view(), name="creator-detail"),
    path("brand/", brands_api.BrandDetailApi.as_view(), name="brand-detail"),
    path("brand/members/", brands_api.BrandMemberListApi.as_view(), name="brand-member-list"),
    # --- end orders, matching, search, creators, brands
    # --- deals, money, notifications (views in orders/api/ and payouts/api.py)
    path("orders/<int:pk>/offers/", deals_api.OfferCreateApi.as_view(), name="offer-create"),
    path("orders/<int:pk>/collaborations/", deals_api.OrderCollaborationListApi.as_view(), name="order-collaborations"),
    path("orders/<int:pk>/applications/", deals_api.ApplicationCreateApi.as_view(), name="application-create"),
    path("creator/recommended-orders/", deals_api.RecommendedOrderListApi.as_view(), name="recommended-orders"),
    path("collaborations/", deals_api.CollaborationListApi.as_view(), name="collaboration-list"),
    path("collaborations/<int:pk>/", deals_api.CollaborationDetailApi.as_view(), name="collaboration-detail"),
    path("collaborations/<int:pk>/accept/", deals_api.CollaborationAcceptApi.as_view(), name="collaboration-accept"),
    path("collaborations/<int:pk>/decline/", deals_api.CollaborationDeclineApi.as_view(), name="collaboration-decline"),
    path(
        "collaborations/<int:pk>/withdraw/", deals_api.CollaborationWithdrawApi.as_view(), name="collaboration-withdraw"
    ),
    path("collaborations/<int:pk>/counter/", deals_api.CollaborationCounterApi.as_view(), name="collaboration-counter"),
    path(
        "collaborations/<int:pk>/accept_counter/",
        deals_api.CollaborationAcceptCounterApi.as_view(),
        name="collaboration-accept_counter",
    ),
    path(
        "collaborations/<int:pk>/decline_counter/",
        deals_api.CollaborationDeclineCounterApi.as_view(),
        name="collaboration-decline_counter",
    ),
    path("collaborations/<int:pk>/select/", deals_api.CollaborationSelectApi.as_view(), name="collaboration-select"),
    path(
        "collaborations/<int:pk>/reject_application/",
        deals_api.CollaborationRejectApplicationApi.as_view(),
        name="collaboration-reject_application",
    ),
    path(
        "collaborations/<int:pk>/withdraw_application/",
        deals_api.CollaborationWithdrawApplicationApi.as_view(),
        name="collaboration-withdraw_application",
    ),
    path(
        "collaborations/<int:pk>/approve_script/",
        deals_api.CollaborationApproveScriptApi.as_view(),
        name="collaboration-approve_script",
    ),
    path(
        "collaborations/<int:pk>/reject_script/",
        deals_api.CollaborationRejectScriptApi.as_view(),
        name="collaboration-reject_script",
    ),
    path(
        "collaborations/<int:pk>/approve_video/",
        deals_api.CollaborationApproveVideoApi.as_view(),
        name="collaboration-approve_video",
    ),
    path(
        "collaborations/<int:pk>/request_revision/",
        deals_api.CollaborationRequestRevisionApi.as_view(),
        name="collaboration-request_revision",
    ),
    path(
        "collaborations/<int:pk>/accept_work/",
        deals_api.CollaborationAcceptWorkApi.as_view(),
        name="collaboration-accept_work",
    ),
    path(
        "collaborations/<int:pk>/confirm_live/",
        deals_api.CollaborationConfirmLiveApi.as_view(),
        name="collaboration-confirm_live",
    ),
    path(
        "collaborations/<int:pk>/report_down/",
        deals_api.CollaborationReportDownApi.as_view(),
        name="collaboration-report_down",
    ),
    path(
        "collaborations/<int:pk>/reserve/",
        deals_api.CollaborationReserveApi.as_view(),
        name="collaboration-reserve",
    ),
    path(
        "collaborations/<int:pk>/requote/",
        deals_api.CollaborationRequoteApi.as_view(),
        name="collaboration-requote",
    ),
    path(
        "collaborations/<int:pk>/decline_requote/",
        deals_api.CollaborationDeclineRequoteApi.as_view(),
        name="collaboration-decline_requote",
    ),
    path(
        "collaborations/<int:pk>/pay_balance/",
        deals_api.CollaborationPayBalanceApi.as_view(),
        name="collaboration-pay_balance",
    ),
    path(
        "collaborations/<int:pk>/confirm_plays/",
        deals_api.CollaborationConfirmPlaysApi.as_view(),
        name="collaboration-confirm_plays",
    ),
    path(
        "collaborations/<int:pk>/dispute_plays/",
        deals_api.CollaborationDisputePlaysApi.as_view(),
        name="collaboration-dispute_plays",
    ),
    path("collaborations/<int:pk>/cancel/", deals_api.CollaborationCancelApi.as_view(), name="collaboration-cancel"),
    path(
        "collaborations/<int:pk>/extend_rights/",
        deals_api.CollaborationExtendRightsApi.as_view(),
        name="collaboration-extend-rights",
    ),
    path("collaborations/<int:pk>/script/", deals_api.CollaborationScriptApi.as_view(), name="collaboration-script"),
    path("collaborations/<int:pk>/video/", deals_api.CollaborationVideoApi.as_view(), name="collaboration-video"),
    path("collaborations/<int:pk>/publish/", deals_api.CollaborationPublishApi.as_view(), name="collaboration-publish"),
    path("collaborations/<int:pk>/dispute/", deals_api.CollaborationDisputeApi.as_view(), name="collaboration-dispute"),
    path(
        "collaborations/<int:pk>/dispute/evidence/",
        deals_api.CollaborationDisputeEvidenceApi.as_view(),
        name="collaboration-dispute-evidence",
    ),
    path(
        "collaborations/<int:pk>/messages/", deals_api.CollaborationMessageApi.as_view(), name="collaboration-message"
    ),
    path("collaborations/<int:pk>/rating/", deals_api.CollaborationRatingApi.as_view(), name="collaboration-rating"),
    path("files/<int:pk>/", deals_api.DeliverableDownloadApi.as_view(), name="deliverable-download"),
    path("disputes/", deals_api.DisputeListApi.as_view(), name="dispute-list"),
    path("disputes/<int:pk>/decide/", deals_api.DisputeDecideApi.as_view(), name="dispute-decide"),
    path("wallet/", money_api.WalletDetailApi.as_view(), name="wallet-detail"),
    path("wallet/statement/", money_api.WalletStatementApi.as_view(), name="wallet-statement"),
    path("wallet/topups/", money_api.WalletTopupApi.as_view(), name="wallet-topup"),
    path("earnings/", money_api.EarningsDetailApi.as_view(), name="earnings-detail"),
    path("earnings/statement/", money_api.EarningsStatementApi.as_view(), name="earnings-statement"),
    path("payouts/", money_api.PayoutApi.as_view(), name="payout-list"),
    path("statements/<int:year>/<int:month>/", money_api.MonthlyStatementApi.as_view(), name="statement-month"),
    path("documents/", invoices_api.DocumentListApi.as_view(), name="document-list"),
    path("documents/<int:pk>/", invoices_api.DocumentDetailApi.as_view(), name="document-detail"),
    path("documents/<int:pk>/pdf/", invoices_api.DocumentPdfApi.as_view(), name="document-pdf"),
    path("documents/<int:pk>/csv/", invoices_api.DocumentCsvApi.as_view(), name="document-csv"),
    path("notifications/", deals_api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read/", deals_api.NotificationReadApi.as_view(), name="notification-read"),
    # --- end deals, money, notifications
    # --- campaign results and reports (views in insights/api/reports.py)
    path(
        "collaborations/<int:pk>/results/",
        reports_api.CollaborationResultCreateApi.as_view(),
        name="collaboration-result-create",
    ),
    path("collaborations/<int:pk>/report/", reports_api.CollaborationReportApi.as_view(), name="collaboration-report"),
    path("orders/<int:pk>/report/", reports_api.OrderReportApi.as_view(), name="order-report"),
    # --- end campaign results and reports
    # --- value indices, growth path, creator directory (views in creators/api/browse.py and growth.py)
    path("creators/", creators_api.CreatorListApi.as_view(), name="creator-list"),
    path("creator/growth/", growth_api.CreatorGrowthApi.as_view(), name="creator-growth"),
    # --- end value indices, growth path, creator directory
    # --- agencies (views in agencies/api.py)
    path("agency/roster/", agencies_api.AgencyRosterApi.as_view(), name="agency-roster"),
    path("agency/invitations/", agencies_api.AgencyInvitationApi.as_view(), name="agency-invitation"),
    path("agency/wallet/", agencies_api.AgencyWalletApi.as_view(), name="agency-wallet"),
    path("agency/statement/", agencies_api.AgencyStatementApi.as_view(), name="agency-statement"),
    path("agency/payouts/", agencies_api.AgencyPayoutApi.as_view(), name="agency-payouts"),
    path("representations/", agencies_api.RepresentationListApi.as_view(), name="representation-list"),
    path(
        "representations/<int:pk>/accept/",
        agencies_api.RepresentationActiveApi.as_view(),
        name="representation-accept",
    ),
    path(
        "representations/<int:pk>/decline/",
        agencies_api.RepresentationDeclinedApi.as_view(),
        name="representation-decline",
    ),
    path("representations/<int:pk>/end/", agencies_api.RepresentationEndedApi.as_view(), name="representation-end"),
    # --- end agencies
    # --- webhooks (views in webhooks/api.py)
    path("webhooks/endpoints/", webhooks_api.WebhookEndpointListApi.as_view(), name="webhook-endpoint-list"),
    path("webhooks/endpoints/<int:pk>/", webhooks_api.WebhookEndpointDetailApi.as_view(), name="webhook-endpoint"),
    path(
        "webhooks/endpoints/<int:pk>/rotate-secret/",
        webhooks_api.WebhookEndpointRotateApi.as_view(),
        name="webhook-endpoint-rotate",
    ),
    path("webhooks/deliveries/", webhooks_api.WebhookDeliveryListApi.as_view(), name="webhook-delivery-list"),
    path("webhooks/deliveries/<int:pk>/", webhooks_api.WebhookDeliveryDetailApi.as_view(), name="webhook-delivery"),
    path(
        "webhooks/deliveries/<int:pk>/resend/",
        webhooks_api.WebhookDeliveryResendApi.as_view(),
        name="webhook-delivery-resend",
    ),
    # --- end webhooks
]

# The docs viewers inject <style> elements, so their pages (only) allow inline styles; the Swagger
# UI's start script comes from the split view's ?script= URL, so scripts stay same-origin. Redoc
# searches in a worker it creates from a blob: URL.
swagger_csp = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", swagger_csp(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", redoc_csp(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
