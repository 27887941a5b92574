"""Creator pages other than the editor: sign-up, the read-only profile brands see (with its audience charts and
picture), the brand creator directory and verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creators import directory as directory_reads
from creators import selectors, services
from creators.avatars import AVATAR_CONTENT_TYPE
from creators.forms import (
    CreatorSignupForm,
    CreatorVerificationForm,
    DirectoryFilterForm,
)
from creators.models import Creator, CreatorVerification
from creators.track_record.selectors import creator_track_record
from marketplace.core import DomainError, charts, form_add_errors
from marketplace.core.audience import AGE_BUCKETS, AGE_LABELS, GENDER_LABELS, GENDERS, region_names
from marketplace.core.models import ContentFormat
from marketplace.core.plugins import plugin
from marketplace.core.templatetags.numbers import percent
from marketplace.core.throttles import signup_refused
from marketplace.core.verification import verification_open, verification_submit
from marketplace.core.web import refused_status

SIGNUP_TEMPLATE = "creators/signup.html"


# ------------------------------------------------------------ sign-up


@require_http_methods(["GET", "POST"])
def signup_creator(request: HttpRequest) -> HttpResponse:
    """A new account with its creator profile; signed in on the creator's dashboard."""
    if request.user.is_authenticated:
        return redirect("home")
    form = CreatorSignupForm(request.POST or None)
    if request.method == "POST" and (refused := signup_refused(request, form, SIGNUP_TEMPLATE)):
        return refused
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creator = services.creator_signup(
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                handle=data["handle"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            login(request, creator.user)
            messages.success(request, _("Welcome to Starmap! Complete your profile so brands can find you."))
            return redirect("home")
    return render(request, SIGNUP_TEMPLATE, {"form": form}, status=refused_status(form))


# ------------------------------------------------------------ public profile


@login_required
@require_GET
def detail(request: HttpRequest, handle: str) -> HttpResponse:
    creator = selectors.creator_detail_for_viewer(handle=handle, user=request.user)
    names = region_names(creator.audience_region)
    context = {
        "creator": creator,
        "label_links": creator.label_links.all(),
        "rate_card": selectors.current_rate_card(creator),
        "age_rows": [(bucket, creator.audience_age.get(bucket)) for bucket in AGE_BUCKETS if creator.audience_age],
        "gender_rows": [(GENDER_LABELS[g], creator.audience_gender.get(g)) for g in GENDERS if creator.audience_gender],
        "region_rows": [
            (code, names[code], share)
            for code, share in sorted(creator.audience_region.items(), key=lambda item: -item[1])
        ],
        "is_own_profile": creator.user_id == request.user.pk,
        "indices": selectors.creator_indices(creator, user=request.user),
        "percentile_note": selectors.PERCENTILE_NOTE,
        # Few orders say little: the page shows the count and what the matcher counts the rate as.
        "record": creator_track_record(creator),
        "favourites": plugin("CREATOR_LISTS").favourites_of(request.user, [creator.pk]) if creator.is_active else None,
        "past_collaborations": plugin("CREATOR_RECORD").past_collaborations(creator.pk),
        "content_lines": [line.strip() for line in creator.content_sample.splitlines() if line.strip()][:10],
        "content_samples": creator.content_samples.all(),
        "audience_charts": audience_charts(creator, names),
        "age_buckets": AGE_BUCKETS,
        # Brands see that the creator is represented (the agencies app's contracts, by their reverse name).
        "representation": creator.representations.filter(status="active").select_related("agency").first(),
    }
    return render(request, "creators/creator_detail.html", context)


AUDIENCE_CHART_WIDTH = 360  # drawn at about its own size on a 390 px phone, so its 12 px labels stay 12 px
AUDIENCE_TOP_REGIONS = 8


def audience_charts(creator: Creator, region_name: dict[str, str]) -> list[dict]:
    """The media kit's audience as charts (``{"key", "chart"}``, each with its numbers as a table): age as
    columns, gender and the top regions as bars; a distribution that is not known has no chart."""

    def chart(title: str, header: str, labels: list[str], shares: list[float], horizontal: bool):
        return charts.grouped_bar_chart(
            title,
            labels,
            [charts.Series(_("Share of the audience"), "share", [100 * share for share in shares])],
            category_header=header,
            horizontal=horizontal,
            axis_format=lambda value: percent(value / 100, 0),
            value_format=lambda value: percent(value / 100, 1),
            width=AUDIENCE_CHART_WIDTH,
        )

    found = []
    if creator.audience_age:
        ages = [str(AGE_LABELS[b]) for b in AGE_BUCKETS]
        shares = [creator.audience_age.get(b) or 0.0 for b in AGE_BUCKETS]
        found.append(("audience-age", chart(_("Audience by age (years)"), _("Age"), ages, shares, horizontal=False)))
    if creator.audience_gender:
        genders = [str(GENDER_LABELS[g]) for g in GENDERS]
        shares = [creator.audience_gender.get(g) or 0.0 for g in GENDERS]
        found.append(("audience-gender", chart(_("Audience by gender"), _("Gender"), genders, shares, horizontal=True)))
    if creator.audience_region:
        top = sorted(creator.audience_region.items(), key=lambda item: (-item[1], item[0]))[:AUDIENCE_TOP_REGIONS]
        names = [region_name.get(code, code) for code, _share in top]
        found.append(
            (
                "audience-region",
                chart(_("Top regions of the audience"), _("Region"), names, [s for _c, s in top], horizontal=True),
            )
        )
    return [{"key": key, "chart": drawn} for key, drawn in found]


@login_required
@require_GET
def avatar(request: HttpRequest, handle: str) -> FileResponse:
    """A creator's uploaded picture, to whoever may open the creator's page (creators.selectors has the rule).

    Its address carries the stored file's name (``?v=``), new for each picture, so browsers may keep it a day.
    """
    creator = selectors.creator_avatar_for_viewer(handle=handle, user=request.user)
    try:
        stored = creator.avatar.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(stored, content_type=AVATAR_CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="avatar.webp"'
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------ growth path


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Creators for brands (and staff) to browse: filters, a sort by any index, "next page" links."""
    if not directory_reads.can_browse(request.user):
        raise PermissionDenied
    form = DirectoryFilterForm(request.GET or None)
    page, next_url = None, ""
    if not form.is_bound or form.is_valid():
        query = form.query() if form.is_bound else directory_reads.DirectoryQuery()
        cursor = request.GET.get("cursor", "")
        try:
            page = directory_reads.directory_page(user=request.user, query=query, cursor=cursor)
        except directory_reads.InvalidCursor as exc:
            messages.error(request, exc.detail)
            page = directory_reads.directory_page(user=request.user, query=query)
        if page.next_cursor:
            params = request.GET.copy()
            params["cursor"] = page.next_cursor
            next_url = "?" + params.urlencode()
    first = request.GET.copy()
    first.pop("cursor", None)
    price_format = form.cleaned_data.get("price_format", "") if form.is_bound and page is not None else ""
    if price_format:
        prices = selectors.prices_in_force([c.pk for c in page.creators], price_format)
        for creator in page.creators:
            creator.card_price = prices.get(creator.pk)
    context = {
        "price_format": dict(ContentFormat.choices).get(price_format, ""),
        "age_buckets": AGE_BUCKETS,
        "form": form,
        "page": page,
        "next_url": next_url,
        "first_url": "?" + first.urlencode() if "cursor" in request.GET else "",
        "warning_score": selectors.AUTHENTICITY_WARNING,
        # None for staff (no brand, so no lists): the rows then have no star and no "save" link.
        "favourites": plugin("CREATOR_LISTS").favourites_of(
            request.user, [c.pk for c in page.creators] if page else []
        ),
    }
    return render(request, "creators/creator_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest) -> HttpResponse:
    """The creator's verification: where it stands, past decisions with staff's reasons, and the evidence form."""
    creator = selectors.creator_for_user(request.user)
    form = CreatorVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verification_submit(
                request_model=CreatorVerification, subject=creator, user=request.user, **form.cleaned_data
            )
        except (DomainError, ValidationError) as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Thank you: staff will review your account and tell you the outcome."))
            return redirect("creators:verification")
    context = {
        "subject": creator,
        "form": form,
        "requests": creator.verification_requests.select_related("decided_by")[:20],
        "can_submit": verification_open(creator, CreatorVerification),
    }
    return render(request, "creators/creator_verification.html", context, status=refused_status(form))
