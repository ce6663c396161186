"""CORS headers for the configured page origins, on every response and on preflight."""

from bootstrap.http import ALLOWED_METHODS, Request

PREFLIGHT_MAX_AGE_SECONDS = 600


def allowed_origin(allowed_origins: tuple[str, ...], origin: str | None) -> str | None:
    """Return the value of Access-Control-Allow-Origin for `origin`, or None to omit it."""
    if "*" in allowed_origins:
        return "*"
    if origin is not None and origin in allowed_origins:
        return origin
    return None


def cors_headers(allowed_origins: tuple[str, ...], request: Request) -> dict[str, str]:
    if not allowed_origins:
        return {}
    headers = {"Vary": "Origin"}
    value = allowed_origin(allowed_origins, request.origin)
    if value is not None:
        headers["Access-Control-Allow-Origin"] = value
    return headers


def preflight_headers(
    allowed_origins: tuple[str, ...], request: Request
) -> dict[str, str]:
    """Build the response headers for a CORS preflight from an allowed origin."""
    headers = cors_headers(allowed_origins, request)
    if "Access-Control-Allow-Origin" not in headers:
        return headers
    headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    requested = request.headers.get("access-control-request-headers")
    if requested:
        # The response carries no cookies and the endpoint takes no input, so any
        # header the page wants to send is harmless.
        headers["Access-Control-Allow-Headers"] = requested
    headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return headers
