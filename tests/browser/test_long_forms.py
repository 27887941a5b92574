"""Long forms on a phone (390×844): a form taller than the screen is drawn in sections (a fieldset with its
legend, or an article with its header, as the order form is). (A form sent with errors lists them at its top,
each linking to its field, through the one _form_errors partial: tests/marketplace/test_layout_templates.py.)

The pages are the forms people fill in at length: sign-ups, the brand and creator profiles, the order form.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.pages import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Each <form> in <main>: its height, and how many sections it has.
FORMS = """() => Array.from(document.querySelectorAll("main form[method=post]")).map((form) => ({
  form: form.dataset.unsavedWarning || form.id || form.getAttribute("action") || location.pathname,
  height: Math.round(form.getBoundingClientRect().height),
  sections: form.querySelectorAll(":scope fieldset > legend, :scope article > header").length,
}))"""
# Who opens each page (None: a guest).
PAGES = {
    "signup_brand": None,
    "signup_creator": None,
    "brands:profile_edit": "owner",
    "orders:create": "owner",
    "creators:profile_edit": "creator",
    "account_settings": "owner",
}


def test_every_form_taller_than_a_phone_screen_comes_in_sections(people, browsers):
    emails = {"owner": people.owner_email, "creator": people.creator_email}
    unsectioned = []
    pages = {}
    for name, who in PAGES.items():
        if who not in pages:
            pages[who] = browsers.open(f"forms-{who or 'guest'}")
            if who is not None:  # at the browser's desktop size: on a phone "Log out" is folded under Menu
                login(pages[who], browsers.base_url, emails[who])
            pages[who].set_viewport_size(PHONE)
        page = pages[who]
        page.goto(browsers.base_url + reverse(name))
        page.wait_for_load_state("networkidle")
        for form in page.evaluate(FORMS):
            if form["height"] > PHONE["height"] and form["sections"] < 2:
                unsectioned.append((name, form))

    assert unsectioned == []
