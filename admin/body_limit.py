"""The request body size limit, with the admin's own 413 error page for bodies over it."""

import logging

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import Response

from admin.pages import render

logger = logging.getLogger(__name__)

TOO_LARGE_HEADING = "Form too large"


def too_large_page(request: Request, max_body_size: int) -> Response:
    """Render the 413 error page, which names the limit and states that nothing was saved."""
    limit = f"{max_body_size / 1024:g} KiB ({max_body_size:,} bytes)"
    message = (
        f"The form was larger than the limit of {limit}, so nothing was saved. "
        "Go back, shorten the longest text and submit the form again."
    )
    context = {"heading": TOO_LARGE_HEADING, "message": message}
    return render(request, "error.html", context, 413)


class BodyLimitPageMiddleware:
    """Reject request bodies over `max_body_size` bytes with a 413 error page.

    Starlette's RequestBodyLimitMiddleware enforces the limit. It sends its own
    plain-text 413, and when the Content-Length header is over the limit it sends that
    in place of any response the app sent. So this middleware wraps it, drops every
    413 response it passes on and sends the error page in its place. No handler of
    this app sends 413 itself. Add it inside SessionMiddleware, because the page's
    layout reads the session.
    """

    def __init__(self, app, max_body_size: int):
        self.app = RequestBodyLimitMiddleware(app, max_body_size=max_body_size)
        self.max_body_size = max_body_size

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        rejected = False

        async def send_unless_rejected(message):
            nonlocal rejected
            if message["type"] == "http.response.start" and message["status"] == 413:
                rejected = True
            if not rejected:
                await send(message)

        await self.app(scope, receive, send_unless_rejected)
        if not rejected:
            return
        request = Request(scope, receive)
        logger.warning(
            "rejected %s %s: request body over %d bytes",
            request.method,
            request.url.path,
            self.max_body_size,
        )
        response = too_large_page(request, self.max_body_size)
        await response(scope, receive, send)
