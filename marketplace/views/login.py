"""The web login and the password reset request.

Failed logins are limited by django-axes (marketplace/core/throttles.py): the login view is Django's, and a
locked-out attempt becomes a 429 page with Retry-After in axes' middleware. Reset requests are limited
per client IP and per address asked for.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.utils.translation import ngettext

from marketplace.core.throttles import (
    PasswordResetAddressThrottle,
    PasswordResetThrottle,
    first_refusal,
    minutes,
    refuse,
    show_only,
)
from marketplace.core.web import refused_status, safe_next
from marketplace.forms import PasswordResetForm


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # Only a path on this site: Django's own check lets "²" through as a relative address, a 404 after login.
        return safe_next(self.request, "")


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = refused_status(form)  # the form again, each message beside its field
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def form_valid(self, form):
        refused = first_refusal(self.request, [PasswordResetThrottle(), PasswordResetAddressThrottle()])
        if refused is None:
            return super().form_valid(form)
        wait = refused.wait()
        m = minutes(wait)
        if isinstance(refused, PasswordResetAddressThrottle):
            message = ngettext(
                "We have sent several links to this address already. Check your inbox and spam folder, "
                "or ask again in %(minutes)d minute.",
                "We have sent several links to this address already. Check your inbox and spam folder, "
                "or ask again in %(minutes)d minutes.",
                m,
            )
        else:
            message = ngettext(
                "Too many password reset requests from your network. Try again in %(minutes)d minute.",
                "Too many password reset requests from your network. Try again in %(minutes)d minutes.",
                m,
            )
        show_only(form, message % {"minutes": m})
        return refuse(self.form_invalid(form), wait)
