"""Moderator edits committed through the store, shared by the web app and the CLI.

Each function runs one model edit inside `Store.apply`, which validates the result,
raises ConflictError when changes since `base_version` touched the same items (None:
apply on top of whatever is current), commits atomically and writes the audit entry.
"""

from model import edits
from model.errors import ValidationError
from model.text import strip_controls
from model.validate import region_sort_key


def _commit(store, user, edit, action, summary, base_version):
    return store.apply(
        edit, user, action=action, summary=summary, base_version=base_version
    )


def add_stream(store, user, region_id, fields, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.add_stream(state, region_id, fields),
        "add-stream",
        f"added stream {strip_controls(str(fields.get('name', ''))).strip()!r} to {region_id}",
        base_version,
    )


def update_stream(store, user, region_id, stream_id, changes, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.update_stream(state, region_id, stream_id, changes),
        "update-stream",
        f"updated stream {stream_id} in {region_id}",
        base_version,
    )


def remove_stream(store, user, region_id, stream_id, base_version=None):
    """Remove a stream. Return the new state and the stream as it was before removal."""
    return _remove_found_stream(
        store,
        user,
        region_id,
        lambda state: edits.find_stream(state, region_id, stream_id),
        f"removed stream {stream_id} from {region_id}",
        base_version,
    )


def update_stream_named(store, user, region_id, name, changes):
    """Update the stream called `name`, looked up in the state the edit applies to."""
    return _commit(
        store,
        user,
        lambda state: edits.update_stream(
            state, region_id, _id_of(state, region_id, name), changes
        ),
        "update-stream",
        f"updated stream {name!r} in {region_id}",
        None,
    )


def remove_stream_named(store, user, region_id, name):
    """Remove the stream called `name`. Return the new state and the removed stream."""
    return _remove_found_stream(
        store,
        user,
        region_id,
        lambda state: edits.find_stream(state, region_id, name=name),
        f"removed stream {name!r} from {region_id}",
        None,
    )


def _remove_found_stream(store, user, region_id, find, summary, base_version):
    # `find` runs on the state that each commit attempt applies to. Store.apply tries
    # again after a concurrent commit, so the last stream found is the one removed.
    removed = []

    def edit(state):
        stream = find(state)
        removed.append(stream)
        return edits.remove_stream(state, region_id, stream["id"])

    new = _commit(store, user, edit, "remove-stream", summary, base_version)
    return new, removed[-1]


def _id_of(state, region_id, name):
    return edits.find_stream(state, region_id, name=name)["id"]


def move_stream(store, user, region_id, stream_id, offset, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.move_stream(state, region_id, stream_id, offset),
        "move-stream",
        f"moved stream {stream_id} in {region_id} by {offset:+d}",
        base_version,
    )


def bump_score(store, user, region_id, stream_id, side, amount, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.bump_score(state, region_id, stream_id, side, amount),
        "score",
        f"score {amount:+d} on side {side} of {stream_id} in {region_id}",
        base_version,
    )


def add_region(store, user, fields, base_version=None):
    """Add a new region; raise ValidationError if its id is taken."""
    return _commit(
        store,
        user,
        lambda state: _add_region_in(state, fields),
        "add-region",
        f"added region {fields.get('id', '')!r}",
        base_version,
    )


def update_region(store, user, region_id, fields, base_version=None):
    """Change an existing region's title, order and text; its id stays."""
    return _commit(
        store,
        user,
        lambda state: _update_region_in(state, region_id, fields),
        "update-region",
        f"updated region {region_id}",
        base_version,
    )


def remove_region(store, user, region_id, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.remove_region(state, region_id),
        "remove-region",
        f"removed region {region_id}",
        base_version,
    )


def move_region(store, user, region_id, offset, base_version=None):
    return _commit(
        store,
        user,
        lambda state: move_region_in(state, region_id, offset),
        "move-region",
        f"moved region {region_id} by {offset:+d}",
        base_version,
    )


def set_site(store, user, fields, base_version=None):
    return _commit(
        store,
        user,
        lambda state: edits.set_site(state, fields),
        "update-site",
        "updated the site details",
        base_version,
    )


def move_region_in(state, region_id, offset):
    """Move a region `offset` places (negative: up) and number the orders 0, 1, 2, ..."""
    regions = sorted(state["regions"], key=region_sort_key)
    ids = [region["id"] for region in regions]
    edits.find_region(state, region_id)
    index = ids.index(region_id)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))

    new = state
    for order, moved_id in enumerate(ids):
        region = edits.find_region(new, moved_id)
        if region["order"] != order:
            meta = {key: value for key, value in region.items() if key != "streams"}
            new = edits.upsert_region(new, {**meta, "order": order})
    return new


def _add_region_in(state, fields):
    region_id = fields.get("id")
    if any(region["id"] == region_id for region in state["regions"]):
        raise ValidationError("id", region_id, "an id no other region uses")
    return edits.upsert_region(state, fields)


def _update_region_in(state, region_id, fields):
    # Looked up first, so an edit of a region removed meanwhile cannot recreate it.
    edits.find_region(state, region_id)
    return edits.upsert_region(state, {**fields, "id": region_id})


def revert(store, user, version, base_version=None):
    """Restore the state as it was at `version`, as a new change on top."""
    old = store.state_at(version)
    return _commit(
        store,
        user,
        lambda state: old,
        "revert",
        f"reverted to version {version}",
        base_version,
    )
