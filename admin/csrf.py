"""CSRF tokens: one random token per session, required in every POSTed form."""

import hmac
import secrets
from collections.abc import MutableMapping

from admin.errors import CsrfError

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"


def csrf_token(session: MutableMapping) -> str:
    """Return the session's token, creating one on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf(session: MutableMapping, submitted: object) -> None:
    """Raise CsrfError unless `submitted` equals the session's token."""
    expected = session.get(SESSION_KEY)
    if not expected or not isinstance(submitted, str):
        raise CsrfError("missing CSRF token: reload the page and submit the form again")
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfError("invalid CSRF token: reload the page and submit the form again")
