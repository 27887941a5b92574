"""The request-schema pattern for non-blank text means what the server's blank check means."""

import re

import jsonschema
import jsonschema_rs
import pytest
from rest_framework import serializers

from marketplace.core.api.fields import NON_BLANK

EVERY_CHARACTER = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


@pytest.mark.parametrize("flags", [0, re.ASCII], ids=["unicode", "ascii"])
def test_python_reads_the_pattern_as_str_strip_does_in_either_mode(flags):
    pattern = re.compile(NON_BLANK, flags)
    disagree = [hex(ord(ch)) for ch in EVERY_CHARACTER if (pattern.search(ch) is None) != (ch.strip() == "")]
    assert disagree == []


def test_the_ecma_validator_and_the_python_validator_agree_on_blank_text():
    schema = {"type": "string", "pattern": NON_BLANK}
    rust = jsonschema_rs.validator_for(schema)
    python = jsonschema.Draft202012Validator(schema)
    blanks = [ch for ch in EVERY_CHARACTER if ch.strip() == ""]
    samples = [*blanks, "\x85\x1c ", " \u3000x ", "a", "\ufeff"]
    for value in samples:
        expected = value.strip() != ""
        assert rust.is_valid(value) is expected, hex(ord(value[0]))
        assert python.is_valid(value) is expected, hex(ord(value[0]))


@pytest.mark.parametrize("value", [0, 1.5, True, ["a"], {"a": 1}])
def test_every_text_field_of_a_request_takes_only_a_json_string(value):
    # Generated over every request serializer: a plain CharField would store 0 as "0" (schemathesis found
    # it on the agency invitation's note).
    from marketplace.core.api.fields import RequestSerializer

    class Probe(RequestSerializer):
        note = serializers.CharField(required=False)

    serializer = Probe(data={"note": value})

    assert not serializer.is_valid()
    assert serializer.errors == {"note": ["Send a JSON string."]}
    assert Probe(data={"note": "fine"}).is_valid() and Probe(data={}).is_valid()


def _request_serializers(cls=None) -> list[type]:
    from marketplace.core.api.fields import RequestSerializer

    cls = cls or RequestSerializer
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_request_serializers(sub)]
    return found


def test_every_yes_no_field_of_a_request_takes_only_true_or_false():
    # Generated over every request serializer the URL conf loads: DRF's BooleanField takes 0, "yes" or "off" and
    # stores a bool (schemathesis found may_see_earnings: 0 accepted on the agency invitation).
    import marketplace.urls  # noqa: F401 - loads every API module, so every request serializer is defined
    from marketplace.core.api.fields import StrictBooleanField

    loose = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in _request_serializers()
        for name, field in cls().fields.items()
        if isinstance(field, serializers.BooleanField) and not isinstance(field, StrictBooleanField)
    ]

    assert _request_serializers() and loose == []
