"""Text hygiene: valid Unicode and one-line log text (shared_services.events.text)."""

from __future__ import annotations

import json

import pytest

from shared_services.events.text import REPLACEMENT, log_safe, valid_text, valid_value

LONE_HIGH = json.loads('"\\ud83c"')
LONE_LOW = json.loads('"\\udc80"')


@pytest.mark.parametrize(("raw", "expected"), [
    ("plain", "plain"),
    ("Dončić 🏀", "Dončić 🏀"),                      # a whole emoji is fine
    (f"cut {LONE_HIGH}", f"cut {REPLACEMENT}"),
    (f"{LONE_LOW}{LONE_HIGH}x", f"{REPLACEMENT}{REPLACEMENT}x"),
    ("", ""),
])
def test_valid_text_replaces_only_invalid_code_points(raw, expected):
    cleaned = valid_text(raw)
    assert cleaned == expected
    cleaned.encode("utf-8")


def test_valid_value_reaches_keys_lists_and_nested_mappings():
    value = {f"k{LONE_HIGH}": [1, f"a{LONE_LOW}", {"inner": (LONE_HIGH,)}], "n": None}
    assert valid_value(value) == {f"k{REPLACEMENT}": [1, f"a{REPLACEMENT}", {"inner": [REPLACEMENT]}], "n": None}
    json.dumps(valid_value(value), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(("raw", "expected"), [
    ("one\ntwo", "one\\ntwo"),
    ("a\r\nb", "a\\r\\nb"),
    ("tab\there", "tab\\there"),
    ("esc\x1b[31m", "esc\\x1b[31m"),
    ("sep\u2028x", "sep\\u2028x"),
    (f"bad {LONE_HIGH}", f"bad {REPLACEMENT}"),
])
def test_log_safe_is_one_line(raw, expected):
    assert log_safe(raw) == expected


def test_log_safe_cuts_long_text_and_survives_broken_str():
    assert log_safe("x" * 50, limit=10) == "x" * 10 + "... [+40 chars]"

    class Broken:
        def __str__(self):
            raise RuntimeError("no")

    assert log_safe(Broken()) == "<unprintable Broken>"
