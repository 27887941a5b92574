"""Home, the sign-up chooser and account settings. Login, logout and passwords use Django's auth views
(see urls); brands and creators sign up on their own apps' pages (brands.views, creators.views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from marketplace.core.accounts import user_update_settings
from marketplace.core.roles import role_of
from marketplace.core.web import form_add_errors, refused_status
from marketplace.forms import AccountSettingsForm


def home(request):
    """Send each role to its dashboard; guests (and accounts with no role yet) see the landing page."""
    role = role_of(request.user)
    if role is not None and role.is_brand:
        return redirect("brands:dashboard")
    if role is not None and role.is_creator:
        return redirect("creators:dashboard")
    if role is not None and role.is_staff:
        return redirect("staff_overview")
    if role is not None and role.is_agency:
        return redirect("agencies:roster")
    return render(request, "marketplace/landing.html")


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "marketplace/account_signup.html")


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    initial = {"full_name": request.user.full_name, "time_zone": request.user.time_zone}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_settings(
                user=request.user, full_name=form.cleaned_data["full_name"], time_zone=form.cleaned_data["time_zone"]
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("account_settings")
    return render(request, "marketplace/account_settings.html", {"form": form}, status=refused_status(form))
