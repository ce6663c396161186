"""Log in and log out."""

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from admin.auth import client_address, end_session, load_user, start_session
from admin.csrf import FORM_FIELD, check_csrf
from admin.errors import LoginRateLimited
from admin.pages import redirect, render

logger = logging.getLogger(__name__)

LOGIN_FAILED = "invalid user name or password"


def safe_next(target: str) -> str:
    """Return `target` if it is a path on this site, else "/" (no open redirects)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request, name="", next_url="/", message=None, status_code=200):
    context = {"name": name, "next": next_url, "message": message}
    return render(request, "login.html", context, status_code)


async def login_page(request: Request):
    if await run_in_threadpool(load_user, request) is not None:
        return redirect("/")
    return _login_page(
        request, next_url=safe_next(request.query_params.get("next", "/"))
    )


async def login(request: Request):
    form = await request.form()
    check_csrf(request.session, form.get(FORM_FIELD))
    name = str(form.get("name", ""))
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "/")))
    return await run_in_threadpool(_check_login, request, name, password, next_url)


def _check_login(request, name, password, next_url):
    admin = request.app.state.admin
    address = client_address(request)
    try:
        admin.limiter.check(address, name)
    except LoginRateLimited as exc:
        response = _login_page(request, name, next_url, str(exc), 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    user = admin.users.authenticate(name, password)
    if user is None:
        admin.limiter.record_failure(address, name)
        logger.warning("failed login for %r from %s", name, address)
        return _login_page(request, name, next_url, LOGIN_FAILED, 401)

    admin.limiter.reset_user(name)
    start_session(request, user)
    logger.info("user %s logged in from %s", user.name, address)
    return redirect(next_url)


def logout(request, user, form):
    end_session(request)
    logger.info("user %s logged out", user.name)
    return redirect("/login")
