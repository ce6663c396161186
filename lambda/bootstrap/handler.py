"""The Lambda entry point: `bootstrap.handler.handler`.

The module imports only what routing needs; boto3, botocore and redis-py load on the
first request that uses them.
"""

import os
from collections.abc import Mapping

from bootstrap.access_log import write_access_log
from bootstrap.app import BootstrapApp
from bootstrap.config import ALLOWED_ORIGINS, Config, split_list
from bootstrap.cors import cors_headers
from bootstrap.errors import ConfigError
from bootstrap.http import Request, error_response


class LazyHandler:
    """Build the app from the environment on the first event and keep it.

    A configuration error returns a JSON error response with CORS headers, and the
    next event reads the environment again, instead of failing the container's start.
    """

    def __init__(self, environ: Mapping[str, str] = os.environ, **app_options):
        self._environ = environ
        self._app_options = app_options
        self._app: BootstrapApp | None = None

    def __call__(self, event: dict, context=None) -> dict:
        if self._app is None:
            try:
                config = Config.from_env(self._environ)
            except ConfigError as exc:
                return self._config_error(exc, event, context)
            self._app = BootstrapApp(config, **self._app_options)
        return self._app.handle(event, context)

    def _config_error(self, error: ConfigError, event: dict, context) -> dict:
        request = Request.from_event(event, context)
        response = error_response(error)
        origins = split_list(self._environ.get(ALLOWED_ORIGINS, ""))
        response["headers"].update(cors_headers(origins, request))
        record = {
            "request_id": request.request_id,
            "method": request.method,
            "path": request.path,
            "status": response["statusCode"],
            "error": f"ConfigError: {error}",
        }
        write_access_log(record, self._app_options.get("log_stream"))
        return response


handler = LazyHandler()
