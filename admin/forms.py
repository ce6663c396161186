"""Turn submitted form fields into the dictionaries the model's edit functions take.

Only the shape is checked here (numbers that must be numbers); the model validates
every value and raises ValidationError naming the field.
"""

from collections.abc import Mapping

from model.errors import ValidationError

STREAM_TEXT_FIELDS = ("name", "url", "info", "language")
REGION_TEXT_FIELDS = ("id", "title", "no_streams_text")
SITE_FIELDS = ("title", "event", "announcement")


def parse_int(form: Mapping, field: str, allowed: str = "a whole number") -> int:
    raw = form.get(field, "")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValidationError(field, raw, allowed) from None


def parse_tags(raw: str) -> list[str]:
    """Split comma-separated tags, dropping empty entries."""
    return [tag.strip() for tag in raw.split(",") if tag.strip()]


def stream_fields(form: Mapping) -> dict:
    """Return a stream's fields from a form with name, url, info, score_0, score_1, ..."""
    fields = {field: form.get(field, "") for field in STREAM_TEXT_FIELDS}
    fields["score"] = [
        parse_int(form, "score_0", "a whole number from 0 to 99"),
        parse_int(form, "score_1", "a whole number from 0 to 99"),
    ]
    fields["tags"] = parse_tags(form.get("tags", ""))
    return fields


def region_fields(form: Mapping) -> dict:
    fields = {field: form.get(field, "") for field in REGION_TEXT_FIELDS}
    fields["order"] = parse_int(form, "order", "a whole number from 0 to 999")
    return fields


def site_fields(form: Mapping) -> dict:
    return {field: form.get(field, "") for field in SITE_FIELDS}


def base_version(form: Mapping) -> int:
    """Return the state version the form was loaded at."""
    version = parse_int(form, "base_version", "the version the page was loaded at")
    if version < 0:
        raise ValidationError("base_version", version, "a version of 0 or more")
    return version
