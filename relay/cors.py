"""CORS headers for the configured origins (RELAY_ALLOWED_ORIGINS)."""

PREFLIGHT_MAX_AGE_SECONDS = 600


def cors_headers(origin, allowed):
    """Return the headers that let a page from `origin` read the response."""
    if not origin or not allowed:
        return {}
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*"}
    if origin.rstrip("/") in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def preflight_headers(origin, allowed):
    """Return the headers for an OPTIONS preflight of GET with Last-Event-ID."""
    headers = cors_headers(origin, allowed)
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Allow-Methods"] = "GET"
        headers["Access-Control-Allow-Headers"] = "Last-Event-ID, Cache-Control"
        headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return headers
