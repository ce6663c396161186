import pytest

from model.errors import ValidationError
from model.text import clean_text, slugify


def test_clean_strips_controls_and_bidi():
    raw = "Caster\u202eevil\u202c\x00\x07 \u2066name\u2069\x9b"
    assert clean_text(raw, "name", 64) == "Casterevil name"


def test_clean_turns_line_breaks_into_spaces():
    assert clean_text("a\nb\tc", "info", 64) == "a b c"


def test_clean_keeps_emoji_and_combining_marks():
    text = (
        "Zoe\u0301 \U0001f468\u200d\U0001f469\u200d\U0001f467 \u05e9\u05dc\u05d5\u05dd"
    )
    assert clean_text(text, "name", 64) == text


@pytest.mark.parametrize(
    "blank", ["", "   ", "\u200b\u00a0\u3000", "\u202e\u202c", "\t\n"]
)
def test_clean_rejects_whitespace_only(blank):
    with pytest.raises(ValidationError, match="name.*visible text"):
        clean_text(blank, "name", 64)


def test_clean_allows_empty_optional_text():
    assert clean_text("  ", "info", 64, required=False) == ""


def test_clean_enforces_length_in_characters():
    assert clean_text("é" * 5, "name", 5) == "é" * 5
    with pytest.raises(ValidationError, match="at most 5 characters, got 6"):
        clean_text("é" * 6, "name", 5)


def test_clean_rejects_non_text():
    with pytest.raises(ValidationError, match="expected text"):
        clean_text(["x"], "name", 5)


def test_slugify():
    assert slugify("  North America!! ") == "north-america"
    assert slugify("MangoEcho_gg") == "mangoecho-gg"
