"""Benchmark the bridge: edits written into Redis quickly, with subscribers attached.

    python -m bench bridge
    python -m bench.bridge [--edits 20000] [--long] [--rate 10] [--subscribers 3] [--durable]

A writer process commits score and info edits through the store's own Lua commit
script. Each edit is one atomic commit with its change feed entry, as Store.apply makes
it, but without Store.apply's validation and conflict check in Python. Those cost about
3 ms per edit on the benchmark machine and would measure the writer, not the bridge.

The bridge runs as `python -m bridge` against a local redis-server and Mosquitto, and
paho-mqtt subscribers in this process rebuild the state with model.replica.Replica.
Each run happens twice: with the writer as fast as it goes, and paced at the goal of
2,000 edits/s. Results go to bench/results/bridge.md.
"""

import argparse
import json
import multiprocessing
import os
import platform
import re
import sys
import tempfile
import threading
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
import redis

from model.messages import encode
from model.replica import Replica
from stack.services import HOST, MosquittoBroker, PythonService, RedisServer, free_port
from store import Store
from store.keys import AUDIT_MAXLEN, CHANGES_MAXLEN, Keys
from store.store import COMMIT_SCRIPT

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "bridge.md"
SNAPSHOT = ROOT / "stack" / "demo" / "qualifier-day.snapshot.json"
TOPIC_PREFIX = "qualifiers"
GOAL_EDITS_PER_SEC = 2000
GOAL_EXTRA_LATENCY_MS = 20
RSS_SAMPLE_SECS = 0.25
REDIS_FAST = (
    "no AOF, so fsync does not bound the writer; the stack's Redis fsyncs every "
    "commit (`--durable` measures that)"
)
REDIS_DURABLE = "AOF with an fsync per commit, as the stack runs it"
PUBLISH_LINE = re.compile(r"publishing (?:delta \d+->(\d+)|snapshot at version (\d+))")
CONVERGE_TIMEOUT_SECS = 60


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def write_edits(redis_url, count, pace, sender):
    """Commit `count` edits, `pace` per second at most (0: no limit).

    Send back the start time and each commit's finish time.
    """
    client = redis.Redis.from_url(redis_url)
    keys = Keys()
    script = client.register_script(COMMIT_SCRIPT)
    state = Store(client).read()
    streams = [(r["id"], s) for r in state["regions"] for s in r["streams"]]
    finished = array("d")
    started = time.monotonic()
    for number in range(count):
        region_id, stream = streams[number % len(streams)]
        before = dict(stream)
        stream["info"] = f"edit {number}"
        stream["score"] = [number % 100, (number // 100) % 100]
        version = state["version"]
        state["version"] = version + 1
        delta = {
            "from": version,
            "to": version + 1,
            "ops": [["stream", region_id, stream]],
        }
        undo = {
            "from": version + 1,
            "to": version,
            "ops": [["stream", region_id, before]],
        }
        args = [
            version,
            encode(state),
            encode(delta),
            keys.notify,
            CHANGES_MAXLEN,
            AUDIT_MAXLEN,
            "bench",
            f"{time.time():.3f}",
            "score",
            "bench edit",
            encode(undo),
        ]
        status, _ = script(
            keys=[keys.state, keys.version, keys.changes, keys.audit], args=args
        )
        if status != b"ok":
            raise RuntimeError(f"commit on version {version} failed: {status!r}")
        finished.append(time.monotonic())
        if pace:
            time.sleep(max(0.0, started + (number + 1) / pace - time.monotonic()))
    sender.send((started, finished.tobytes()))
    client.close()


class Subscriber:
    """Records every message's arrival time and size, and keeps a Replica."""

    def __init__(self, port, index):
        self.replica = Replica()
        self.arrivals = []  # (monotonic time, version reached, payload bytes, type)
        self.lock = threading.Lock()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=f"bench-{index}"
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect(HOST, port)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        client.subscribe(
            [(f"{TOPIC_PREFIX}/snapshot", 1), (f"{TOPIC_PREFIX}/updates", 1)]
        )

    def _on_message(self, client, userdata, message):
        arrived = time.monotonic()
        decoded = json.loads(message.payload)
        version = decoded.get("version", decoded.get("to"))
        with self.lock:
            self.arrivals.append(
                (arrived, version, len(message.payload), decoded["type"])
            )
            if self.replica.on_message(decoded) == "gap":
                client.subscribe(f"{TOPIC_PREFIX}/snapshot", 1)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


class ProcessSampler(threading.Thread):
    """Samples a process's resident set size and CPU time from /proc."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []  # (monotonic time, RSS in kB, CPU seconds)
        self.done = threading.Event()

    def _cpu_secs(self):
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self):
        while not self.done.is_set():
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
                cpu = self._cpu_secs()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append((time.monotonic(), int(line.split()[1]), cpu))
            self.done.wait(RSS_SAMPLE_SECS)

    def cpu_share(self, start, end):
        """Return the CPU seconds used per wall-clock second between two moments."""
        inside = [(at, cpu) for at, _, cpu in self.samples if start <= at <= end]
        if len(inside) < 2:
            return float("nan")
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def bridge_service(workdir, redis_server, broker, rate):
    health_port = free_port()
    environment = {
        "REDIS_URL": redis_server.url,
        "TOPIC_PREFIX": TOPIC_PREFIX,
        "BRIDGE_ENDPOINT": HOST,
        "BRIDGE_PORT": str(broker.tcp_port),
        "BRIDGE_USERNAME": broker.bridge_user,
        "BRIDGE_PASSWORD": broker.bridge_password,
        "BRIDGE_MAX_PUBLISH_RATE": str(rate),
        "BRIDGE_HEALTH_HOST": HOST,
        "BRIDGE_HEALTH_PORT": str(health_port),
        "BRIDGE_CLIENT_ID": "bridge-bench",
        "BRIDGE_LOG_LEVEL": "DEBUG",  # one line per publish, for the publish rate
    }
    return PythonService(
        "bridge", workdir / "logs", ["-m", "bridge"], environment, health_port
    )


def latencies_ms(subscriber, first_version, started_at, commit_times):
    """Return write-to-receive times: each version counts at the first message reaching it."""
    latencies = []
    reached = first_version
    for arrived, version, _, _ in subscriber.arrivals:
        if arrived < started_at or version is None or version <= reached:
            continue
        for covered in range(max(reached, first_version) + 1, version + 1):
            latencies.append(
                (arrived - commit_times[covered - first_version - 1]) * 1000
            )
        reached = version
    return latencies


def max_per_second(times):
    times = sorted(times)
    largest, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        largest = max(largest, end - start + 1)
    return largest


def run_once(workdir, edits, rate, subscriber_count, pace=0, durable=False):
    redis_server = RedisServer(workdir / "redis", appendonly=durable).start()
    broker = MosquittoBroker(workdir / "mosquitto", TOPIC_PREFIX).start()
    bridge = None
    subscribers = []
    try:
        store = Store.from_url(redis_server.url)
        store.replace(json.loads(SNAPSHOT.read_text()), user="bench")
        first_version = store.read()["version"]
        bridge = bridge_service(workdir, redis_server, broker, rate).start()
        sampler = ProcessSampler(bridge.process.pid)
        sampler.start()
        subscribers = [
            Subscriber(broker.tcp_port, index) for index in range(subscriber_count)
        ]
        wait_for(
            lambda: all(s.replica.version == first_version for s in subscribers), 10
        )

        receiver, sender = multiprocessing.Pipe(duplex=False)
        writer = multiprocessing.Process(
            target=write_edits, args=(redis_server.url, edits, pace, sender)
        )
        writer.start()
        started_at, raw_times = receiver.recv()
        wall_offset = time.time() - time.monotonic()
        writer.join()
        commit_times = array("d")
        commit_times.frombytes(raw_times)

        final = store.read()
        converged = wait_for(
            lambda: all(s.replica.state == final for s in subscribers),
            CONVERGE_TIMEOUT_SECS,
        )
        time.sleep(1)  # let the quiet snapshot refresh land and RSS settle
        sampler.done.set()
        sampler.join()
        store.client.close()
        publishes = bridge_publishes(bridge.log_text())
        return summarise(
            edits,
            rate,
            subscribers,
            first_version,
            started_at,
            commit_times,
            sampler,
            converged,
            publishes,
            wall_offset,
        )
    finally:
        for subscriber in subscribers:
            subscriber.close()
        if bridge is not None:
            bridge.stop()
        broker.stop()
        redis_server.stop()


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def bridge_publishes(log_text):
    """Return (wall-clock time, version) of each publish, from the bridge's DEBUG log."""
    publishes = []
    for line in log_text.splitlines():
        match = PUBLISH_LINE.search(line)
        if match:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            publishes.append((stamp.timestamp(), int(match.group(1) or match.group(2))))
    return publishes


def publish_latencies_ms(publishes, first_version, commit_walls):
    """Return write-to-publish times: each version counts at the publish that covers it."""
    latencies = []
    reached = first_version
    for published_at, version in publishes:
        for covered in range(reached + 1, version + 1):
            latencies.append(
                (published_at - commit_walls[covered - first_version - 1]) * 1000
            )
        reached = max(reached, version)
    return latencies


def summarise(
    edits,
    rate,
    subscribers,
    first_version,
    started_at,
    commit_times,
    sampler,
    converged,
    publishes,
    wall_offset,
):
    write_secs = commit_times[-1] - started_at
    arrivals = [a for a in subscribers[0].arrivals if a[0] >= started_at]
    sizes = [size for _, _, size, _ in arrivals]
    publish_secs = max(arrivals[-1][0] - arrivals[0][0], 1e-9)
    latencies = []
    for subscriber in subscribers:
        latencies.extend(
            latencies_ms(subscriber, first_version, started_at, commit_times)
        )
    commit_walls = [moment + wall_offset for moment in commit_times]
    to_publish = publish_latencies_ms(
        [p for p in publishes if p[0] >= commit_walls[0] - 1],
        first_version,
        commit_walls,
    )
    rss_kb = [kb for _, kb, _ in sampler.samples]
    tenth = max(1, len(rss_kb) // 10)
    return {
        "edits_per_sec": edits / write_secs,
        "write_secs": write_secs,
        "messages": len(arrivals),
        "snapshots": sum(1 for a in arrivals if a[3] == "snapshot"),
        "messages_per_sec": len(arrivals) / publish_secs,
        "max_published_in_1s": max_per_second([at for at, _ in publishes]),
        "max_received_in_1s": max_per_second([a[0] for a in arrivals]),
        "bytes_p50": percentile(sizes, 0.5),
        "bytes_max": max(sizes),
        "latency_p50_ms": percentile(latencies, 0.5),
        "latency_p99_ms": percentile(latencies, 0.99),
        "latency_max_ms": max(latencies),
        "publish_p50_ms": percentile(to_publish, 0.5),
        "publish_p99_ms": percentile(to_publish, 0.99),
        "rss_peak_mb": max(rss_kb) / 1024,
        "rss_first_tenth_mb": max(rss_kb[:tenth]) / 1024,
        "rss_last_tenth_mb": max(rss_kb[-tenth:]) / 1024,
        "bridge_cpu": sampler.cpu_share(started_at, commit_times[-1]),
        "converged": converged,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


ROWS = [
    ("edits accepted per second", lambda r: f"{r['edits_per_sec']:.0f}"),
    (
        "messages per subscriber (snapshots)",
        lambda r: f"{r['messages']} ({r['snapshots']})",
    ),
    ("messages received per second", lambda r: f"{r['messages_per_sec']:.1f}"),
    (
        "max publishes in any 1 s, at the bridge",
        lambda r: str(r["max_published_in_1s"]),
    ),
    (
        "max messages in any 1 s, at a subscriber",
        lambda r: str(r["max_received_in_1s"]),
    ),
    ("bytes per message p50 / max", lambda r: f"{r['bytes_p50']} / {r['bytes_max']}"),
    (
        "write -> receive p50 / p99 / max (ms)",
        lambda r: (
            f"{r['latency_p50_ms']:.0f} / {r['latency_p99_ms']:.0f} / {r['latency_max_ms']:.0f}"
        ),
    ),
    (
        "write -> bridge publish p50 / p99 (ms)",
        lambda r: f"{r['publish_p50_ms']:.0f} / {r['publish_p99_ms']:.0f}",
    ),
    ("bridge RSS peak (MB)", lambda r: f"{r['rss_peak_mb']:.1f}"),
    (
        "bridge RSS first / last tenth of run (MB)",
        lambda r: f"{r['rss_first_tenth_mb']:.1f} / {r['rss_last_tenth_mb']:.1f}",
    ),
    (
        "bridge CPU while edits arrive (share of one core)",
        lambda r: f"{r['bridge_cpu']:.0%}",
    ),
    ("every subscriber converged", lambda r: "yes" if r["converged"] else "NO"),
]


def verdicts(runs, rate) -> list[str]:
    fastest, paced = (
        runs["as fast as possible"],
        runs[f"paced at {GOAL_EDITS_PER_SEC}/s"],
    )
    latency_goal = 1000 / rate + GOAL_EXTRA_LATENCY_MS
    rss_growth = fastest["rss_last_tenth_mb"] - fastest["rss_first_tenth_mb"]
    checks = [
        (
            f">= {GOAL_EDITS_PER_SEC} edits/s accepted, every subscriber converging",
            fastest["edits_per_sec"] >= GOAL_EDITS_PER_SEC
            and all(run["converged"] for run in runs.values()),
        ),
        (
            f"publishes never above {rate:g}/s at the bridge",
            all(run["max_published_in_1s"] <= rate for run in runs.values()),
        ),
        (
            f"write -> receive p99 <= {latency_goal:.0f} ms at {GOAL_EDITS_PER_SEC} edits/s",
            paced["latency_p99_ms"] <= latency_goal,
        ),
        (
            f"write -> receive p99 <= {latency_goal:.0f} ms as fast as possible",
            fastest["latency_p99_ms"] <= latency_goal,
        ),
        (
            f"RSS flat (grew {rss_growth:.1f} MB from the first to the last tenth)",
            rss_growth < 5,
        ),
    ]
    return [f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in checks]


def report(runs, edits, rate, subscribers, durable, loads, command) -> str:
    names = list(runs)
    lines = [
        "| figure | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for label, show in ROWS:
        lines.append(
            f"| {label} | " + " | ".join(show(runs[name]) for name in names) + " |"
        )
    table = "\n".join(lines)
    goals = "\n".join(verdicts(runs, rate))
    return f"""## Bridge

- Machine: {machine()}
- Command: `{command}`
- Date: {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
- Setup: per run, {edits} edits committed by one writer process through the store's Lua
  commit script; the bridge as `python -m bridge` at {rate:g} publishes/s; {subscribers}
  paho-mqtt subscribers; redis-server and Mosquitto on loopback; all on this machine.
- Redis: {REDIS_DURABLE if durable else REDIS_FAST}

{table}

Goals:

{goals}

Latency is measured from the end of each commit to the first message that brings a
subscriber to that version; "bridge publish" is the moment the bridge logged the
publish. Every process shares the machine's cores with whatever else runs there: the
load average was {loads[0]:.1f} before and {loads[1]:.1f} after the runs.
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--edits", type=int, default=20_000, help="edits to write (default 20000)"
    )
    parser.add_argument("--long", action="store_true", help="write 100,000 edits")
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="bridge publishes per second at most (default 10)",
    )
    parser.add_argument(
        "--subscribers",
        type=int,
        default=3,
        help="MQTT subscribers attached (default 3)",
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="run Redis with AOF and an fsync per commit, as the stack does",
    )
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    edits = 100_000 if args.long else args.edits
    command = "python -m bench.bridge " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    runs = {}
    load_before = os.getloadavg()[0]
    for name, pace in (
        ("as fast as possible", 0),
        (f"paced at {GOAL_EDITS_PER_SEC}/s", GOAL_EDITS_PER_SEC),
    ):
        print(f"bridge benchmark: {edits} edits, {name}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-bridge-") as workdir:
            runs[name] = run_once(
                Path(workdir), edits, args.rate, args.subscribers, pace, args.durable
            )
    loads = (load_before, os.getloadavg()[0])
    text = report(
        runs, edits, args.rate, args.subscribers, args.durable, loads, command.strip()
    )
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# Bridge benchmark\n\n" + text)


if __name__ == "__main__":
    main()
