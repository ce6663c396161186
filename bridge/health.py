"""The bridge's health: what it published last and whether Redis and the broker respond.

`GET /health` returns it as JSON, with status 200 when both connections are up and 503
otherwise, for systemd watchdogs, load balancers and the local stack.
"""

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)


class Health:
    """Thread-safe record of the bridge's status, updated by the main loop."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.probes = {}
        self._lock = threading.Lock()
        self._fields = {
            "broker_connected": False,
            "redis_connected": False,
            "published_version": None,
            "snapshot_version": None,
            "last_publish_at": None,
            "publishes": 0,
            "rejected_payloads": 0,
            "resyncs": 0,
        }

    def probe(self, name: str, check) -> None:
        """Report `check()` as field `name`, called at each request."""
        self.probes[name] = check

    def update(self, **fields) -> None:
        with self._lock:
            self._fields.update(fields)

    def count(self, name: str) -> None:
        with self._lock:
            self._fields[name] += 1

    def published(self, version: int, snapshot: bool) -> None:
        with self._lock:
            self._fields["published_version"] = version
            if snapshot:
                self._fields["snapshot_version"] = version
            self._fields["last_publish_at"] = self.clock()
            self._fields["publishes"] += 1

    def report(self) -> dict:
        with self._lock:
            report = dict(self._fields)
        for name, check in self.probes.items():
            report[name] = check()
        report["ok"] = report["broker_connected"] and report["redis_connected"]
        return report


def _handler(health: Health):
    class HealthHandler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/health":
                self.send_error(404, "only /health is served here")
                return
            report = health.report()
            body = json.dumps(report).encode()
            self.send_response(200 if report["ok"] else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            logger.debug(
                "health request from %s: " + format, self.client_address[0], *args
            )

    return HealthHandler


class HealthServer:
    """`GET /health` on `host:port`, served from a daemon thread."""

    def __init__(self, health: Health, host: str, port: int):
        self.server = ThreadingHTTPServer((host, port), _handler(health))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="bridge-health", daemon=True
        )

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> "HealthServer":
        self.thread.start()
        logger.info(
            "health endpoint on http://%s:%d/health", *self.server.server_address[:2]
        )
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
