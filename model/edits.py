"""Edits that moderators make. Each takes a state and returns a new validated state."""

from model.delta import copy_state
from model.errors import NotFoundError, ValidationError
from model.limits import STREAM_ID_MAX
from model.text import unique_id
from model.validate import (
    validate_region,
    validate_site,
    validate_state,
    validate_stream,
)

STREAM_EDITABLE = ("name", "url", "info", "score", "language", "tags")
REGION_EDITABLE = ("title", "order", "no_streams_text")


def find_region(state, region_id):
    for region in state["regions"]:
        if region["id"] == region_id:
            return region
    raise NotFoundError("region " + repr(region_id) + " not found")


def find_stream(state, region_id, stream_id=None, name=None):
    """Return the stream with `stream_id`, or with `name` (case-insensitive)."""
    for stream in find_region(state, region_id)["streams"]:
        if stream_id is not None and stream["id"] == stream_id:
            return stream
        if name is not None and stream["name"].lower() == name.strip().lower():
            return stream
    wanted = repr(stream_id) if stream_id is not None else "named " + repr(name)
    raise NotFoundError("stream " + wanted + " not found in region " + repr(region_id))


def _index(streams, stream_id):
    for index, stream in enumerate(streams):
        if stream["id"] == stream_id:
            return index
    return -1


def add_stream(state, region_id, fields):
    new = copy_state(state)
    streams = find_region(new, region_id)["streams"]
    stream = validate_stream(fields, "stream")
    taken = [existing["id"] for existing in streams]
    stream["id"] = unique_id(stream["id"], taken, STREAM_ID_MAX)
    streams.append(stream)
    return validate_state(new)


def update_stream(state, region_id, stream_id, changes):
    new = copy_state(state)
    streams = find_region(new, region_id)["streams"]
    index = _index(streams, stream_id)
    if index == -1:
        find_stream(state, region_id, stream_id)
    for key in changes:
        if key not in STREAM_EDITABLE:
            raise ValidationError(
                "stream." + str(key),
                changes[key],
                "unknown field; editable: " + ", ".join(STREAM_EDITABLE),
            )
    merged = dict(streams[index])
    merged.update(changes)
    streams[index] = validate_stream(merged, "stream")
    return validate_state(new)


def remove_stream(state, region_id, stream_id):
    new = copy_state(state)
    streams = find_region(new, region_id)["streams"]
    index = _index(streams, stream_id)
    if index == -1:
        find_stream(state, region_id, stream_id)
    streams.pop(index)
    return validate_state(new)


def move_stream(state, region_id, stream_id, offset):
    """Move a stream `offset` places (negative: up), clamped to the list."""
    new = copy_state(state)
    streams = find_region(new, region_id)["streams"]
    index = _index(streams, stream_id)
    if index == -1:
        find_stream(state, region_id, stream_id)
    target = max(0, min(len(streams) - 1, index + offset))
    streams.insert(target, streams.pop(index))
    return validate_state(new)


def bump_score(state, region_id, stream_id, side, amount=1):
    """Add `amount` to one side (0 or 1) of a stream's score, never below zero."""
    if side not in (0, 1):
        raise ValidationError("side", side, "0 (left) or 1 (right)")
    stream = find_stream(state, region_id, stream_id)
    score = list(stream["score"])
    score[side] = max(0, score[side] + amount)
    return update_stream(state, region_id, stream_id, {"score": score})


def upsert_region(state, fields):
    """Add a region, or update the title, order and text of an existing one."""
    new = copy_state(state)
    meta = validate_region(fields, "region", with_streams=False)
    for region in new["regions"]:
        if region["id"] == meta["id"]:
            region.update(meta)
            return validate_state(new)
    meta["streams"] = []
    new["regions"].append(meta)
    return validate_state(new)


def remove_region(state, region_id):
    new = copy_state(state)
    find_region(new, region_id)
    new["regions"] = [region for region in new["regions"] if region["id"] != region_id]
    return validate_state(new)


def set_site(state, fields):
    new = copy_state(state)
    merged = dict(new["site"])
    merged.update(fields)
    new["site"] = validate_site(merged)
    return validate_state(new)


def empty_state(title="Qualifier Hub"):
    return validate_state({"site": {"title": title}, "regions": []})
