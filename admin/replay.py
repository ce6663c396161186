"""Replay a day of moderator edits from a JSON Lines file, keeping their timing.

Each line is {"t": seconds since the start, "region": id, "action": "add" | "update" |
"remove", ...}: "add" carries "stream" (the whole stream), "update" carries "name" and
"changes", "remove" carries "name". Streams are found by name within their region.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from admin import editing
from admin.errors import InputError
from model.errors import NotFoundError, ValidationError

logger = logging.getLogger(__name__)

ACTIONS = ("add", "update", "remove")
REQUIRED = {"add": ("stream",), "update": ("name", "changes"), "remove": ("name",)}


def read_edits(path: Path) -> list[dict]:
    """Parse and check every line first, so a malformed file applies nothing."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not UTF-8 text") from exc
    records = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            records.append(_parse_line(line, f"{path} line {number}"))
    return records


def _parse_line(line: str, where: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON in {where}: {exc.msg}") from exc
    except RecursionError:
        raise InputError(
            f"invalid JSON in {where}: arrays or objects nested too deeply"
        ) from None
    try:
        return check_edit(record)
    except ValidationError as exc:
        raise InputError(f"{where}: {exc}") from exc


def check_edit(record) -> dict:
    """Return `record` if it has the fields its action needs; raise ValidationError."""
    if not isinstance(record, dict):
        raise ValidationError("edit", record, "a JSON object")
    offset = record.get("t")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or offset < 0:
        raise ValidationError("t", offset, "seconds since the start, 0 or more")
    if not isinstance(record.get("region"), str):
        raise ValidationError("region", record.get("region"), "a region id")
    action = record.get("action")
    if action not in ACTIONS:
        raise ValidationError("action", action, ", ".join(ACTIONS))
    for field in REQUIRED[action]:
        if field not in record:
            raise ValidationError(field, None, f"present in every {action!r} edit")
    return record


def apply_edit(store, user: str, record: dict) -> dict:
    """Commit one edit record on top of the current state; return the new state."""
    region_id = record["region"]
    if record["action"] == "add":
        return editing.add_stream(store, user, region_id, record["stream"])
    if record["action"] == "update":
        return editing.update_stream_named(
            store, user, region_id, record["name"], record["changes"]
        )
    new, _ = editing.remove_stream_named(store, user, region_id, record["name"])
    return new


def replay(
    store,
    user: str,
    records: Iterable[dict],
    speed: float,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Apply `records` in order, waiting so that edit i lands at t_i / speed seconds.

    Return the number of edits applied. Scheduling against one start time keeps the
    replay from drifting when commits are slow.
    """
    start = time.monotonic()
    applied = 0
    for record in records:
        delay = start + record["t"] / speed - time.monotonic()
        if delay > 0:
            sleep(delay)
        try:
            apply_edit(store, user, record)
        except (ValidationError, NotFoundError) as exc:
            raise InputError(f"edit {applied + 1} (t={record['t']}): {exc}") from exc
        applied += 1
    return applied
