"""Request parameters that are not one form's fields, read through Django's form fields all the same.

Every parameter a view reads goes through a form field (or a DRF serializer field, or django-filter):
they refuse a NUL byte in text, "²" (a digit to ``str.isdigit``, not to ``int``), numbers past
``int``'s 4,300-digit limit and values no column can hold, with a message, where hand-written
``isdigit()`` / ``int()`` parsing answered 500. This module holds the few pieces the forms share.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # PostgreSQL's bigint: the largest object id there can be
SEARCH_MAX_LENGTH = 200


_DIGITS = re.compile(r"[0-9]+")  # ASCII digits: [0-9] is not \d, which takes every script's digits


def whole_number(text: str, *, most: int) -> int | None:
    """``text`` as a whole number if it is ASCII digits only (no sign, space or separator), else None; a number
    above ``most``, however many digits it has, reads as ``most + 1``.

    The one place digits are read by hand, for what no form field reads: CSV cells, command arguments,
    and a page size, where more than the most means the most.
    """
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(most)):
        return most + 1
    return min(int(digits), most + 1)


def number_argument(*, least: int, most: int) -> Callable[[str], int]:
    """A command-line argument that is a whole number from ``least`` to ``most`` (read by whole_number): "-1",
    "²", 5,000 digits or a count no run could finish are refused by the parser, with a message naming the
    argument, before the command does anything."""

    def read(text: str) -> int:
        number = whole_number(text, most=most)
        if number is None or not least <= number <= most:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number from {least} to {most}")
        return number

    read.__name__ = "whole number"
    return read


def has_lone_surrogate(text: str) -> bool:
    """A lone surrogate (U+D800 to U+DFFF) is no character: it cannot be stored, encoded or sent back. It comes
    from "\\ud800" in JSON text, and from a command-line argument holding bytes that are not UTF-8."""
    return any("\ud800" <= char <= "\udfff" for char in text)


def text_argument(*, max_length: int = SEARCH_MAX_LENGTH) -> Callable[[str], str]:
    """A command-line argument that is text (a handle, a name, a version): at most ``max_length`` characters,
    no NUL, no byte that is not UTF-8; refused by the parser with a message naming the argument."""
    field = forms.CharField(max_length=max_length)

    def read(text: str) -> str:
        if has_lone_surrogate(text):
            raise argparse.ArgumentTypeError("holds bytes that are not UTF-8 text")
        try:
            return field.clean(text)
        except forms.ValidationError as exc:
            raise argparse.ArgumentTypeError(" ".join(exc.messages)) from None

    read.__name__ = "text"
    return read


# Seeds of numpy's and Python's generators: what numpy's legacy seeding takes, so one seed serves both.
SEED = number_argument(least=0, most=2**32 - 1)


class IdListField(forms.Field):
    """A parameter given once per item (``creator=3&creator=5``): distinct object ids, in the order given."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Give each id as a whole number."),
        "too_many": _("Choose at most %(max)s."),
    }

    def __init__(self, *, max_items: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_items = max_items
        self._one = forms.IntegerField(min_value=1, max_value=MAX_ID)

    def to_python(self, value) -> list[int]:
        items = value if isinstance(value, list | tuple) else ([] if value in self.empty_values else [value])
        if self.max_items is not None and len(items) > self.max_items:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.max_items}
            )
        try:
            return list(dict.fromkeys(self._one.clean(item) for item in items))
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class SearchForm(forms.Form):
    """A search box (``?q=``): any text up to 200 characters, no NUL (PostgreSQL text cannot hold one)."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH)

    def query(self) -> str | None:
        """The words searched for ("" for none), or None when the box holds something no search can take."""
        return self.cleaned_data["q"] if self.is_valid() else None


# Deeper than any JSON Starmap takes (an order is 3 levels, the admin's JSON columns 2): a bound, so that
# nesting cannot exhaust Python's recursion (a thousand brackets were a RecursionError, a 500).
MAX_JSON_DEPTH = 32


def json_problem(data) -> str | None:
    """Why parsed JSON cannot be taken as input, or None: nested deeper than MAX_JSON_DEPTH, or text holding
    a lone surrogate ("\\ud800" is valid JSON but no character: it cannot be stored or even sent back)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return str(_("Text holds a lone surrogate (\\ud800 to \\udfff), which is not a character."))
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return str(_("Nested more than %(n)s levels deep.") % {"n": MAX_JSON_DEPTH})
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None
