"""Relay processes, an EventSource client on raw sockets, and a TCP proxy that cuts."""

import asyncio
import json
import queue
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from model.messages import decode
from model.replica import Replica
from stack.services import HOST, free_port, python_env, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 15.0


class RelayProcess:
    """`python -m relay` as a child process on a free port."""

    def __init__(self, workdir, redis_url, **env):
        self.port = free_port()
        self.log_path = Path(workdir) / f"relay-{self.port}.log"
        self.env = {
            "REDIS_URL": redis_url,
            "RELAY_HOST": HOST,
            "RELAY_PORT": str(self.port),
            "RELAY_REDIS_HEALTH_SECONDS": "0.5",
            **{key: str(value) for key, value in env.items()},
        }
        self.process = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def start(self, wait_healthy=True):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "relay"],
                cwd=ROOT,
                env=python_env(**self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process)
        if wait_healthy:
            self.wait_until(lambda: self.health()[0] == 200, "relay reports healthy")
        return self

    def stop(self, signum=signal.SIGTERM, timeout=10.0):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self):
        return self.log_path.read_text()

    def health(self):
        return get(self.url + "/health")[:2]

    def metrics(self):
        return parse_metrics(get(self.url + "/metrics")[1])

    def wait_until(self, condition, description, timeout=WAIT_SECONDS):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(
            f"timed out waiting until {description}; relay log:\n{self.log()}"
        )


def get(url, headers=None):
    """Return (status, body text, headers) of a GET, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode(), exc.headers


def parse_metrics(text):
    """Return {sample name with labels: value} from Prometheus text."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


class Event:
    def __init__(self, kind, event_id, data, retry):
        self.kind = kind
        self.id = event_id
        self.data = data
        self.retry = retry

    def message(self):
        return decode(self.data)

    def __repr__(self):
        return f"Event({self.kind!r}, id={self.id!r}, {len(self.data)} bytes)"


class EventSourceClient:
    """Read /events on a raw socket in a thread, as EventSource would.

    Parses HTTP/1.1 chunked bodies and SSE fields; comments are kept in `comments`.
    """

    def __init__(self, host, port, path="/events", headers=None, tls=False):
        self.events = queue.Queue()
        self.comments = []
        self.status = None
        self.retry = None
        self.headers = {}
        self.replica = Replica()
        self.ended = threading.Event()
        self.sock = socket.create_connection((host, port), timeout=WAIT_SECONDS)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock, server_hostname=host)
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Accept: text/event-stream",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.sock.settimeout(None)
        self.reader = self.sock.makefile("rb")
        self._read_head()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _read_head(self):
        status_line = self.reader.readline().decode()
        self.status = int(status_line.split()[1])
        while True:
            line = self.reader.readline().decode().strip()
            if not line:
                break
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def _body_lines(self):
        if self.headers.get("transfer-encoding") != "chunked":
            yield from self.reader
            return
        pending = b""
        while True:
            size = int(self.reader.readline().strip() or b"0", 16)
            if size == 0:
                return
            pending += self.reader.read(size)
            self.reader.readline()
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line + b"\n"

    def _run(self):
        fields = {}
        try:
            for raw in self._body_lines():
                line = raw.decode().rstrip("\r\n")
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif fields:
                    self._dispatch(fields)
                    fields = {}
        except (OSError, ValueError):
            pass
        finally:
            self.ended.set()
            self.events.put(None)

    def _dispatch(self, fields):
        # As in EventSource, a block without data sets fields but fires no event.
        if "retry" in fields:
            self.retry = fields["retry"]
        if "data" in fields:
            event = Event(
                fields.get("event", "message"),
                fields.get("id"),
                fields["data"],
                fields.get("retry"),
            )
            self.events.put(event)

    def next_event(self, timeout=WAIT_SECONDS):
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s") from None
        if event is None:
            self.events.put(None)
        return event

    def apply_until(self, version, timeout=WAIT_SECONDS):
        """Apply events to the replica until it reaches `version`; return the events."""
        seen = []
        deadline = time.monotonic() + timeout
        while self.replica.version < version:
            event = self.next_event(max(0.0, deadline - time.monotonic()))
            if event is None:
                raise AssertionError(f"stream ended at version {self.replica.version}")
            seen.append(event)
            if event.kind in ("snapshot", "delta"):
                self.replica.on_message(event.message())
        return seen

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(WAIT_SECONDS)
        self.reader.close()
        self.sock.close()


def open_stream(relay, **options):
    return EventSourceClient(HOST, relay.port, **options)


def without_version(state):
    return {key: value for key, value in state.items() if key != "version"}


def assert_converged(client, store):
    state = store.read()
    client.apply_until(state["version"])
    assert client.replica.version == state["version"]
    assert json.dumps(client.replica.state, sort_keys=True) == json.dumps(
        state, sort_keys=True
    )


class TcpProxy:
    """Forward loopback TCP to a server, and cut the line without FIN or RST.

    After `cut()` every open and new connection swallows all bytes silently, as a
    dead network path would; `restore()` lets only new connections through.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.cut_now = False
        self.epoch = 0
        self.writers = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, wait_healthy=True):
        self.thread.start()
        self.ready.wait(WAIT_SECONDS)
        return self

    def cut(self):
        self.cut_now = True
        self.epoch += 1

    def restore(self):
        self.epoch += 1
        self.cut_now = False

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT_SECONDS)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._accept, HOST, self.port)
        )
        self.ready.set()
        self.loop.run_forever()
        server.close()
        for writer in self.writers:
            writer.close()
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    async def _accept(self, reader, writer):
        epoch = self.epoch
        upstream_reader, upstream_writer = await asyncio.open_connection(
            HOST, self.target_port
        )
        self.writers += [writer, upstream_writer]
        await asyncio.gather(
            self._pump(reader, upstream_writer, epoch),
            self._pump(upstream_reader, writer, epoch),
            return_exceptions=True,
        )
        for stream in (writer, upstream_writer):
            stream.close()

    async def _pump(self, reader, writer, epoch):
        while data := await reader.read(65536):
            if not self.cut_now and epoch == self.epoch:
                writer.write(data)
                await writer.drain()
        writer.close()
