"""Creator pages: sign-up, the profile editor (``editor.py``), the read-only profile brands see, the brand
creator directory and verification (``pages.py``). The dashboard and growth page read the deal and the ledger:
they live in insights.views (marketplace/urls.py adds them)."""

from creators.views.editor import label_search, profile_edit
from creators.views.pages import avatar, detail, directory, signup_creator, verification

__all__ = ["avatar", "detail", "directory", "label_search", "profile_edit", "signup_creator", "verification"]
