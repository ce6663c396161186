"""Deltas between two states, and applying a delta on top of a version.

A delta is {"from": version, "to": version, "ops": [...]}; the operations are listed
in docs/protocol.md. Every operation sets a final value, so a delta is small: a
one-stream edit is one `stream` operation.
"""

import json

from model.errors import ValidationError, VersionError
from model.validate import (
    region_sort_key,
    validate_region,
    validate_site,
    validate_stream,
)


def copy_state(state):
    return json.loads(json.dumps(state))


def region_meta(region):
    meta = {}
    for key in region:
        if key != "streams":
            meta[key] = region[key]
    return meta


def _region_ops(rid, old_region, new_region):
    ops = []
    if old_region is None or region_meta(old_region) != region_meta(new_region):
        ops.append(["region", region_meta(new_region)])
    old_streams = {}
    old_order = []
    if old_region is not None:
        for stream in old_region["streams"]:
            old_streams[stream["id"]] = stream
            old_order.append(stream["id"])
    new_ids = [stream["id"] for stream in new_region["streams"]]
    for sid in old_order:
        if sid not in new_ids:
            ops.append(["stream-", rid, sid])
    for stream in new_region["streams"]:
        if old_streams.get(stream["id"]) != stream:
            ops.append(["stream", rid, stream])
    kept = [sid for sid in old_order if sid in new_ids]
    added = [sid for sid in new_ids if sid not in old_streams]
    if kept + added != new_ids:
        ops.append(["streams-order", rid, new_ids])
    return ops


def diff(old, new):
    """Return the operations that turn state `old` into state `new`."""
    ops = []
    if old["site"] != new["site"]:
        ops.append(["site", new["site"]])
    old_regions = {}
    for region in old["regions"]:
        old_regions[region["id"]] = region
    new_ids = [region["id"] for region in new["regions"]]
    for region in old["regions"]:
        if region["id"] not in new_ids:
            ops.append(["region-", region["id"]])
    for region in new["regions"]:
        ops.extend(_region_ops(region["id"], old_regions.get(region["id"]), region))
    return ops


def make_delta(old, new):
    return {"from": old["version"], "to": new["version"], "ops": diff(old, new)}


def _writable_region(state, rid, copied):
    """Return region `rid` of `state`, copied first unless `copied` lists it."""
    for index, region in enumerate(state["regions"]):
        if region["id"] == rid:
            if rid not in copied:
                region = dict(region)
                region["streams"] = list(region["streams"])
                state["regions"][index] = region
                copied.append(rid)
            return region
    raise VersionError("delta names region " + repr(rid) + ", which the state lacks")


def _apply_stream_op(state, op, copied):
    streams = _writable_region(state, op[1], copied)["streams"]
    if op[0] == "stream":
        for index, stream in enumerate(streams):
            if stream["id"] == op[2]["id"]:
                streams[index] = op[2]
                return
        streams.append(op[2])
    elif op[0] == "stream-":
        streams[:] = [stream for stream in streams if stream["id"] != op[2]]
    else:
        by_id = {}
        for stream in streams:
            by_id[stream["id"]] = stream
        streams[:] = [by_id[sid] for sid in op[2] if sid in by_id]


def _apply_op(state, op, copied):
    kind = op[0]
    if kind == "site":
        state["site"] = op[1]
    elif kind == "region":
        for region in state["regions"]:
            if region["id"] == op[1]["id"]:
                _writable_region(state, region["id"], copied).update(op[1])
                return
        region = dict(op[1])
        region["streams"] = []
        state["regions"].append(region)
        copied.append(region["id"])
    elif kind == "region-":
        state["regions"] = [
            region for region in state["regions"] if region["id"] != op[1]
        ]
    else:
        _apply_stream_op(state, op, copied)


def apply(state, delta):
    """Return a new state: `delta` applied on top of `state`, which stays as it was.

    The new state shares the regions and streams the delta leaves alone with
    `state`, so copying costs as much as the change, not the whole state. Neither
    state may be changed in place afterwards. Raise VersionError unless the delta
    continues the state's version.
    """
    if delta["from"] != state["version"]:
        raise VersionError(
            "delta from version "
            + str(delta["from"])
            + " cannot apply to version "
            + str(state["version"])
        )
    new = dict(state)
    new["regions"] = list(state["regions"])
    copied = []  # ids of the regions already copied into `new`
    for op in delta["ops"]:
        _apply_op(new, copy_state(op), copied)
    new["regions"].sort(key=region_sort_key)
    new["version"] = delta["to"]
    return new


def touched(ops):
    """Return the keys of what `ops` change: ("site",), ("region", id), ("stream", rid, sid)."""
    keys = []
    for op in ops:
        if op[0] == "site":
            keys.append(("site",))
        elif op[0] in ("region", "region-"):
            rid = op[1]["id"] if op[0] == "region" else op[1]
            keys.append(("region", rid))
        elif op[0] == "stream":
            keys.append(("stream", op[1], op[2]["id"]))
        elif op[0] == "stream-":
            keys.append(("stream", op[1], op[2]))
        else:
            keys.append(("order", op[1]))
    return keys


OP_ARITY = {
    "site": 2,
    "region": 2,
    "region-": 2,
    "stream": 3,
    "stream-": 3,
    "streams-order": 3,
}


def _validate_op(op, field):
    if not isinstance(op, list) or not op or OP_ARITY.get(op[0]) != len(op):
        raise ValidationError(field, op, "an operation: " + ", ".join(OP_ARITY))
    kind = op[0]
    if kind == "site":
        return ["site", validate_site(op[1], field + ".site")]
    if kind == "region":
        return ["region", validate_region(op[1], field + ".region", with_streams=False)]
    if not isinstance(op[1], str):
        raise ValidationError(field + ".region", op[1], "a region id")
    if kind == "region-":
        return op
    if kind == "stream":
        return ["stream", op[1], validate_stream(op[2], field + ".stream")]
    if kind == "stream-" and isinstance(op[2], str):
        return op
    if kind == "streams-order" and isinstance(op[2], list):
        for sid in op[2]:
            if not isinstance(sid, str):
                raise ValidationError(field + ".ids", sid, "a stream id")
        return op
    raise ValidationError(field, op, "a well-formed " + kind + " operation")


def validate_ops(ops):
    if not isinstance(ops, list):
        raise ValidationError("ops", ops, "a list of operations")
    return [_validate_op(op, "ops[" + str(index) + "]") for index, op in enumerate(ops)]
