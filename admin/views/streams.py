"""Stream forms on a region's page: add, edit, score, reorder, remove."""

from functools import partial

from admin import editing
from admin.forms import parse_int, stream_fields
from admin.views.common import commit_form, services
from admin.views.regions import show_region


def _target(request):
    params = request.path_params
    return params["region_id"], params.get("stream_id")


def _commit(request, user, form, edit, message):
    region_id, stream_id = _target(request)
    key = f"stream:{stream_id}" if stream_id else "stream-new"
    return commit_form(
        request,
        user,
        form,
        key,
        edit,
        partial(show_region, request, user, region_id),
        f"/regions/{region_id}",
        message,
    )


def add_stream(request, user, form):
    store = services(request).store
    region_id, _ = _target(request)

    def edit(base):
        editing.add_stream(store, user.name, region_id, stream_fields(form), base)

    return _commit(request, user, form, edit, f"Added stream {form.get('name', '')}.")


def update_stream(request, user, form):
    store = services(request).store
    region_id, stream_id = _target(request)

    def edit(base):
        fields = stream_fields(form)
        editing.update_stream(store, user.name, region_id, stream_id, fields, base)

    return _commit(request, user, form, edit, f"Saved stream {form.get('name', '')}.")


def remove_stream(request, user, form):
    store = services(request).store
    region_id, stream_id = _target(request)

    def edit(base):
        _, removed = editing.remove_stream(store, user.name, region_id, stream_id, base)
        return removed["name"]

    return _commit(request, user, form, edit, lambda name: f"Removed stream {name}.")


def move_stream(request, user, form):
    store = services(request).store
    region_id, stream_id = _target(request)

    def edit(base):
        offset = parse_int(form, "offset", "-1 (up) or 1 (down)")
        editing.move_stream(store, user.name, region_id, stream_id, offset, base)

    return _commit(request, user, form, edit, f"Moved stream {stream_id}.")


def bump_score(request, user, form):
    store = services(request).store
    region_id, stream_id = _target(request)

    def edit(base):
        side = parse_int(form, "side", "0 (left) or 1 (right)")
        amount = parse_int(form, "amount", "1 or -1")
        editing.bump_score(store, user.name, region_id, stream_id, side, amount, base)

    return _commit(request, user, form, edit, f"Updated the score of {stream_id}.")
