"""Replay a qualifier day against the local stack while its parts restart at random.

`EditReplayer` commits the demo edits through the store as `qualifiers replay` does,
and rides out Redis outages. When a commit fails because Redis went away, it waits for
Redis and compares versions, so an edit that committed just before the connection
broke is not applied twice. `ChaosDriver` stops and starts services of a `LocalStack` at the
moments of a seeded plan, some with SIGKILL and some with SIGTERM, one at a time.
"""

import logging
import random
import threading
import time
from dataclasses import dataclass

from admin.replay import apply_edit
from store import Store, StoreUnavailable

logger = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 0.05


@dataclass(frozen=True)
class Disruption:
    """One planned restart: `at` seconds after the start, down for `downtime` seconds."""

    at: float
    service: str
    kill: bool
    downtime: float

    def __str__(self):
        signal_name = "SIGKILL" if self.kill else "SIGTERM"
        return f"{self.service} {signal_name} at {self.at:.1f} s, down {self.downtime:.1f} s"


def plan_disruptions(seed, services, count, window, downtime=(0.2, 2.0)):
    """Return `count` disruptions within `window` seconds, each service at least once.

    The same seed gives the same plan. Roughly half are SIGKILL, half SIGTERM.
    """
    if count < len(services):
        raise ValueError(f"count {count} is below the {len(services)} services named")
    rng = random.Random(seed)
    names = list(services)
    names += [rng.choice(services) for _ in range(count - len(services))]
    rng.shuffle(names)
    moments = sorted(rng.uniform(0, window) for _ in names)
    return [
        Disruption(at, name, rng.random() < 0.5, rng.uniform(*downtime))
        for at, name in zip(moments, names, strict=True)
    ]


class BackgroundRun:
    """Runs `run()` in a thread and keeps the exception that ended it, if any."""

    def __init__(self):
        self.error = None
        self.finished_at = None
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._main, name=type(self).__name__)
        self._thread.start()
        return self

    def _main(self):
        try:
            self.run()
        except Exception as exc:  # reported to the test by join()
            logger.exception("%s failed", type(self).__name__)
            self.error = exc
        finally:
            self.finished_at = time.monotonic()

    def join(self, timeout):
        """Wait for the run to end; raise what ended it, or TimeoutError."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"{type(self).__name__} still running after {timeout} s")
        if self.error is not None:
            raise self.error

    def run(self):
        raise NotImplementedError


class EditReplayer(BackgroundRun):
    """Commits edit records at `t / speed` seconds from the start, through Redis outages."""

    def __init__(self, redis_url, records, speed, user="e2e-replay", outage_limit=60.0):
        super().__init__()
        self.store = Store.from_url(
            redis_url, socket_timeout=2, socket_connect_timeout=1
        )
        self.records = records
        self.speed = speed
        self.user = user
        self.outage_limit = outage_limit
        self.applied = 0
        self.failed_commits = 0
        self.committed_unseen = 0

    def run(self):
        start = time.monotonic()
        try:
            for record in self.records:
                delay = start + record["t"] / self.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self._apply(record)
        finally:
            self.store.client.close()
        logger.info(
            "replayed %d edits; %d commits failed on a Redis outage, %d of them had landed",
            self.applied,
            self.failed_commits,
            self.committed_unseen,
        )

    def _apply(self, record):
        deadline = time.monotonic() + self.outage_limit
        before = self._version(deadline)
        while True:
            try:
                apply_edit(self.store, self.user, record)
                break
            except StoreUnavailable as exc:
                self.failed_commits += 1
                logger.info("commit at version %d failed, retrying: %s", before, exc)
                if self._version(deadline) > before:
                    # Redis ran the commit but the reply was lost; with
                    # appendfsync always the commit is on disk.
                    self.committed_unseen += 1
                    break
        self.applied += 1

    def _version(self, deadline):
        """Return the stored version, waiting for Redis until `deadline`."""
        while True:
            try:
                return self.store.read()["version"]
            except StoreUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(REDIS_RETRY_SECONDS)


class ChaosDriver(BackgroundRun):
    """Carries out a plan of disruptions on `services` (name -> restartable service)."""

    def __init__(self, services, plan):
        super().__init__()
        self.services = services
        self.plan = plan
        self.done = []

    def run(self):
        start = time.monotonic()
        for disruption in self.plan:
            delay = start + disruption.at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._disrupt(disruption)

    def _disrupt(self, disruption):
        service = self.services[disruption.service]
        logger.info("disrupting: %s", disruption)
        service.stop(kill=disruption.kill)
        time.sleep(disruption.downtime)
        started = time.monotonic()
        service.start()
        self.done.append((disruption, time.monotonic() - started))
