"""Assemble the admin web app: routes, session cookies, security headers, error pages."""

import logging
from dataclasses import dataclass
from pathlib import Path

import redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from admin.auth import action, page
from admin.body_limit import BodyLimitPageMiddleware
from admin.config import AdminConfig, load_config
from admin.errors import CsrfError, NotFound, PermissionDenied
from admin.pages import render
from admin.ratelimit import LoginRateLimiter
from admin.rendering import make_templates
from admin.sessions import SessionRegistry
from admin.users import UserStore
from admin.views import accounts, history, preview, regions, session, streams
from store import Store
from store.errors import StoreError

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "qh_admin_session"
# The largest form is a stream edit of a few hundred characters; anything far
# bigger gets a 413 error page before the form parser reads it, and nothing is stored.
MAX_BODY_BYTES = 64 * 1024
SECURITY_HEADERS = {
    # Scripts only from this site's static files: no inline script runs, whatever
    # ends up in a page.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class AdminServices:
    """Clients and settings for the request handlers, stored on `app.state.admin`."""

    config: AdminConfig
    store: Store
    users: UserStore
    sessions: SessionRegistry
    limiter: LoginRateLimiter
    templates: Jinja2Templates


def routes() -> list:
    return [
        Route("/login", session.login_page, methods=["GET"]),
        Route("/login", session.login, methods=["POST"]),
        Route("/logout", action(session.logout), methods=["POST"]),
        Route("/", page(regions.dashboard), methods=["GET"]),
        Route("/site", action(regions.update_site), methods=["POST"]),
        Route("/regions", action(regions.add_region), methods=["POST"]),
        Route("/regions/{region_id}", page(regions.region_page), methods=["GET"]),
        Route("/regions/{region_id}", action(regions.update_region), methods=["POST"]),
        Route(
            "/regions/{region_id}/move", action(regions.move_region), methods=["POST"]
        ),
        Route(
            "/regions/{region_id}/delete",
            action(regions.remove_region),
            methods=["POST"],
        ),
        Route(
            "/regions/{region_id}/streams", action(streams.add_stream), methods=["POST"]
        ),
        Route(
            "/regions/{region_id}/streams/{stream_id}",
            action(streams.update_stream),
            methods=["POST"],
        ),
        Route(
            "/regions/{region_id}/streams/{stream_id}/score",
            action(streams.bump_score),
            methods=["POST"],
        ),
        Route(
            "/regions/{region_id}/streams/{stream_id}/move",
            action(streams.move_stream),
            methods=["POST"],
        ),
        Route(
            "/regions/{region_id}/streams/{stream_id}/delete",
            action(streams.remove_stream),
            methods=["POST"],
        ),
        Route("/preview", action(preview.preview), methods=["POST"]),
        Route("/audit", page(history.audit_page), methods=["GET"]),
        Route("/revert", action(history.revert), methods=["POST"]),
        Route("/users", page(accounts.users_page, admin_only=True), methods=["GET"]),
        Route("/users", action(accounts.add_user, admin_only=True), methods=["POST"]),
        Route(
            "/users/{name}/role",
            action(accounts.set_role, admin_only=True),
            methods=["POST"],
        ),
        Route(
            "/users/{name}/password",
            action(accounts.set_password, admin_only=True),
            methods=["POST"],
        ),
        Route(
            "/users/{name}/delete",
            action(accounts.remove_user, admin_only=True),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _error_page(heading: str, status_code: int):
    async def handler(request, exc):
        context = {"heading": heading, "message": str(exc)}
        return render(request, "error.html", context, status_code)

    return handler


async def _store_error(request, exc):
    logger.error("store failed on %s %s: %s", request.method, request.url.path, exc)
    context = {"heading": "Data store unavailable", "message": str(exc)}
    return render(request, "error.html", context, 503)


class SecurityHeadersMiddleware:
    """Add SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in SECURITY_HEADERS.items():
                    headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: AdminConfig | None = None, client: redis.Redis | None = None):
    """Build the app; `client` (a redis-py client) overrides `config.redis_url`."""
    config = config or load_config()
    if client is None:
        client = redis.Redis.from_url(
            config.redis_url, socket_timeout=5, socket_connect_timeout=5
        )
    services = AdminServices(
        config=config,
        store=Store(client, config.prefix),
        users=UserStore(client, config.prefix),
        sessions=SessionRegistry(client, config.prefix, config.session_max_age),
        limiter=LoginRateLimiter(
            client,
            config.prefix,
            max_per_user=config.login_max_failures,
            max_per_ip=config.login_max_failures_per_ip,
            window=config.login_window,
        ),
        templates=make_templates(),
    )
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=config.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=config.session_max_age,
            same_site="strict",
            https_only=config.secure_cookies,
        ),
        # Inside SessionMiddleware, so the 413 page shows who is logged in.
        Middleware(BodyLimitPageMiddleware, max_body_size=MAX_BODY_BYTES),
    ]
    exception_handlers = {
        CsrfError: _error_page("Form expired", 403),
        PermissionDenied: _error_page("Not allowed", 403),
        NotFound: _error_page("Not found", 404),
        StoreError: _store_error,
    }
    app = Starlette(
        routes=routes(), middleware=middleware, exception_handlers=exception_handlers
    )
    app.state.admin = services
    return app
