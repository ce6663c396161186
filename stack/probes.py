"""Lightweight viewers: asyncio subscribers that follow the state as the page does.

Each probe keeps a `model.replica.Replica` fed through `model.messages.decode`, so its
state is exactly what a page would show. It reconnects on its own with exponential
backoff and jitter, and resynchronises from a snapshot after a gap:

- `MqttProbe` subscribes to the snapshot and updates topics, either over WebSockets
  with the presigned URL and client id from a fresh `/api/bootstrap` response (a new
  one before every connection, as the page does) or anonymously over plain TCP. After
  a gap it subscribes to the snapshot topic again, so the broker resends the retained
  snapshot; in bootstrap mode it takes the bootstrap state if that did not close the gap
  within `resync_wait` seconds.
- `SseProbe` reads the relay's `/events` stream, sends `Last-Event-ID` when it
  reconnects as EventSource does, follows `event: shutdown`, and reconnects without
  `Last-Event-ID` after a gap, so the relay sends a snapshot.

`ProbePool` runs many probes on one event loop in a background thread, for callers that
are synchronous (pytest with Playwright) or that hold a thousand probes in one process
(the latency benchmark).
"""

import asyncio
import contextlib
import functools
import logging
import random
import threading
import time
from urllib.parse import urlsplit

import aiohttp
import aiomqtt

from model.errors import ValidationError
from model.messages import check_message, decode
from model.replica import APPLIED, GAP, SNAPSHOT, Replica

logger = logging.getLogger(__name__)

TOPICS = {"snapshot": "qualifiers/snapshot", "updates": "qualifiers/updates"}
CONNECT_TIMEOUT_SECONDS = 10.0
RESYNC_WAIT_SECONDS = 5.0
# The relay pings every 15 s by default, so three silent periods mean a dead stream.
SSE_READ_TIMEOUT_SECONDS = 45.0
SSE_DEFAULT_RETRY_MS = 3000


class ProbeError(Exception):
    """A connection attempt failed; `retry_after` is the server's hint in seconds."""

    def __init__(self, message, retry_after=0.0):
        super().__init__(message)
        self.retry_after = retry_after


@functools.lru_cache(maxsize=256)
def decode_shared(text):
    """Decode a message once per process, however many probes receive the same text.

    Decoding is pure and replicas never change a message in place (they copy before
    applying), so sharing the result is safe. A ValidationError is not cached.
    """
    return decode(text)


class Backoff:
    """Exponential backoff with equal jitter: each delay is between half and all of
    the current step, and the step doubles up to `maximum` seconds."""

    def __init__(self, first, maximum, rng):
        self.first = first
        self.maximum = maximum
        self.rng = rng
        self.attempt = 0

    def next_delay(self, at_least=0.0):
        step = min(self.maximum, self.first * 2 ** min(self.attempt, 30))
        self.attempt += 1
        return max(step / 2 + self.rng.random() * step / 2, at_least)

    def reset(self):
        self.attempt = 0


class Probe:
    """The part every transport shares: the replica, counters and the retry loop."""

    kind = "probe"

    def __init__(self, name, seed=0, first_retry=1.0, max_retry=30.0):
        self.name = name
        self.replica = Replica()
        self.backoff = Backoff(first_retry, max_retry, random.Random(f"{name}/{seed}"))
        self.live = False
        self.connections = 0
        self.gaps = 0
        self.rejected = []
        # Version -> time.time() when a message first brought the replica there.
        self.arrivals = {}
        self.last_error = ""
        self.crashes = 0

    @property
    def version(self):
        return self.replica.version

    def take(self, text):
        """Apply one message text; return the replica's verdict or "rejected"."""
        try:
            message = decode_shared(text)
        except ValidationError as exc:
            self.rejected.append(str(exc))
            logger.warning("%s rejected a message: %s", self.name, exc)
            return "rejected"
        return self.take_message(message)

    def take_message(self, message):
        result = self.replica.on_message(message)
        if result in (APPLIED, SNAPSHOT):
            self.arrivals.setdefault(self.replica.version, time.time())
        elif result == GAP:
            self.gaps += 1
        return result

    async def run(self, session):
        """Connect, follow and reconnect until cancelled."""
        while True:
            try:
                await self.connect_once(session)
                delay = self.delay_after_close()
            except ProbeError as exc:
                self.last_error = str(exc)
                delay = self.backoff.next_delay(exc.retry_after)
            except Exception as exc:
                # A bug in the probe, not an outage: count it so tests can fail on it.
                logger.exception("%s failed", self.name)
                self.crashes += 1
                self.last_error = repr(exc)
                delay = self.backoff.next_delay()
            finally:
                self.live = False
            logger.debug(
                "%s reconnects in %.1f s (attempt %d): %s",
                self.name,
                delay,
                self.backoff.attempt,
                self.last_error,
            )
            await asyncio.sleep(delay)

    def delay_after_close(self):
        return self.backoff.next_delay()

    def went_live(self):
        self.live = True
        self.connections += 1
        self.backoff.reset()

    async def connect_once(self, session):
        raise NotImplementedError

    def report(self):
        """Return what a test compares: state, version, liveness and counters."""
        return {
            "name": self.name,
            "kind": self.kind,
            "live": self.live,
            "version": self.replica.version,
            "state": self.replica.state,
            "connections": self.connections,
            "gaps": self.gaps,
            "rejected": list(self.rejected),
            "last_error": self.last_error,
            "crashes": self.crashes,
        }


def parse_bootstrap(document):
    """Return (client_id, url, topics, snapshot message) from a bootstrap response."""
    try:
        iot = document["iot"]
        state = document["state"]
        message = check_message(
            {"type": "snapshot", "version": state["version"], "state": state}
        )
        return document["client_id"], iot["url"], iot["topics"], message
    except (KeyError, TypeError, ValidationError) as exc:
        raise ProbeError(f"unreadable bootstrap response: {exc}") from None


def retry_after(response):
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else 0.0


class MqttProbe(Probe):
    """A viewer on the MQTT topics; `bootstrap_url` None means anonymous TCP to `broker`."""

    kind = "mqtt"

    def __init__(
        self,
        name,
        bootstrap_url=None,
        broker=None,
        topics=None,
        resync_wait=RESYNC_WAIT_SECONDS,
        **options,
    ):
        super().__init__(name, **options)
        if (bootstrap_url is None) == (broker is None):
            raise ValueError("MqttProbe needs exactly one of bootstrap_url and broker")
        self.bootstrap_url = bootstrap_url
        self.broker = broker
        self.topics = topics or TOPICS
        self.resync_wait = resync_wait
        self.bootstraps = 0
        self._gap_target = -1
        self._resync_task = None

    @property
    def kind_detail(self):
        return "mqtt-ws" if self.bootstrap_url else "mqtt-tcp"

    async def fetch_bootstrap(self, session):
        self.bootstraps += 1
        try:
            async with session.get(self.bootstrap_url) as response:
                if response.status != 200:
                    raise ProbeError(
                        f"bootstrap returned HTTP {response.status}",
                        retry_after(response),
                    )
                return parse_bootstrap(await response.json())
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise ProbeError(f"bootstrap failed: {exc!r}") from None

    async def connect_once(self, session):
        if self.bootstrap_url is None:
            client = self._tcp_client()
        else:
            client_id, url, self.topics, message = await self.fetch_bootstrap(session)
            # As the page does: the endpoint read the store, so its state wins.
            self.replica = Replica()
            self._gap_target = -1
            self.take_message(message)
            client = self._websocket_client(client_id, url)
        try:
            async with client:
                await client.subscribe(
                    [(self.topics["snapshot"], 1), (self.topics["updates"], 1)]
                )
                self.went_live()
                await self._follow(client, session)
        except aiomqtt.MqttError as exc:
            raise ProbeError(f"MQTT connection lost: {exc}") from None
        finally:
            self._cancel_resync()

    def _tcp_client(self):
        host, port = self.broker
        return aiomqtt.Client(
            host,
            port,
            identifier=self.name,
            clean_session=True,
            protocol=aiomqtt.ProtocolVersion.V311,
            timeout=CONNECT_TIMEOUT_SECONDS,
        )

    def _websocket_client(self, client_id, url):
        parts = urlsplit(url)
        # Mosquitto ignores the path and query. AWS IoT reads the signature there.
        path = parts.path + ("?" + parts.query if parts.query else "")
        return aiomqtt.Client(
            parts.hostname,
            parts.port or 80,
            identifier=client_id,
            clean_session=True,
            protocol=aiomqtt.ProtocolVersion.V311,
            transport="websockets",
            websocket_path=path,
            timeout=CONNECT_TIMEOUT_SECONDS,
        )

    async def _follow(self, client, session):
        async for message in client.messages:
            result = self.take(message.payload.decode("utf-8", "replace"))
            if result == GAP:
                self._gap_target = max(self._gap_target, self.replica.version + 1)
                if self._resync_task is None:
                    self._resync_task = asyncio.create_task(
                        self._resync(client, session)
                    )

    async def _resync(self, client, session):
        """Resubscribe for the retained snapshot, then take the bootstrap state."""
        try:
            while self.replica.version < self._gap_target:
                await client.subscribe(self.topics["snapshot"], qos=1)
                await asyncio.sleep(self.resync_wait)
                if self.replica.version >= self._gap_target:
                    break
                if self.bootstrap_url is not None:
                    *_, message = await self.fetch_bootstrap(session)
                    self.take_message(message)
        except (aiomqtt.MqttError, ProbeError) as exc:
            logger.debug("%s resync failed: %s", self.name, exc)
        finally:
            self._resync_task = None

    def _cancel_resync(self):
        if self._resync_task is not None:
            self._resync_task.cancel()
            self._resync_task = None

    def report(self):
        report = super().report()
        report["kind"] = self.kind_detail
        report["bootstraps"] = self.bootstraps
        return report


class SseEvent:
    """One dispatched server-sent event."""

    __slots__ = ("data", "id", "name", "retry")

    def __init__(self, name, data, event_id, retry):
        self.name = name
        self.data = data
        self.id = event_id
        self.retry = retry


class SseParser:
    """The event stream format as the HTML standard defines it, fed line by line."""

    def __init__(self):
        self._name = ""
        self._data = []
        self._id = None
        self._retry = None

    def feed(self, line):
        """Take one line without its end; return an SseEvent when a blank line ends one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._name = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\0" not in value:
            self._id = value
        elif field == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self):
        event = None
        if self._data or self._retry is not None:
            event = SseEvent(
                self._name or "message", "\n".join(self._data), self._id, self._retry
            )
        self._name, self._data, self._retry = "", [], None
        return event


class SseProbe(Probe):
    """A viewer on the relay's event stream."""

    kind = "sse"

    def __init__(self, name, url, **options):
        options.setdefault("first_retry", SSE_DEFAULT_RETRY_MS / 1000)
        super().__init__(name, **options)
        self.url = url
        self.retry_ms = SSE_DEFAULT_RETRY_MS
        self.forget_last_id = False
        self.shutdowns = 0

    async def connect_once(self, session):
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self.replica.version >= 0 and not self.forget_last_id:
            headers["Last-Event-ID"] = str(self.replica.version)
        self.forget_last_id = False
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=CONNECT_TIMEOUT_SECONDS,
            sock_read=SSE_READ_TIMEOUT_SECONDS,
        )
        try:
            async with session.get(
                self.url, headers=headers, timeout=timeout
            ) as response:
                if response.status != 200:
                    raise ProbeError(
                        f"relay returned HTTP {response.status}", retry_after(response)
                    )
                self.went_live()
                await self._follow(response)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ProbeError(f"event stream failed: {exc!r}") from None
        self.last_error = "the event stream ended"

    async def _follow(self, response):
        parser = SseParser()
        async for raw in response.content:
            event = parser.feed(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if event is None:
                continue
            if event.retry is not None:
                self.retry_ms = event.retry
            if event.name == "shutdown":
                self.shutdowns += 1
                return
            if event.name in ("snapshot", "delta") and self.take(event.data) == GAP:
                self.forget_last_id = True
                return

    def delay_after_close(self):
        # EventSource waits the server's retry time after a stream that worked.
        return self.retry_ms / 1000

    def report(self):
        report = super().report()
        report["shutdowns"] = self.shutdowns
        return report


class ProbePool:
    """Probes on one event loop in a background thread; the methods are thread-safe."""

    def __init__(self):
        self.probes = []
        self._tasks = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="probe-pool", daemon=True
        )
        self._thread.start()
        self._session = self.call(self._open_session())

    def call(self, coroutine, timeout=60.0):
        """Run `coroutine` on the pool's loop and return its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)

    @staticmethod
    async def _open_session():
        # No per-host limit, because every SSE probe keeps one connection open.
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        # A snapshot is one `data:` line of up to the model's 96 KiB state limit.
        return aiohttp.ClientSession(connector=connector, read_bufsize=2**20)

    def start(self, probes, stagger=0.0):
        """Start following with each of `probes`, `stagger` seconds apart."""
        self.call(self._start(list(probes), stagger))

    async def _start(self, probes, stagger):
        for index, probe in enumerate(probes):
            self.probes.append(probe)
            run = self._run_later(probe, index * stagger)
            self._tasks.append(asyncio.create_task(run))

    async def _run_later(self, probe, delay):
        await asyncio.sleep(delay)
        await probe.run(self._session)

    def reports(self):
        """Return every probe's report, read on the loop so no probe is mid-update."""
        return self.call(self._reports())

    async def _reports(self):
        return [probe.report() for probe in self.probes]

    def arrivals(self):
        """Return {probe name: {version: time.time() of its arrival}}."""
        return self.call(self._arrivals())

    async def _arrivals(self):
        return {probe.name: dict(probe.arrivals) for probe in self.probes}

    def wait(self, condition, timeout, interval=0.2):
        """Poll `condition(reports)` until true or `timeout` s; return the last reports."""
        deadline = time.monotonic() + timeout
        while True:
            reports = self.reports()
            if condition(reports) or time.monotonic() > deadline:
                return reports
            time.sleep(interval)

    def close(self):
        """Cancel every probe, close their connections and stop the loop."""
        with contextlib.suppress(TimeoutError):
            self.call(self._close(), timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _close(self):
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._session.close()
