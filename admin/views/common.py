"""The pattern every edit form follows: commit, or show the form again with the reason."""

import logging

from admin.forms import base_version
from admin.pages import flash, form_error, redirect
from model.errors import NotFoundError, ValidationError
from store.errors import ConflictError

logger = logging.getLogger(__name__)


def services(request):
    return request.app.state.admin


def commit_form(request, user, form, key, edit, show_page, done_url, done_message):
    """Run `edit(base_version)`; on success redirect to `done_url` with a flash message.

    `done_message` is the message, or a function that builds it from what `edit`
    returned. On a rejected edit nothing is stored and `show_page(error, status_code)`
    renders the page again with the reason next to the form called `key`.
    """
    try:
        base = base_version(form)
        result = edit(base)
    except ValidationError as exc:
        return show_page(form_error(key, exc, form), 400)
    except NotFoundError as exc:
        # The region or stream was on the page and is gone now, so another change
        # since the page loaded removed it: report that as a conflict.
        stale = _changed_since(request, base)
        if stale is None:
            return show_page(form_error(key, exc, form), 404)
        return show_page(form_error(key, f"{exc}: {stale}", form), 409)
    except ConflictError as exc:
        logger.info("conflict for %s on form %s: %s", user.name, key, exc)
        # The form comes back with the current version, so a moderator who has read
        # the conflict message can resubmit to apply their values on top.
        current = services(request).store.read()["version"]
        return show_page(form_error(key, exc, form, base_version=current), 409)
    if callable(done_message):
        done_message = done_message(result)
    flash(request, done_message)
    return redirect(done_url)


def _changed_since(request, base: int) -> str | None:
    """Describe the changes committed after version `base`, or None if there are none."""
    entries = services(request).store.audit(after=base)
    if not entries:
        return None
    users = ", ".join(sorted({entry["user"] for entry in entries}))
    return (
        f"it changed since you loaded version {base} (by {users}, latest at version"
        f" {entries[-1]['version']}); reload and try again"
    )
