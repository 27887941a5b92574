"""The creator's profile editor: one page, one form per section, each saved by its service; the label search
its picker asks."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creators import selectors, services
from creators.forms import (
    AudienceForms,
    AvatarForm,
    BasicsForm,
    BlackoutForm,
    BlackoutRemoveForm,
    CapacityForm,
    LabelSearchForm,
    LabelsForm,
    RateCardForm,
    RightsRatesForm,
    content_sample_formset,
    content_samples_of,
    search_rows,
)
from creators.models import Creator
from marketplace.core import DomainError, form_add_errors
from marketplace.core.audience import countries, region_names
from marketplace.core.params import SearchForm
from marketplace.core.web import refused_status

LABEL_SEARCH_LIMIT = 20


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
