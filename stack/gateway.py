"""Serve the built site and the bootstrap function on one origin, as AWS would.

Each request under /api/ becomes an API Gateway HTTP API event (payload format 2.0)
for the real Lambda handler. Every other path is a file from the built site, served
with precompressed siblings and cache headers. `sam local` does the same inside Docker,
which the local stack does not need.
"""

import argparse
import base64
import hashlib
import json
import logging
import mimetypes
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
API_PREFIX = "/api/"
HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# Preferred first, because Brotli usually compresses text smaller than gzip does.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# A content hash as the bundlers write it: `name.3f9a7c21.js` or `name-DbZk3aO1.js`,
# 8 to 64 letters, digits or underscores with at least one digit and one letter.
HASHED_NAME = re.compile(
    r".+[.-](?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,64}\.[A-Za-z0-9]+"
)
# Types that Python's mimetypes table lacks or gets wrong on some systems. Browsers
# compile WebAssembly while it streams only when it is served as application/wasm.
MEDIA_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".toml": "application/toml",
    ".py": "text/x-python",
}

Handler = Callable[[dict, object], dict]


class LocalContext:
    """The parts of the Lambda context object that handlers commonly read."""

    function_name = "bootstrap"
    memory_limit_in_mb = 256

    def __init__(self, request_id: str, timeout_seconds: float = 30.0):
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def http_api_event(request: Request, body: bytes, request_id: str) -> dict:
    """Build the HTTP API payload 2.0 event that API Gateway would send for `request`."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        name = name.lower()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    cookies = headers.pop("cookie", None)
    now = datetime.now(UTC)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.url.path,
        "rawQueryString": request.url.query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": headers.get("host", ""),
            "domainPrefix": headers.get("host", "").split(".")[0],
            "http": {
                "method": request.method,
                "path": request.url.path,
                "protocol": f"HTTP/{request.scope.get('http_version', '1.1')}",
                "sourceIp": request.client.host if request.client else "",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [cookie.strip() for cookie in cookies.split(";")]
    if request.query_params:
        event["queryStringParameters"] = {
            name: ",".join(request.query_params.getlist(name))
            for name in request.query_params
        }
    if body:
        event.update(_event_body(body))
    return event


def _event_body(body: bytes) -> dict:
    try:
        return {"body": body.decode("utf-8"), "isBase64Encoded": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def http_api_response(result: dict | str) -> Response:
    """Turn a handler's result into an HTTP response the way HTTP API payload 2.0 does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # API Gateway treats any other return value as a 200 JSON body.
        return Response(json.dumps(result), 200, media_type="application/json")
    body = result.get("body") or ""
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(
        content, result["statusCode"], headers=result.get("headers") or {}
    )
    for cookie in result.get("cookies") or ():
        response.headers.append("set-cookie", cookie)
    return response


def accepted_encodings(header: str) -> set[str]:
    """Return the content codings an Accept-Encoding header allows (q > 0)."""
    accepted = set()
    for item in header.split(","):
        coding, *params = [part.strip() for part in item.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                quality = _quality(param[2:])
        if coding and quality > 0:
            accepted.add(coding.lower())
    if "*" in accepted:
        accepted.update(coding for coding, _ in ENCODINGS)
    return accepted


def _quality(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return 0.0


def cache_control(name: str) -> str:
    return IMMUTABLE if HASHED_NAME.fullmatch(name) else REVALIDATE


def media_type(path: Path) -> str:
    known = MEDIA_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class StaticSite:
    """Files under one folder; a folder path serves its index.html."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def find(self, relative: str) -> Path | None:
        candidate = (self.root / relative.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    async def endpoint(self, request: Request) -> Response:
        path = self.find(request.path_params["path"])
        if path is None:
            return PlainTextResponse("Not Found", 404)
        encoding, served = self._pick_encoding(
            path, request.headers.get("accept-encoding", "")
        )
        headers = {"Cache-Control": cache_control(path.name), "Vary": "Accept-Encoding"}
        if encoding:
            headers["Content-Encoding"] = encoding
        if headers["Cache-Control"] == REVALIDATE:
            return self._whole_file(request, served, headers, media_type(path))
        response = FileResponse(
            served,
            headers=headers,
            media_type=media_type(path),
            stat_result=os.stat(served),
        )
        if request.headers.get("if-none-match") == response.headers.get("etag"):
            return Response(
                status_code=304, headers={**headers, "ETag": response.headers["etag"]}
            )
        return response

    @staticmethod
    def _whole_file(
        request: Request, served: Path, headers: dict, media: str
    ) -> Response:
        """Serve a file that may be replaced at any moment (the prerendered page).

        Reading it in one go, with the ETag taken from those bytes, keeps the length,
        the body and the ETag of one response from different versions of the file.
        """
        try:
            content = served.read_bytes()
        except FileNotFoundError:
            return PlainTextResponse("Not Found", 404)
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers = {**headers, "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(content, headers=headers, media_type=media)

    @staticmethod
    def _pick_encoding(path: Path, accept_encoding: str) -> tuple[str | None, Path]:
        accepted = accepted_encodings(accept_encoding)
        for coding, suffix in ENCODINGS:
            sibling = path.with_name(path.name + suffix)
            if coding in accepted and sibling.is_file():
                return coding, sibling
        return None, path


class FunctionEndpoint:
    """Call a Lambda handler with an HTTP API event built from each request."""

    def __init__(self, handler: Handler):
        self.handler = handler

    async def endpoint(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        event = http_api_event(request, await request.body(), request_id)
        # The handler blocks on Redis and STS, so it runs on a worker thread.
        result = await run_in_threadpool(self.handler, event, LocalContext(request_id))
        return http_api_response(result)


def create_app(dist: Path, handler: Handler | None = None) -> Starlette:
    """Build the gateway app; the default handler is `bootstrap.handler.handler`."""
    if handler is None:
        from bootstrap.handler import handler
    routes = [
        Route(
            API_PREFIX + "{rest:path}",
            FunctionEndpoint(handler).endpoint,
            methods=HTTP_METHODS,
        ),
        Route("/{path:path}", StaticSite(dist).endpoint, methods=["GET", "HEAD"]),
    ]
    return Starlette(routes=routes)


def serve(
    dist: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, handler=None
) -> None:
    """Run the gateway until interrupted."""
    import uvicorn

    logger.info(
        "serving %s and the bootstrap function on http://%s:%s/", dist, host, port
    )
    uvicorn.run(create_app(dist, handler), host=host, port=port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m stack.gateway",
        description="Serve the built site and the bootstrap function on one origin. "
        "The function reads its settings from the environment (docs/lambda.md).",
    )
    parser.add_argument(
        "--dist",
        type=Path,
        default=Path("dist"),
        help="folder of the built site (default: dist)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on (default: {DEFAULT_PORT})",
    )
    args = parser.parse_args(argv)
    if not args.dist.is_dir():
        parser.error(f"site folder {str(args.dist)!r} not found: build the site first")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(args.dist, args.host, args.port)


if __name__ == "__main__":
    main()
