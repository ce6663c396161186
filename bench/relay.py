"""Benchmark the SSE relay against Mosquitto's WebSockets listener, on loopback.

One relay process and one Mosquitto serve the same number of clients, all opened by
one load generator process (this file with --generator). Both deliver the same
messages: deltas committed to Redis for the relay, and the same delta messages
published on `qualifiers/updates` for Mosquitto. Reported per client count: clients connected,
publish-to-client latency p50/p99/max over every client and message, and resident
memory per client. Results go to bench/results/relay.md.

    .venv/bin/python bench/relay.py [--clients 1000,5000,10000] [--messages 20]
"""

import argparse
import asyncio
import base64
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "relay.md"
HOST = "127.0.0.1"
TOPIC = "qualifiers/updates"
CONNECT_BATCH = 250
MESSAGE_GAP_SECONDS = 0.3
SETTLE_SECONDS = 2.0


# --------------------------------------------------------------------------------------
# Load generator: a separate process holding every client connection.
# --------------------------------------------------------------------------------------

SSE_ID = re.compile(rb"\nid: (\d+)\n")
DELTA_TO = re.compile(rb'"to":(\d+)')


class Arrivals:
    """Arrival times per version, recorded by every client of one kind."""

    def __init__(self):
        self.times = {}

    def record(self, version, now):
        self.times.setdefault(version, []).append(now)


class SseClient(asyncio.Protocol):
    __slots__ = ("arrivals", "ready", "tail", "transport")

    def __init__(self, arrivals, ready):
        self.arrivals = arrivals
        self.ready = ready
        self.tail = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(
            b"GET /events HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\n\r\n"
        )

    def data_received(self, data):
        now = time.monotonic()
        buffer = self.tail + data
        end = buffer.rfind(b"\n") + 1
        self.tail = buffer[end:]
        for match in SSE_ID.finditer(buffer, 0, end):
            self.arrivals.record(int(match.group(1)), now)
            if not self.ready.done():
                self.ready.set_result(True)

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)


def ws_frame(payload):
    """Frame `payload` as one masked binary WebSocket message (client to server)."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    size = len(payload)
    if size < 126:
        header = bytes([0x82, 0x80 | size])
    else:
        header = bytes([0x82, 0x80 | 126]) + size.to_bytes(2, "big")
    return header + mask + masked


def mqtt_string(text):
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def mqtt_connect(client_id):
    # MQTT 3.1.1, clean session, keep-alive 0: the broker never expects pings.
    body = mqtt_string("MQTT") + bytes([4, 0x02, 0, 0]) + mqtt_string(client_id)
    return bytes([0x10, len(body)]) + body


def mqtt_subscribe(topic):
    body = (1).to_bytes(2, "big") + mqtt_string(topic) + bytes([0])
    return bytes([0x82, len(body)]) + body


class MqttWsClient(asyncio.Protocol):
    """MQTT 3.1.1 over WebSockets, subscribe-only, parsing only what it needs."""

    __slots__ = ("arrivals", "client_id", "mqtt", "ready", "stage", "transport", "ws")

    def __init__(self, arrivals, ready, client_id):
        self.arrivals = arrivals
        self.ready = ready
        self.client_id = client_id
        self.stage = "upgrade"
        self.ws = b""
        self.mqtt = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET /mqtt HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
            ).encode()
        )

    def data_received(self, data):
        now = time.monotonic()
        self.ws += data
        if self.stage == "upgrade":
            end = self.ws.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.ws[:end].split(b"\r\n", 1)[0]:
                self.transport.close()
                return
            self.ws = self.ws[end + 4 :]
            self.stage = "connack"
            self.transport.write(ws_frame(mqtt_connect(self.client_id)))
        self._read_frames()
        self._read_packets(now)

    def _read_frames(self):
        data = self.ws
        while len(data) >= 2:
            size = data[1] & 0x7F
            start = 2
            if size == 126:
                size, start = int.from_bytes(data[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(data[2:10], "big"), 10
            if len(data) < start + size:
                break
            if data[0] & 0x0F in (0x0, 0x2):
                self.mqtt += data[start : start + size]
            data = data[start + size :]
        self.ws = data

    def _read_packets(self, now):
        data = self.mqtt
        while len(data) >= 2:
            length, multiplier, index = 0, 1, 1
            while True:
                if index >= len(data):
                    self.mqtt = data
                    return
                byte = data[index]
                length += (byte & 0x7F) * multiplier
                multiplier *= 128
                index += 1
                if not byte & 0x80:
                    break
            if len(data) < index + length:
                break
            self._on_packet(data[0] >> 4, data[index : index + length], now)
            data = data[index + length :]
        self.mqtt = data

    def _on_packet(self, kind, body, now):
        if kind == 2:  # CONNACK
            self.transport.write(ws_frame(mqtt_subscribe(TOPIC)))
        elif kind == 9:  # SUBACK
            if not self.ready.done():
                self.ready.set_result(True)
        elif kind == 3:  # PUBLISH
            match = DELTA_TO.search(body)
            if match:
                self.arrivals.record(int(match.group(1)), now)

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)


class Generator:
    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.clients = {"sse": [], "mqtt": []}
        self.arrivals = {"sse": Arrivals(), "mqtt": Arrivals()}
        self.failed = {"sse": 0, "mqtt": 0}

    async def connect(self, kind, port, total):
        """Open clients of `kind` until `total` are connected and ready."""
        clients = self.clients[kind]
        while len(clients) < total:
            batch = min(CONNECT_BATCH, total - len(clients))
            results = await asyncio.gather(
                *(
                    self._open(kind, port, len(clients) + number)
                    for number in range(batch)
                )
            )
            for result in results:
                if result is None:
                    self.failed[kind] += 1
                else:
                    clients.append(result)
            if self.failed[kind] > total:
                break
        return {"connected": len(clients), "failed": self.failed[kind]}

    async def _open(self, kind, port, number):
        ready = self.loop.create_future()
        arrivals = self.arrivals[kind]
        if kind == "sse":
            factory = lambda: SseClient(arrivals, ready)
        else:
            factory = lambda: MqttWsClient(arrivals, ready, f"bench-{number}")
        try:
            transport, _ = await self.loop.create_connection(factory, HOST, port)
            if await asyncio.wait_for(ready, 30):
                return transport
        except (OSError, TimeoutError):
            return None
        transport.close()
        return None

    def close(self, kind):
        for transport in self.clients[kind]:
            transport.close()
        self.clients[kind] = []

    def report(self, kind, published):
        """Latencies in ms for `published` {version: publish time}, over all clients."""
        latencies = []
        arrivals = self.arrivals[kind].times
        for version, sent in published.items():
            latencies += [(now - sent) * 1000 for now in arrivals.get(int(version), ())]
        self.arrivals[kind] = Arrivals()
        for client in self.clients[kind]:
            client.get_protocol().arrivals = self.arrivals[kind]
        return summarise(latencies, len(published) * len(self.clients[kind]))


def summarise(latencies, expected):
    if not latencies:
        return {"received": 0, "expected": expected}
    latencies.sort()
    return {
        "received": len(latencies),
        "expected": expected,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": latencies[-1],
    }


async def run_generator():
    generator = Generator()
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := await reader.readline():
        command = json.loads(line)
        action = command["action"]
        if action == "connect":
            answer = await generator.connect(
                command["kind"], command["port"], command["total"]
            )
        elif action == "report":
            answer = generator.report(command["kind"], command["published"])
        elif action == "close":
            generator.close(command["kind"])
            answer = {}
        else:
            answer = {"error": f"unknown action {action!r}"}
        print(json.dumps(answer), flush=True)


# --------------------------------------------------------------------------------------
# Orchestrator: servers, publishers, measurements, report.
# --------------------------------------------------------------------------------------


def raise_file_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


class GeneratorProcess:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--generator"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self):
        self.process.stdin.close()
        self.process.wait(30)
        self.process.stdout.close()


def seed_state(store):
    from model import edits

    for order, region in enumerate(
        ("north-america", "south-america", "europe", "cis", "china", "sea"), start=1
    ):
        store.apply(
            lambda state, region=region, order=order: edits.upsert_region(
                state, {"id": region, "title": region.title(), "order": order}
            ),
            "bench",
            "seed",
        )
        for number in range(6):
            fields = {
                "name": f"{region}-caster-{number}",
                "url": f"twitch.tv/{region}{number}",
                "info": "**Upper bracket R1** Courier Kings vs Mid or Feed",
                "score": [0, 0],
                "language": "English",
            }
            store.apply(
                lambda state, region=region, fields=fields: edits.add_stream(
                    state, region, fields
                ),
                "bench",
                "seed",
            )


class RelayTarget:
    kind = "sse"
    name = "SSE relay"

    def __init__(self, workdir, redis_url):
        from stack.services import free_port, python_env, wait_for_port
        from store import Store

        self.store = Store.from_url(redis_url)
        self.commit_ms = []
        self.port = free_port()
        with open(Path(workdir) / "relay.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "relay"],
                cwd=ROOT,
                env=python_env(
                    REDIS_URL=redis_url,
                    RELAY_PORT=str(self.port),
                    RELAY_MAX_CLIENTS="20000",
                    RELAY_LOG_LEVEL="WARNING",
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process)
        time.sleep(1.0)
        self.pid = self.process.pid

    def publish(self, number):
        """Commit one score change; return (version, time just before the commit)."""
        from model import edits

        state = self.store.read()
        region = state["regions"][number % len(state["regions"])]
        stream = region["streams"][0]
        sent = time.monotonic()
        new = self.store.apply(
            lambda s: edits.bump_score(s, region["id"], stream["id"], number % 2),
            "bench",
            "bump",
        )
        self.commit_ms.append((time.monotonic() - sent) * 1000)
        return new["version"], sent

    def stop(self):
        self.process.terminate()
        self.process.wait(30)
        self.store.client.close()


class MosquittoTarget:
    kind = "mqtt"
    name = "Mosquitto (WebSockets)"

    def __init__(self, workdir, redis_url):
        import paho.mqtt.client as mqtt

        from model.messages import delta_message, encode
        from stack.services import MosquittoBroker
        from store import Store

        self.broker = MosquittoBroker(Path(workdir) / "mosquitto").start()
        self.pid = self.broker.process.pid
        self.port = self.broker.ws_port
        self.store = Store.from_url(redis_url)
        self.commit_ms = []
        self.delta_message, self.encode = delta_message, encode
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher"
        )
        self.client.username_pw_set(
            self.broker.bridge_user, self.broker.bridge_password
        )
        self.client.connect(HOST, self.broker.tcp_port)
        self.client.loop_start()

    def publish(self, number):
        """Publish the delta message of the same kind of edit as the relay's run."""
        from model import edits

        state = self.store.read()
        region = state["regions"][number % len(state["regions"])]
        stream = region["streams"][0]
        before = state["version"]
        new = edits.bump_score(state, region["id"], stream["id"], number % 2)
        from model.delta import diff

        delta = {"from": before, "to": before + 1, "ops": diff(state, new)}
        payload = self.encode(self.delta_message(delta))
        # Advance Redis too, so the next message carries a new version.
        new = self.store.apply(lambda s: new, "bench", "bump")
        sent = time.monotonic()
        self.client.publish(TOPIC, payload, qos=1).wait_for_publish(10)
        return delta["to"], sent

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()
        self.broker.stop()
        self.store.client.close()


def measure(target, generator, counts, messages):
    rows = []
    baseline = rss_kib(target.pid)
    for count in counts:
        started = time.monotonic()
        connected = generator.ask(
            action="connect", kind=target.kind, port=target.port, total=count
        )
        connect_seconds = time.monotonic() - started
        time.sleep(SETTLE_SECONDS)
        generator.ask(action="report", kind=target.kind, published={})
        rss = rss_kib(target.pid)
        published = {}
        for number in range(messages):
            version, sent = target.publish(number)
            published[str(version)] = sent
            time.sleep(MESSAGE_GAP_SECONDS)
        time.sleep(SETTLE_SECONDS)
        latency = generator.ask(action="report", kind=target.kind, published=published)
        row = {
            "server": target.name,
            "clients": count,
            "connected": connected["connected"],
            "failed": connected["failed"],
            "connect_s": connect_seconds,
            "rss_mib": rss / 1024,
            "kib_per_client": (rss - baseline) / max(1, connected["connected"]),
            **latency,
            "commit_ms": statistics.median(target.commit_ms)
            if target.commit_ms
            else 0.0,
        }
        target.commit_ms.clear()
        print(json.dumps(row), flush=True)
        rows.append(row)
    generator.ask(action="close", kind=target.kind)
    return rows


def machine_lines():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    mosquitto = subprocess.run(
        [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-h"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[:1]
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (shared with other work during the run)",
        f"- memory: {int(memory) // 1024} MiB; kernel {platform.release()}",
        f"- Python {platform.python_version()}; {mosquitto[0] if mosquitto else 'mosquitto'}",
    ]


def write_results(rows, command, limit, path):
    lines = [
        "# SSE relay benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        *machine_lines(),
        f"- open file limit {limit}; all processes on loopback",
        "",
        "One load generator process holds every client; latency runs from just before",
        "the publish (Redis commit for the relay, MQTT publish for Mosquitto) to the",
        "moment the generator reads the event, over every client and message. Memory",
        "per client is the server's resident-memory growth divided by the clients.",
        "For the relay that includes the store's commit (read, validate, diff, Lua",
        "script), whose median is the `commit ms` column. Mosquitto's clients subscribe",
        "with QoS 0 over its WebSockets listener. The generator is Python on the same",
        "two cores: its per-message work (WebSocket and MQTT parsing for Mosquitto, a",
        "regular expression over the SSE text for the relay) is part of every figure,",
        "and weighs more on the Mosquitto side.",
        "",
        (
            "| server | clients | connected | received / expected | p50 ms | p99 ms "
            "| max ms | commit ms | RSS MiB | KiB per client |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        commit = f"{row['commit_ms']:.1f}" if row["commit_ms"] else "n/a"
        cells = [
            row["server"],
            row["clients"],
            row["connected"],
            f"{row['received']} / {row['expected']}",
            f"{row.get('p50', 0):.1f}",
            f"{row.get('p99', 0):.1f}",
            f"{row.get('max', 0):.1f}",
            commit,
            f"{row['rss_mib']:.1f}",
            f"{row['kib_per_client']:.1f}",
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += [
        "",
        "Goals: 10,000 clients, p99 <= 250 ms at 10,000, <= 20 KB per client.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--clients",
        default="1000,5000,10000",
        help="comma-separated client counts (default 1000,5000,10000)",
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=20,
        help="messages published per client count (default 20)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help="Markdown file for the results (default bench/results/relay.md)",
    )
    args = parser.parse_args(argv)
    limit = raise_file_limit()
    if args.generator:
        import uvloop

        uvloop.run(run_generator())
        return
    counts = [int(count) for count in args.clients.split(",")]
    if max(counts) + 512 > limit:
        raise SystemExit(
            f"open file limit {limit} is too low for {max(counts)} clients"
        )

    from stack.services import RedisServer

    workdir = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    redis_server = RedisServer(workdir / "redis").start()
    generator = GeneratorProcess()
    rows = []
    try:
        from store import Store

        seeder = Store.from_url(redis_server.url)
        seed_state(seeder)
        seeder.client.close()
        for target_class in (RelayTarget, MosquittoTarget):
            target = target_class(workdir, redis_server.url)
            try:
                rows += measure(target, generator, counts, args.messages)
            finally:
                target.stop()
    finally:
        generator.stop()
        redis_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python bench/relay.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    write_results(rows, command.strip(), limit, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
