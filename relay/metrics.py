"""Prometheus metrics, kept in a registry of the relay's own."""

import asyncio

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

CONTENT_TYPE = CONTENT_TYPE_LATEST


def _running_tasks():
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # no running event loop
        return 0


class RelayMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.clients = Gauge(
            "relay_clients_connected", "Open /events streams.", registry=self.registry
        )
        self.events_sent = Counter(
            "relay_events_sent",
            "Events written to clients, by event type.",
            ["event"],
            registry=self.registry,
        )
        self.dropped = Counter(
            "relay_clients_dropped",
            "Clients dropped because their unread data passed RELAY_QUEUE_LIMIT.",
            registry=self.registry,
        )
        self.rejected = Counter(
            "relay_clients_rejected",
            "Requests for /events answered with 503, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.redis_reconnects = Counter(
            "relay_redis_reconnects",
            "Times the relay subscribed again after losing Redis.",
            registry=self.registry,
        )
        self.redis_connected = Gauge(
            "relay_redis_connected",
            "1 while the pub/sub subscription is up, else 0.",
            registry=self.registry,
        )
        self.version = Gauge(
            "relay_version",
            "Version of the state the relay serves.",
            registry=self.registry,
        )
        self.tasks = Gauge(
            "relay_asyncio_tasks",
            "Tasks alive on the event loop.",
            registry=self.registry,
        )
        self.tasks.set_function(_running_tasks)

    def render(self):
        return generate_latest(self.registry)
