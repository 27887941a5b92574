"""Steps a test client takes the way a person does: follow the redirect, log in on the login page.

A test of a redirect or a login follows the person's next request and asserts what that page shows,
never only a Location header or the session's user id (a session can hold an id that the next
request refuses, as sign-up's did).
"""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

PASSWORD = "pw-for-tests-only"  # every UserFactory user's


def landed_on(response) -> str:
    """The path of the page a followed response ended on."""
    return response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]


def log_in_through(client, url: str, email: str, password: str = PASSWORD):
    """A guest opens ``url``, is shown the login page, logs in there and is taken back.

    Returns the login page and the page they come back to. Fails when ``url`` did not send the guest
    to the login page.
    """
    login_page = client.get(url, follow=True)
    assert landed_on(login_page).startswith(reverse("login")), landed_on(login_page)
    assert '<button type="submit">Log in</button>' in login_page.content.decode()
    data = {"username": email, "password": password, "next": login_page.context["next"]}
    return login_page, client.post(landed_on(login_page), data, follow=True)


def is_guest(client) -> bool:
    """Whether the client's next request is a guest's: the account page sends it to log in."""
    page = client.get(reverse("account_settings"), follow=True)
    return landed_on(page).startswith(reverse("login"))


_LOADED_SECTION = re.compile(r'<section\b[^>]*\bhx-get="([^"]+)"[^>]*\bhx-trigger="load"[^>]*>.*?</section>', re.S)


def page_as_shown(client, url: str, data=None) -> str:
    """The page as a browser shows it once htmx has run: each section that loads itself on load
    (``hx-get`` + ``hx-trigger="load"``, as the order page loads the matcher's ranked list) is fetched the way
    htmx fetches it and put in its place. Fails when such a section does not answer 200."""
    html = client.get(url, data).content.decode()

    def load(match: re.Match) -> str:
        section = client.get(unescape(match.group(1)), headers={"HX-Request": "true"})
        assert section.status_code == 200, (match.group(1), section.status_code)
        return section.content.decode()

    return _LOADED_SECTION.sub(load, html)
