"""Validation of the state and its parts. Each function returns a clean copy."""

from model import limits
from model.errors import ValidationError
from model.text import clean_text, is_slug, slug_id, slugify, unique_id
from model.urls import normalise_url

SITE_FIELDS = ("title", "event", "announcement")
REGION_FIELDS = ("id", "title", "order", "no_streams_text", "streams")
STREAM_FIELDS = ("id", "name", "url", "info", "score", "language", "tags")


def _check_dict(value, field, allowed_keys):
    if not isinstance(value, dict):
        raise ValidationError(field, value, "expected an object")
    for key in value:
        if key not in allowed_keys:
            raise ValidationError(
                field + "." + str(key),
                value[key],
                "unknown field; allowed: " + ", ".join(allowed_keys),
            )


def _check_int(value, field, low, high):
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise ValidationError(
            field, value, "a whole number from " + str(low) + " to " + str(high)
        )
    return value


def validate_site(raw, field="site"):
    _check_dict(raw, field, SITE_FIELDS)
    return {
        "title": clean_text(raw.get("title"), field + ".title", limits.SITE_TITLE_MAX),
        "event": clean_text(
            raw.get("event", ""), field + ".event", limits.SITE_EVENT_MAX, False
        ),
        "announcement": clean_text(
            raw.get("announcement", ""),
            field + ".announcement",
            limits.SITE_ANNOUNCEMENT_MAX,
            False,
        ),
    }


def validate_score(raw, field):
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise ValidationError(field, raw, "two whole numbers, such as [1, 0]")
    return [
        _check_int(raw[0], field + "[0]", 0, limits.SCORE_MAX),
        _check_int(raw[1], field + "[1]", 0, limits.SCORE_MAX),
    ]


def validate_tags(raw, field):
    if not isinstance(raw, (list, tuple)) or len(raw) > limits.TAGS_MAX:
        raise ValidationError(
            field, raw, "a list of at most " + str(limits.TAGS_MAX) + " tags"
        )
    tags = []
    for index, tag in enumerate(raw):
        tag_field = field + "[" + str(index) + "]"
        text = clean_text(tag, tag_field, limits.TAG_MAX)
        slug = slugify(text)
        if not slug:
            raise ValidationError(tag_field, tag, "letters, digits and dashes")
        if slug not in tags:
            tags.append(slug)
    return tags


def validate_stream(raw, field="stream"):
    """Validate one stream. A stream without an id gets one from its name."""
    _check_dict(raw, field, STREAM_FIELDS)
    name = clean_text(raw.get("name"), field + ".name", limits.STREAM_NAME_MAX)
    stream_id = raw.get("id")
    if stream_id is None:
        stream_id = slug_id(name, limits.STREAM_ID_MAX) or "stream"
    elif not is_slug(stream_id, limits.STREAM_ID_MAX):
        raise ValidationError(
            field + ".id", stream_id, "lowercase letters, digits and dashes"
        )
    return {
        "id": stream_id,
        "name": name,
        "url": normalise_url(raw.get("url"), field + ".url"),
        "info": clean_text(
            raw.get("info", ""), field + ".info", limits.STREAM_INFO_MAX, False
        ),
        "score": validate_score(raw.get("score", [0, 0]), field + ".score"),
        "language": clean_text(
            raw.get("language", ""), field + ".language", limits.LANGUAGE_MAX, False
        ),
        "tags": validate_tags(raw.get("tags", []), field + ".tags"),
    }


def validate_streams(raw, field):
    if not isinstance(raw, (list, tuple)) or len(raw) > limits.STREAMS_PER_REGION_MAX:
        allowed = "a list of at most " + str(limits.STREAMS_PER_REGION_MAX) + " streams"
        raise ValidationError(field, raw, allowed)
    streams, ids, names = [], [], []
    for index, item in enumerate(raw):
        label = item.get("name", index) if isinstance(item, dict) else index
        stream = validate_stream(item, field + "[" + str(label) + "]")
        if "id" not in item:
            stream["id"] = unique_id(stream["id"], ids, limits.STREAM_ID_MAX)
        if stream["id"] in ids:
            raise ValidationError(
                field + "[" + str(label) + "].id", stream["id"], "a unique id"
            )
        if stream["name"].lower() in names:
            raise ValidationError(
                field + "[" + str(label) + "].name",
                stream["name"],
                "a name no other stream in this region has",
            )
        ids.append(stream["id"])
        names.append(stream["name"].lower())
        streams.append(stream)
    return streams


def validate_region(raw, field="region", with_streams=True):
    keys = REGION_FIELDS if with_streams else REGION_FIELDS[:-1]
    _check_dict(raw, field, keys)
    region_id = raw.get("id")
    if not is_slug(region_id, limits.REGION_ID_MAX):
        raise ValidationError(
            field + ".id",
            region_id,
            "lowercase letters, digits and single dashes, such as north-america",
        )
    region = {
        "id": region_id,
        "title": clean_text(
            raw.get("title"), field + ".title", limits.REGION_TITLE_MAX
        ),
        "order": _check_int(
            raw.get("order", 0), field + ".order", 0, limits.REGION_ORDER_MAX
        ),
        "no_streams_text": clean_text(
            raw.get("no_streams_text", ""),
            field + ".no_streams_text",
            limits.NO_STREAMS_TEXT_MAX,
            False,
        ),
    }
    if with_streams:
        region["streams"] = validate_streams(
            raw.get("streams", []), "regions[" + region_id + "].streams"
        )
    return region


def region_sort_key(region):
    return (region["order"], region["id"])


def validate_regions(raw):
    if not isinstance(raw, (list, tuple)) or len(raw) > limits.REGIONS_MAX:
        raise ValidationError(
            "regions", raw, "a list of at most " + str(limits.REGIONS_MAX) + " regions"
        )
    regions, ids = [], []
    for index, item in enumerate(raw):
        region = validate_region(item, "regions[" + str(index) + "]")
        if region["id"] in ids:
            raise ValidationError(
                "regions[" + str(index) + "].id", region["id"], "a unique id"
            )
        ids.append(region["id"])
        regions.append(region)
    regions.sort(key=region_sort_key)
    return regions


def state_size(state):
    """Return the size in bytes of the state's compact JSON."""
    from model.messages import encode

    return len(encode(state).encode("utf-8"))


def validate_state(raw):
    """Validate a whole state; return a clean copy with `version` (0 when absent)."""
    _check_dict(raw, "state", ("version", "site", "regions"))
    state = {
        "version": _check_int(raw.get("version", 0), "version", 0, 2**53),
        "site": validate_site(raw.get("site")),
        "regions": validate_regions(raw.get("regions", [])),
    }
    size = state_size(state)
    if size > limits.STATE_MAX_BYTES:
        raise ValidationError(
            "state",
            str(size) + " bytes",
            "at most "
            + str(limits.STATE_MAX_BYTES)
            + " bytes of JSON, so a snapshot fits in one AWS IoT message",
        )
    return state
