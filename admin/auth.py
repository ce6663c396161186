"""Sessions and access control: who is logged in, and wrappers for pages and forms.

The session is a signed cookie (starlette's SessionMiddleware) holding the user name,
a session id and the CSRF token. The session id must be recorded in Redis
(admin.sessions) and the account must exist there on every request, so logout, a
password change, a removed account or a changed role takes effect at once.
"""

import logging
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from admin.csrf import FORM_FIELD, check_csrf, csrf_token
from admin.errors import PermissionDenied
from admin.pages import redirect
from admin.users import User

logger = logging.getLogger(__name__)

SESSION_USER = "user"
SESSION_ID = "sid"


def start_session(request: Request, user: User) -> None:
    """Log `user` in with a fresh session, so a token set before login is not reused."""
    session_id = request.app.state.admin.sessions.create(user.name)
    request.session.clear()
    request.session[SESSION_USER] = user.name
    request.session[SESSION_ID] = session_id
    csrf_token(request.session)


def end_session(request: Request) -> None:
    """End the session on the server too, so a copy of the cookie stops working."""
    name = request.session.get(SESSION_USER)
    session_id = request.session.get(SESSION_ID)
    if isinstance(name, str) and isinstance(session_id, str):
        request.app.state.admin.sessions.revoke(name, session_id)
    request.session.clear()


def load_user(request: Request) -> User | None:
    """Return the logged-in user, or None; forget ended sessions and removed accounts."""
    name = request.session.get(SESSION_USER)
    if name is None:
        return None
    session_id = request.session.get(SESSION_ID)
    sessions = request.app.state.admin.sessions
    if not isinstance(session_id, str) or not sessions.is_active(name, session_id):
        logger.info("ended session of user %s presented again", name)
        request.session.clear()
        return None
    user = request.app.state.admin.users.get(name)
    if user is None:
        logger.info("session of removed user %s ended", name)
        request.session.clear()
    return user


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_redirect(request: Request):
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return redirect("/login?next=" + quote(target, safe=""))


async def _authorise(request: Request, admin_only: bool) -> User | None:
    user = await run_in_threadpool(load_user, request)
    request.scope["admin_user"] = user
    if user is not None and admin_only and not user.is_admin:
        raise PermissionDenied(
            f"only admins may do this, and {user.name} is a {user.role}"
        )
    return user


def page(handler, admin_only: bool = False):
    """Wrap `handler(request, user)` as a GET endpoint that requires login."""

    async def endpoint(request: Request):
        user = await _authorise(request, admin_only)
        if user is None:
            return _login_redirect(request)
        return await run_in_threadpool(handler, request, user)

    endpoint.__name__ = handler.__name__
    return endpoint


def action(handler, admin_only: bool = False):
    """Wrap `handler(request, user, form)` as a POST endpoint: login, role and CSRF."""

    async def endpoint(request: Request):
        user = await _authorise(request, admin_only)
        if user is None:
            return redirect("/login")
        form = await request.form()
        check_csrf(request.session, form.get(FORM_FIELD))
        return await run_in_threadpool(handler, request, user, form)

    endpoint.__name__ = handler.__name__
    return endpoint
