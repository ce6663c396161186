"""Page rendering shared by the views: common context, form errors and flash messages."""

import dataclasses
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.csrf import csrf_token

FLASH_KEY = "flash"
# Never echoed back into a form shown again after an error.
SECRET_FIELDS = ("password", "csrf_token")


@dataclasses.dataclass(frozen=True)
class FormError:
    """A rejected form: which form, why, and the values to show in it again."""

    form: str
    message: str
    field: str | None = None
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    base_version: int | None = None


def form_error(key: str, exc: Exception, form: Mapping, base_version=None) -> FormError:
    """Describe `exc` (a ValidationError, ConflictError, ...) for the form called `key`."""
    values = {name: value for name, value in form.items() if name not in SECRET_FIELDS}
    if base_version is None:
        base_version = values.get("base_version")
    return FormError(key, str(exc), getattr(exc, "name", None), values, base_version)


def flash(request: Request, message: str) -> None:
    """Store a one-line message for the next page this session loads."""
    request.session[FLASH_KEY] = message


def redirect(url: str) -> RedirectResponse:
    # 303, so the browser follows a POST with a GET.
    return RedirectResponse(url, status_code=303)


def render(
    request: Request,
    template: str,
    context: Mapping | None = None,
    status_code: int = 200,
) -> Response:
    """Render `template` with the user, CSRF token, flash message and form error."""
    error = (context or {}).get("error")
    full = {
        "user": request.scope.get("admin_user"),
        "csrf_token": csrf_token(request.session),
        "flash": request.session.pop(FLASH_KEY, None),
        "error": error,
        "page_error": None,
        "value": _value_function(error),
        **(context or {}),
    }
    templates = request.app.state.admin.templates
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def orphan_error(error: FormError | None, keys_on_page) -> str | None:
    """Return the message of an error whose form is not on the page (its item is gone)."""
    if error is None or error.form in set(keys_on_page):
        return None
    return error.message


def _value_function(error: FormError | None):
    def value(key, name, current):
        if error is not None and error.form == key:
            return error.values.get(name, "")
        return current

    return value
