"""The bootstrap function's request handling, with its clients and configuration."""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from bootstrap.access_log import write_access_log
from bootstrap.clients import AwsClients
from bootstrap.config import Config
from bootstrap.cors import cors_headers, preflight_headers
from bootstrap.credentials import assume_viewer_role
from bootstrap.document import bootstrap_document
from bootstrap.endpoint import EndpointResolver
from bootstrap.errors import BootstrapError, MethodNotAllowed, NotFound
from bootstrap.http import Request, empty_response, error_response, json_response
from bootstrap.policy import new_client_id
from bootstrap.presign import presign_websocket_url, replace_location
from bootstrap.state import open_store, read_state

logger = logging.getLogger(__name__)

ROUTE_PATH = "/api/bootstrap"


def utc_now() -> datetime:
    return datetime.now(UTC)


class BootstrapApp:
    """Handle HTTP API events; one instance lives as long as its Lambda container."""

    def __init__(
        self,
        config: Config,
        *,
        clients: AwsClients | None = None,
        store=None,
        clock: Callable[[], datetime] = utc_now,
        log_stream: TextIO | None = None,
    ):
        self.config = config
        self.clients = clients or AwsClients(config.region, config.aws_endpoint_url)
        self.endpoints = EndpointResolver(self.clients, config.iot_endpoint)
        self._store = store
        self._clock = clock
        self._log_stream = log_stream

    def handle(self, event: dict, context=None) -> dict:
        """Handle one event and write its access log line."""
        started = time.perf_counter()
        request = Request.from_event(event, context)
        record = {
            "request_id": request.request_id,
            "method": request.method,
            "path": request.path,
        }
        try:
            response = self.route(request, record)
        except BootstrapError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
            response = error_response(exc)
        except Exception as exc:
            # The page must still get JSON with CORS headers; the traceback goes to the
            # log only.
            logger.exception("request %s failed", request.request_id)
            record["error"] = type(exc).__name__
            response = error_response(BootstrapError())
        response["headers"].update(cors_headers(self.config.allowed_origins, request))

        record["status"] = response["statusCode"]
        record["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        write_access_log(record, self._log_stream)
        return response

    def route(self, request: Request, record: dict) -> dict:
        if request.path != ROUTE_PATH:
            raise NotFound(f"no route for {request.path!r}")
        if request.method == "OPTIONS":
            return empty_response(
                204, preflight_headers(self.config.allowed_origins, request)
            )
        if request.method != "GET":
            raise MethodNotAllowed(f"method {request.method!r} is not allowed")
        return json_response(200, self.bootstrap(record))

    def bootstrap(self, record: dict) -> dict:
        """Build the bootstrap document for a new client id."""
        state = read_state(self.store)
        record["state_version"] = state["version"]

        client_id = new_client_id(self.config.client_id_prefix)
        record["client_id"] = client_id
        credentials = assume_viewer_role(self.clients.sts, self.config, client_id)
        endpoint = self.endpoints.endpoint()

        url = presign_websocket_url(
            endpoint, self.config.region, credentials, self.config.response_ttl_seconds
        )
        if self.config.websocket_url_override:
            url = replace_location(url, self.config.websocket_url_override)

        return bootstrap_document(
            self.config,
            client_id=client_id,
            endpoint=endpoint,
            url=url,
            credentials=credentials,
            state=state,
            issued_at=self._clock(),
        )

    @property
    def store(self):
        if self._store is None:
            self._store = open_store(self.config)
        return self._store
