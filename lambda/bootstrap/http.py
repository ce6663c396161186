"""API Gateway HTTP API (payload format 2.0) requests and responses."""

import json
from dataclasses import dataclass, field

from bootstrap.errors import BootstrapError, MethodNotAllowed

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
ALLOWED_METHODS = ("GET", "OPTIONS")


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP API event the function reads; header names are lower case."""

    method: str
    path: str
    request_id: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: dict, context=None) -> "Request":
        http = event.get("requestContext", {}).get("http", {})
        request_id = getattr(context, "aws_request_id", None)
        if request_id is None:
            request_id = event.get("requestContext", {}).get("requestId", "")
        headers = {
            name.lower(): value for name, value in (event.get("headers") or {}).items()
        }
        return cls(
            method=http.get("method", "").upper(),
            path=event.get("rawPath") or http.get("path", ""),
            request_id=request_id,
            headers=headers,
        )

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")


def base_headers() -> dict[str, str]:
    # Responses contain per-page credentials or errors, so no cache may keep them.
    return {
        "Content-Type": JSON_CONTENT_TYPE,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def json_response(
    status: int, body: dict, headers: dict[str, str] | None = None
) -> dict:
    """Build an HTTP API response with a compact JSON body."""
    all_headers = base_headers()
    all_headers.update(headers or {})
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def error_response(error: BootstrapError) -> dict:
    """Build the JSON error the page reads: a code, a sentence, and when to retry."""
    body = {"error": error.code, "message": error.public_message}
    headers = {}
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, MethodNotAllowed):
        headers["Allow"] = ", ".join(ALLOWED_METHODS)
    return json_response(error.status, body, headers)


def empty_response(status: int, headers: dict[str, str]) -> dict:
    all_headers = base_headers()
    del all_headers["Content-Type"]
    all_headers.update(headers)
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": "",
        "isBase64Encoded": False,
    }
