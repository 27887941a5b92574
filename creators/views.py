"""Creator pages: sign-up, the creator's dashboard, growth page and profile editor, the read-only profile brands see,
and the brand creator directory."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creators import directory as directory_reads
from creators import selectors, services
from creators.avatars import AVATAR_CONTENT_TYPE
from creators.forms import (
    AudienceForms,
    AvatarForm,
    BasicsForm,
    BlackoutForm,
    BlackoutRemoveForm,
    CapacityForm,
    CreatorSignupForm,
    CreatorVerificationForm,
    DirectoryFilterForm,
    LabelSearchForm,
    LabelsForm,
    RateCardForm,
    RightsRatesForm,
    content_sample_formset,
    content_samples_of,
    search_rows,
)
from creators.models import Creator, CreatorVerification
from creators.track_record.selectors import creator_track_record
from marketplace.core import DomainError, charts, form_add_errors
from marketplace.core.audience import AGE_BUCKETS, AGE_LABELS, GENDER_LABELS, GENDERS, countries, region_names
from marketplace.core.models import ContentFormat
from marketplace.core.params import SearchForm
from marketplace.core.plugins import plugin
from marketplace.core.templatetags.numbers import percent
from marketplace.core.throttles import signup_refused
from marketplace.core.verification import verification_open, verification_submit
from marketplace.core.web import refused_status

LABEL_SEARCH_LIMIT = 20
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


# ------------------------------------------------------------ profile editor


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The creator's own profile, one form per section; each POST names its ``section``."""
    creator = selectors.creator_for_user(request.user)
    bound: dict[str, object] = {}
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTION_HANDLERS:
            return HttpResponseBadRequest(_("Unknown section."))
        handler, anchor = SECTION_HANDLERS[section]
        invalid = handler(request, creator)
        if invalid is None:
            return redirect(reverse("creators:profile_edit") + "#" + anchor)
        bound[section] = invalid
    context = _edit_context(request, creator, bound)
    # A refused save, or a label search that could not be read, is bad input: 400 with the page.
    status = refused_status(bound, context["label_search_errors"])  # bound holds only the refused sections
    return render(request, "creators/creator_edit.html", context, status=status)


def _edit_context(request: HttpRequest, creator: Creator, bound: dict) -> dict:
    links = selectors.creator_label_links(creator)
    search = SearchForm(request.GET)
    query = search.query() or ""
    results = selectors.label_search(query, LABEL_SEARCH_LIMIT, exclude=[link.label_id for link in links])
    rate_card = selectors.current_rate_card(creator)
    return {
        "creator": creator,
        "basics_form": bound.get("basics") or BasicsForm(initial=BasicsForm.initial_for(creator)),
        "capacity_form": bound.get("capacity")
        or CapacityForm(initial={"max_concurrent": creator.max_concurrent, "external_load": creator.external_load}),
        "labels_form": bound.get("labels") or LabelsForm(links=links),
        "label_query": query,
        "label_search_errors": search.errors.get("q", []),
        "label_results": search_rows(results),
        "max_labels": services.MAX_LABELS,
        "audience": bound.get("audience") or AudienceForms(creator=creator),
        "rate_card_form": bound.get("rate_card") or RateCardForm(lines=rate_card),
        "rights_form": bound.get("rights") or RightsRatesForm(lines=selectors.rights_rate_lines(creator)),
        "next_month": services.first_of_next_month(services.platform_today()),
        "price_min": services.RATE_CARD_MIN_PRICE,
        "price_max": services.RATE_CARD_MAX_PRICE,
        "blackout_form": bound.get("blackout_add") or BlackoutForm(),
        "blackouts": list(selectors.upcoming_blackouts(creator)),
        "avatar_form": bound.get("avatar") or AvatarForm(),
        "samples_formset": bound.get("samples") or content_sample_formset(creator=creator),
        "regions": region_names(),
        "countries": region_names(countries()),
        "currency": settings.CURRENCY,
    }


def _save_basics(request: HttpRequest, creator: Creator):
    form = BasicsForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.creator_update_profile(
            creator=creator, actor=request.user, max_concurrent=creator.max_concurrent, **form.cleaned_data
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Profile saved."))
    return None


def _save_capacity(request: HttpRequest, creator: Creator):
    form = CapacityForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.creator_update_profile(
            creator=creator,
            actor=request.user,
            display_name=creator.display_name,
            bio=creator.bio,
            platform=creator.platform,
            country=creator.country,
            content_sample=creator.content_sample,
            max_concurrent=form.cleaned_data["max_concurrent"],
            external_load=form.cleaned_data["external_load"],
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Capacity saved."))
    return None


def _save_labels(request: HttpRequest, creator: Creator):
    form = LabelsForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.creator_set_labels(creator=creator, actor=request.user, labels=form.cleaned_data["pairs"])
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Content labels saved."))
    return None


def _save_audience(request: HttpRequest, creator: Creator):
    audience = AudienceForms(request.POST, creator=creator)
    if not audience.is_valid():
        return audience
    try:
        services.creator_set_audience(creator=creator, actor=request.user, **audience.shares())
    except ValidationError as exc:
        audience.form_add_errors(exc)
        return audience
    messages.success(request, _("Audience saved."))
    return None


def _save_rate_card(request: HttpRequest, creator: Creator):
    form = RateCardForm(request.POST, lines=selectors.current_rate_card(creator))
    if not form.is_valid():
        return form
    today = services.platform_today()
    try:
        rows = services.rate_card_set_prices(
            creator=creator, actor=request.user, prices=form.changed_prices(), today=today
        )
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    later = sorted({row.effective_from for row in rows if row is not None and row.effective_from > today})
    if later:
        messages.success(
            request,
            _("Rate card saved. Price changes take effect on %(date)s; prices in force until then stay as they are.")
            % {"date": date_format(later[0], "DATE_FORMAT")},
        )
    else:
        messages.success(request, _("Rate card saved."))
    return None


def _add_blackout(request: HttpRequest, creator: Creator):
    form = BlackoutForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.blackout_add(creator=creator, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Blackout dates added."))
    return None


def _remove_blackout(request: HttpRequest, creator: Creator):
    form = BlackoutRemoveForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Those blackout dates were not found."))
        services.blackout_remove(creator=creator, actor=request.user, blackout_id=form.cleaned_data["blackout_id"])
    except DomainError:
        messages.error(request, _("Those blackout dates were not found."))
    else:
        messages.success(request, _("Blackout dates removed."))
    return None


def _save_avatar(request: HttpRequest, creator: Creator):
    form = AvatarForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    try:
        services.creator_set_avatar(creator=creator, actor=request.user, upload=form.cleaned_data["avatar"])
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Profile picture saved."))
    return None


def _remove_avatar(request: HttpRequest, creator: Creator):
    services.creator_remove_avatar(creator=creator, actor=request.user)
    messages.success(request, _("Profile picture removed: your initials show in its place."))
    return None


def _save_samples(request: HttpRequest, creator: Creator):
    formset = content_sample_formset(request.POST, creator=creator)
    if not formset.is_valid():
        return formset
    try:
        services.creator_set_content_samples(creator=creator, actor=request.user, samples=content_samples_of(formset))
    except ValidationError as exc:
        formset._non_form_errors = formset.error_class(exc.messages)
        return formset
    messages.success(request, _("Content samples saved."))
    return None


def _save_rights(request: HttpRequest, creator: Creator):
    form = RightsRatesForm(request.POST, lines=selectors.rights_rate_lines(creator))
    if not form.is_valid():
        return form
    try:
        services.rights_rates_set(creator=creator, actor=request.user, rates=form.rates())
    except ValidationError as exc:
        form_add_errors(form, exc)
        return form
    messages.success(request, _("Usage-rights prices saved. They apply to offers from now on."))
    return None


# section posted → (handler returning the invalid form or None when saved, anchor to return to)
SECTION_HANDLERS: dict[str, tuple[Callable, str]] = {
    "basics": (_save_basics, "basics"),
    "capacity": (_save_capacity, "capacity"),
    "labels": (_save_labels, "labels"),
    "audience": (_save_audience, "audience"),
    "rate_card": (_save_rate_card, "rate-card"),
    "rights": (_save_rights, "rights-rates"),
    "blackout_add": (_add_blackout, "blackouts"),
    "blackout_remove": (_remove_blackout, "blackouts"),
    "avatar": (_save_avatar, "media-kit"),
    "avatar_remove": (_remove_avatar, "media-kit"),
    "samples": (_save_samples, "content-samples"),
}


@login_required
@require_GET
def label_search(request: HttpRequest) -> HttpResponse:
    """Label picker results as unticked rows (htmx); without htmx, the editor page shows them."""
    creator = selectors.creator_for_user(request.user)
    search = LabelSearchForm(request.GET)
    valid = search.is_valid()
    if not request.htmx:
        query = search.cleaned_data.get("q", "") if valid else request.GET.get("q", "")
        return redirect(reverse("creators:profile_edit") + "?" + urlencode({"q": query}) + "#labels")
    if not valid:
        context = {"label_results": [], "label_search_errors": search.errors.get("q", []) or search.errors.get("label")}
        return render(request, "creators/_label_results.html", context, status=400)
    exclude = search.cleaned_data["label"] + list(creator.label_links.values_list("label_id", flat=True))
    results = selectors.label_search(search.cleaned_data["q"], LABEL_SEARCH_LIMIT, exclude=exclude)
    context = {"label_results": search_rows(results), "label_query": search.cleaned_data["q"]}
    return render(request, "creators/_label_results.html", context)


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
