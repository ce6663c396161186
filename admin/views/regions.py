"""The region list (home page), one region's page, region and site metadata forms."""

from functools import partial

from admin import editing
from admin.forms import parse_int, region_fields, site_fields
from admin.pages import orphan_error, render
from admin.views.common import commit_form, services
from model.edits import find_region
from model.errors import NotFoundError

EMPTY_STREAM = {
    "name": "",
    "url": "",
    "info": "",
    "score": [0, 0],
    "language": "",
    "tags": [],
}


def show_dashboard(request, user, error=None, status_code=200):
    state = services(request).store.read()
    keys = ["region-new", "site"]
    for region in state["regions"]:
        keys += [f"region-move:{region['id']}", f"region-delete:{region['id']}"]
    context = {
        "version": state["version"],
        "site": state["site"],
        "regions": state["regions"],
        "error": error,
        "page_error": orphan_error(error, keys),
    }
    return render(request, "dashboard.html", context, status_code)


def show_region(request, user, region_id, error=None, status_code=200):
    state = services(request).store.read()
    try:
        region = find_region(state, region_id)
    except NotFoundError as exc:
        context = {"heading": "Region not found", "message": str(exc)}
        return render(request, "error.html", context, 404)
    keys = ["region", "stream-new"] + [f"stream:{s['id']}" for s in region["streams"]]
    context = {
        "version": state["version"],
        "region": region,
        "new_stream": EMPTY_STREAM,
        "error": error,
        "page_error": orphan_error(error, keys),
    }
    return render(request, "region.html", context, status_code)


def dashboard(request, user):
    return show_dashboard(request, user)


def region_page(request, user):
    return show_region(request, user, request.path_params["region_id"])


def add_region(request, user, form):
    store = services(request).store
    region_id = form.get("id", "")

    def edit(base):
        editing.add_region(store, user.name, region_fields(form), base)

    return commit_form(
        request,
        user,
        form,
        "region-new",
        edit,
        partial(show_dashboard, request, user),
        f"/regions/{region_id}",
        f"Added region {region_id}.",
    )


def update_region(request, user, form):
    store = services(request).store
    region_id = request.path_params["region_id"]

    def edit(base):
        editing.update_region(store, user.name, region_id, region_fields(form), base)

    return commit_form(
        request,
        user,
        form,
        "region",
        edit,
        partial(show_region, request, user, region_id),
        f"/regions/{region_id}",
        f"Saved region {region_id}.",
    )


def remove_region(request, user, form):
    store = services(request).store
    region_id = request.path_params["region_id"]

    def edit(base):
        editing.remove_region(store, user.name, region_id, base)

    return commit_form(
        request,
        user,
        form,
        f"region-delete:{region_id}",
        edit,
        partial(show_dashboard, request, user),
        "/",
        f"Removed region {region_id} and its streams.",
    )


def move_region(request, user, form):
    store = services(request).store
    region_id = request.path_params["region_id"]

    def edit(base):
        offset = parse_int(form, "offset", "-1 (up) or 1 (down)")
        editing.move_region(store, user.name, region_id, offset, base)

    return commit_form(
        request,
        user,
        form,
        f"region-move:{region_id}",
        edit,
        partial(show_dashboard, request, user),
        "/",
        f"Moved region {region_id}.",
    )


def update_site(request, user, form):
    store = services(request).store

    def edit(base):
        editing.set_site(store, user.name, site_fields(form), base)

    return commit_form(
        request,
        user,
        form,
        "site",
        edit,
        partial(show_dashboard, request, user),
        "/",
        "Saved the site details.",
    )
