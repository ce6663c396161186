"""The audit log page and "revert to version N"."""

from functools import partial

from admin import editing
from admin.forms import parse_int
from admin.pages import render
from admin.views.common import commit_form, services

PAGE_SIZE = 50


def show_audit(request, user, error=None, status_code=200):
    store = services(request).store
    version = store.read()["version"]
    before = _before(request, version)
    # Audit entry ids are the versions they produced, so a page is a version range.
    entries = store.audit(after=max(0, before - 1 - PAGE_SIZE), limit=PAGE_SIZE)
    entries = [entry for entry in reversed(entries) if entry["version"] < before]
    oldest = entries[-1]["version"] if entries else 0
    context = {
        "version": version,
        "entries": entries,
        "older": oldest if oldest > 1 else None,
        "error": error,
    }
    return render(request, "audit.html", context, status_code)


def _before(request, version: int) -> int:
    raw = request.query_params.get("before", "")
    if raw.isdigit():
        return min(int(raw), version + 1)
    return version + 1


def audit_page(request, user):
    return show_audit(request, user)


def revert(request, user, form):
    store = services(request).store

    def edit(base):
        version = parse_int(form, "version", "a version number")
        editing.revert(store, user.name, version, base)

    return commit_form(
        request,
        user,
        form,
        "revert",
        edit,
        partial(show_audit, request, user),
        "/audit",
        f"Reverted to version {form.get('version', '')}.",
    )
