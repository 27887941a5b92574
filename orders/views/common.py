"""What the deal views share: safe redirects."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The ``next`` URL of a form if it is a path on this site, else ``default``.

    Only a path ("/…"): ``redirect()`` reads any other text ("²", "1e999") as a view name to reverse, a 500.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    is_path = target.startswith("/") and not target.startswith("//")
    if is_path and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
