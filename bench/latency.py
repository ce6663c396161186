"""Benchmark admin save -> DOM updated, with pages and a thousand subscribers attached.

    python -m bench latency
    python -m bench.latency [--baseline-edits 50] [--edits 200] [--interval 1.0]
                            [--pages 5] [--probes 1000]
                            [--mqtt-transport websockets]

Starts the whole local stack on free ports and opens viewer pages in Debian's
Chromium, alternately on MQTT and on SSE. A moderator saves score changes through the
admin web app, one at a time: first the baseline, then again with lightweight
subscribers (stack/probes.py) attached, half on MQTT and half on the SSE relay, in two
child processes. Every hop is timed on one wall clock (all on this machine):

- admin POST start and end, in this process;
- commit: the delta arriving on Redis pub/sub (`qh:notify`), in this process;
- bridge publish: the delta arriving at one MQTT subscriber over plain TCP;
- page receive: the WebSocket frame arriving in the page (a wrapper around WebSocket
  and EventSource installed before the page's scripts);
- DOM: the page's `#regions` showing the new version (MutationObserver);
- subscribers: each probe receiving the message that brings it to the version.

Results go to bench/results/latency.md and latency.png.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis

from stack.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
GOAL_P50_MS = 30
GOAL_P99_MS = 100
ADMIN_USER = ("bench-moderator", "bench password long enough")
PAGE_QUERIES = {"mqtt": "", "sse": "?transport=sse"}
WAIT_MS = 60_000
PROBE_STAGGER_SECONDS = 0.02
PROBE_READY_SECONDS = 180
# The probes stand in for viewers on other machines. At the lowest CPU priority the
# load generator leaves the two cores to the system under test and the pages, while
# the broker and the relay still deliver every message to every probe.
PROBE_NICENESS = 19
MQTT_TRANSPORTS = {
    "tcp": "anonymous, over TCP",
    "websockets": "WebSockets, presigned URL from /api/bootstrap",
}
SETTLE_SECONDS = 3.0

# Installed before the page's scripts. Records, per version, when a WebSocket frame or
# an EventSource event carrying it arrived and when #regions first showed it, as
# epoch milliseconds (performance.timeOrigin + performance.now()).
PAGE_TIMER_SCRIPT = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const frames = window.__benchFrames = {};
  const shown = window.__benchShown = {};
  const VERSION = /"type":"delta","from":\d+,"to":(\d+)|"type":"snapshot","version":(\d+)/;
  const decoder = new TextDecoder();
  const note = (text, at) => {
    const match = VERSION.exec(text);
    const version = match && (match[1] || match[2]);
    if (version && !(version in frames)) frames[version] = at;
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const at = now();
        const data = event.data;
        note(typeof data === "string" ? data : decoder.decode(data), at);
      });
    }
  };
  const NativeEventSource = window.EventSource;
  window.EventSource = class extends NativeEventSource {
    constructor(...args) {
      super(...args);
      for (const name of ["snapshot", "delta"]) {
        this.addEventListener(name, (event) => note(event.data, now()));
      }
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    const regions = document.getElementById("regions");
    new MutationObserver(() => {
      const version = regions.dataset.version;
      if (version && !(version in shown)) shown[version] = now();
    }).observe(regions, {attributes: true, attributeFilter: ["data-version"]});
  });
})();
"""


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline-edits",
        type=int,
        default=50,
        help="admin saves before the subscribers attach, as the baseline (50)",
    )
    parser.add_argument(
        "--edits", type=int, default=200, help="admin saves with them attached (200)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between saves, so each is its own delta (1.0)",
    )
    parser.add_argument("--pages", type=int, default=5, help="Chromium pages (5)")
    parser.add_argument(
        "--probes",
        type=int,
        default=1000,
        help="lightweight subscribers, half MQTT and half SSE (1000)",
    )
    parser.add_argument(
        "--mqtt-transport",
        choices=("tcp", "websockets"),
        default="websockets",
        help="how the MQTT subscribers connect: WebSockets with a presigned URL from "
        "/api/bootstrap each, as browsers do (the default), or anonymous TCP. "
        "Mosquitto 2.0 serves WebSocket clients after its TCP clients in each pass, "
        "so TCP subscribers delay the pages by the time it takes to write to them",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument(
        "--probe-process", choices=("mqtt", "sse"), help=argparse.SUPPRESS
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--arrivals", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------
# Child process: many probes of one transport.
# --------------------------------------------------------------------------------------


def run_probe_process(args):
    """Run `--probes` probes until a line arrives on stdin, then write their arrivals."""
    from stack.probes import MqttProbe, ProbePool, SseProbe

    os.nice(PROBE_NICENESS)
    if args.probe_process == "mqtt" and args.url.startswith("tcp://"):
        host, port = args.url.removeprefix("tcp://").split(":")
        broker = (host, int(port))
        probes = [MqttProbe(f"mqtt-{n}", broker=broker) for n in range(args.probes)]
    elif args.probe_process == "mqtt":
        probes = [
            MqttProbe(f"mqtt-{n}", bootstrap_url=args.url) for n in range(args.probes)
        ]
    else:
        probes = [SseProbe(f"sse-{n}", args.url) for n in range(args.probes)]
    pool = ProbePool()
    try:
        pool.start(probes, stagger=PROBE_STAGGER_SECONDS)
        timeout = PROBE_READY_SECONDS + args.probes * PROBE_STAGGER_SECONDS
        reports = pool.wait(lambda rs: all(r["live"] for r in rs), timeout)
        print("ready", sum(r["live"] for r in reports), flush=True)
        started = time.monotonic(), time.process_time()
        sys.stdin.readline()
        cpu = (time.process_time() - started[1]) / (time.monotonic() - started[0])
        result = {
            "reports": pool.reports(),
            "arrivals": pool.arrivals(),
            "cpu_share": cpu,
        }
    finally:
        pool.close()
    for report in result["reports"]:
        report.pop("state")
    args.arrivals.write_text(json.dumps(result))
    return 0


class ProbeProcess:
    """A child process holding the probes of one transport."""

    def __init__(self, kind, count, url, workdir):
        self.kind = kind
        self.path = workdir / f"arrivals-{kind}.json"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.latency", "--probe-process", kind,
             "--probes", str(count), "--url", url, "--arrivals", str(self.path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip

    def wait_ready(self):
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"{self.kind} probe process failed to start")
        return int(line[1])

    def finish(self):
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        self.process.wait(120)
        return json.loads(self.path.read_text())


# --------------------------------------------------------------------------------------
# Timestamps collected in this process.
# --------------------------------------------------------------------------------------


class CommitListener:
    """Records when each delta arrives on Redis pub/sub, the moment it is committed."""

    def __init__(self, redis_url):
        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(**{"qh:notify": self._on_message})
        self.times = {}
        self.thread = self.pubsub.run_in_thread(sleep_time=0.01, daemon=True)

    def _on_message(self, message):
        at = time.time()
        self.times.setdefault(json.loads(message["data"])["to"], at)

    def close(self):
        self.thread.stop()
        self.thread.join(5)
        self.pubsub.close()
        self.client.close()


class AdminClient:
    """A logged-in moderator who bumps one score per save."""

    def __init__(self, admin_url, region_id, stream_id):
        self.http = httpx.Client(base_url=admin_url, follow_redirects=False, timeout=30)
        self.path = f"/regions/{region_id}"
        self.action = f"{self.path}/streams/{stream_id}/score"
        token = self._field(self.http.get("/login").text, "csrf_token")
        response = self.http.post("/login", data={
            "name": ADMIN_USER[0], "password": ADMIN_USER[1],
            "csrf_token": token, "next": "/",
        })  # fmt: skip
        if response.status_code != 303:
            raise RuntimeError(f"admin login failed with HTTP {response.status_code}")

    @staticmethod
    def _field(page, name):
        marker = f'name="{name}" value="'
        start = page.index(marker) + len(marker)
        return page[start : page.index('"', start)]

    def save(self, index):
        """Bump a score; return (POST start, POST end) as time.time() values."""
        page = self.http.get(self.path).text
        form = {
            "csrf_token": self._field(page, "csrf_token"),
            "base_version": self._field(page, "base_version"),
            "side": str(index % 2),
            "amount": "1" if (index // 2) % 2 == 0 else "-1",
        }
        started = time.time()
        response = self.http.post(self.action, data=form)
        ended = time.time()
        if response.status_code != 303:
            raise RuntimeError(
                f"admin save {index} failed: HTTP {response.status_code}"
            )
        return started, ended

    def close(self):
        self.http.close()


def open_pages(browser, stack, count):
    """Open `count` pages, alternating MQTT and SSE when the page offers SSE."""
    pages = []
    for index in range(count):
        transport = "sse" if index % 2 else "mqtt"
        page = browser.new_context().new_page()
        page.add_init_script(PAGE_TIMER_SCRIPT)
        events = []
        page.on("request", lambda request, events=events: events.append(request.url))
        page.goto(stack.site_url + PAGE_QUERIES[transport])
        pages.append({"page": page, "transport": transport, "requests": events})
    return pages


def page_transport(entry, relay_url):
    """Return the transport a page really uses: SSE only if it requested the relay."""
    if entry["transport"] == "sse" and not any(
        url.startswith(relay_url) for url in entry["requests"]
    ):
        return "mqtt"
    return entry["transport"]


# --------------------------------------------------------------------------------------
# The run.
# --------------------------------------------------------------------------------------


def mqtt_url(stack, transport):
    """Return where the MQTT probe process connects: the broker or the bootstrap URL."""
    from stack.services import HOST

    if transport == "tcp":
        return f"tcp://{HOST}:{stack.ports.mqtt}"
    return stack.site_url + "api/bootstrap"


def first_stream(state):
    for region in state["regions"]:
        if region["streams"]:
            return region["id"], region["streams"][0]["id"]
    raise RuntimeError("the demo state has no stream to edit")


def save_edits(admin, store, count, interval, first_index=0):
    """Save `count` score changes `interval` s apart; return {version: (start, end)}."""
    saves = {}
    for index in range(first_index, first_index + count):
        started, ended = admin.save(index)
        saves[int(store.client.get("qh:version"))] = (started, ended)
        time.sleep(interval)
    return saves


def wait_version(pages, version):
    for entry in pages:
        entry["page"].wait_for_selector(
            f'#regions[data-version="{version}"]', state="attached", timeout=WAIT_MS
        )


def read_pages(pages, relay_url):
    """Return what each page recorded: its transport, frame and DOM times."""
    records = []
    for entry in pages:
        records.append({
            "transport": page_transport(entry, relay_url),
            "frames": entry["page"].evaluate("window.__benchFrames"),
            "shown": entry["page"].evaluate("window.__benchShown"),
        })  # fmt: skip
    return records


def start_probe_processes(stack, args, workdir):
    half = args.probes // 2
    return [
        ProbeProcess("mqtt", half, mqtt_url(stack, args.mqtt_transport), workdir),
        ProbeProcess("sse", args.probes - half, stack.relay_url, workdir),
    ]


def measure(stack, args, workdir, browser, store, admin):
    """Save edits without subscribers, then with them; return the raw timestamps."""
    initial = store.read()["version"]
    pages = open_pages(browser, stack, args.pages)
    wait_version(pages, initial)
    time.sleep(1.0)
    baseline = save_edits(admin, store, args.baseline_edits, args.interval)

    children = start_probe_processes(stack, args, workdir)
    try:
        connected = {child.kind: child.wait_ready() for child in children}
        load = [os.getloadavg()[0]]
        loaded = save_edits(
            admin, store, args.edits, args.interval, args.baseline_edits
        )
        load.append(os.getloadavg()[0])
        wait_version(pages, max(loaded or baseline or {initial: None}))
        records = read_pages(pages, stack.relay_url)
        time.sleep(SETTLE_SECONDS)
        probes = {child.kind: child.finish() for child in children}
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.kill()
    return {
        "phases": {"baseline": baseline, "loaded": loaded},
        "pages": records,
        "probes": probes,
        "connected": connected,
        "load": load,
    }


def run(stack, args, workdir):
    from playwright.sync_api import sync_playwright

    from admin.users import UserStore
    from stack.probes import MqttProbe, ProbePool
    from stack.services import HOST
    from store import Store

    store = Store.from_url(stack.redis_url)
    UserStore(store.client).add(ADMIN_USER[0], "moderator", ADMIN_USER[1])
    tap = ProbePool()
    tap.start([MqttProbe("tap", broker=(HOST, stack.ports.mqtt))])
    listener = CommitListener(stack.redis_url)
    admin = AdminClient(stack.admin_url, *first_stream(store.read()))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            data = measure(stack, args, workdir, browser, store, admin)
            browser.close()
        data["tap"] = tap.arrivals()["tap"]
        data["commits"] = listener.times
    finally:
        admin.close()
        listener.close()
        tap.close()
        store.client.close()
    return data


# --------------------------------------------------------------------------------------
# Figures.
# --------------------------------------------------------------------------------------


def since_save(saves, times_by_version):
    """Return ms from each save's POST start to `times_by_version[version]`."""
    values = []
    for version, (started, _) in saves.items():
        at = times_by_version.get(version)
        if at is not None:
            values.append((at - started) * 1000)
    return values


def page_ms(entry, key):
    """Return {version: epoch seconds} from a page's ms record `key`."""
    return {int(version): at / 1000 for version, at in entry[key].items()}


def hop_ms(saves, earlier, later):
    """Return ms between two per-version timestamps, for every save that has both."""
    values = []
    for version in saves:
        if version in earlier and version in later:
            values.append((later[version] - earlier[version]) * 1000)
    return values


def page_figures(result, saves, pages, tap, commits):
    """Add each page's save -> DOM times and its two last hops to `result`."""
    for entry in pages:
        transport = entry["transport"]
        shown = page_ms(entry, "shown")
        frames = page_ms(entry, "frames")

        found = since_save(saves, shown)
        result["dom"].setdefault(transport, []).extend(found)
        missing = result["missing"].get("pages", 0) + len(saves) - len(found)
        result["missing"]["pages"] = missing

        hops = result["hops"].setdefault(transport, {})
        source = tap if transport == "mqtt" else commits
        hops.setdefault("to_page_frame", []).extend(hop_ms(saves, source, frames))
        hops.setdefault("frame_to_dom", []).extend(hop_ms(saves, frames, shown))


def probe_figures(result, saves, probes):
    """Add each probe process's save -> receive times to `result`."""
    for kind, child in probes.items():
        values = []
        missing = 0
        for arrivals in child["arrivals"].values():
            times = {int(v): at for v, at in arrivals.items()}
            found = since_save(saves, times)
            missing += len(saves) - len(found)
            values.extend(found)
        result["receive"][kind] = values
        result["missing"][kind] = missing


def figures(data, saves):
    """Return the latencies of `saves`: save -> DOM, -> receive and each hop, in ms."""
    starts = {version: started for version, (started, _) in saves.items()}
    posts = {version: ended for version, (_, ended) in saves.items()}
    commits = data["commits"]
    tap = {int(v): at for v, at in data["tap"].items()}

    result = {"dom": {}, "receive": {}, "hops": {}, "missing": {}}
    page_figures(result, saves, data["pages"], tap, commits)
    probe_figures(result, saves, data["probes"])
    result["post"] = hop_ms(saves, starts, posts)
    result["commit"] = hop_ms(saves, starts, commits)
    result["bridge"] = hop_ms(saves, commits, tap)
    return result


# --------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib // 1024} MiB memory, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def summary(values):
    """Return "p50 / p99 (n)" in ms, or "n/a" without values."""
    if not values:
        return "n/a"
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    return f"{p50:.1f} / {p99:.1f} ({len(values)})"


def row(name, baseline, loaded, goal=""):
    """Return a table row: baseline and loaded figures, and the ratio of their p50s."""
    ratio = ""
    if (
        baseline
        and loaded
        and min(statistics.median(baseline), statistics.median(loaded)) > 0
    ):
        ratio = f"{statistics.median(loaded) / statistics.median(baseline):.2f}x"
    top = f"{max(loaded):.1f}" if loaded else "n/a"
    return (
        f"| {name} | {summary(baseline)} | {summary(loaded)} | {top} | {ratio} "
        f"| {goal} |"
    )


def verdict(values):
    if not values:
        return "no samples"
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    met = p50 <= GOAL_P50_MS and p99 <= GOAL_P99_MS
    return (
        f"{'met' if met else 'MISSED'}: p50 {p50:.1f} ms "
        f"({p50 / GOAL_P50_MS:.2f}x the goal), p99 {p99:.1f} ms "
        f"({p99 / GOAL_P99_MS:.2f}x the goal)"
    )


def setup_lines(args, stack, data, command):
    """Return the bullet list of how, where and when the figures were taken."""
    slot_ms = 1000 / stack.bridge_rate
    setup = (
        f"the whole local stack; {args.pages} Chromium pages; "
        f"{data['connected'].get('mqtt', 0)} MQTT subscribers "
        f"({MQTT_TRANSPORTS[args.mqtt_transport]}) and "
        f"{data['connected'].get('sse', 0)} SSE subscribers connected, in two child "
        f"processes at nice {PROBE_NICENESS}; one MQTT subscriber over TCP as a tap. "
        "The subscribers are viewers on other machines, so they leave the cores to "
        "the system under test"
    )
    phases = data["phases"]
    edits = (
        f"score changes saved through the admin web app, one every "
        f"{args.interval:.2f} s so each is its own delta: "
        f"{len(phases['baseline'])} before the subscribers attach (the baseline), "
        f"then {len(phases['loaded'])} with them"
    )
    bridge = (
        f"BRIDGE_MAX_PUBLISH_RATE {stack.bridge_rate:g}/s, so publishes are at least "
        f"{slot_ms:.0f} ms apart and any 1 s window holds at most "
        f"{stack.bridge_rate:g}; the retained snapshot follows a delta after one "
        f"quiet slot ({slot_ms:.0f} ms), or replaces one when it lags by "
        "BRIDGE_SNAPSHOT_MAX_AGE (10 s)"
    )
    load = (
        f"1-minute load average {data['load'][0]:.1f} when the edits started, "
        f"{data['load'][1]:.1f} when they ended (other work shares the cores)"
    )
    return [
        f"- Command: `{command}`",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; every process on this machine, on loopback",
        f"- Load: {load}",
        f"- Setup: {setup}",
        f"- Edits: {edits}",
        f"- Bridge: {bridge}",
    ]


TABLE_HEADER = [
    (
        "| {0} | baseline p50 / p99 (n) | with subscribers p50 / p99 (n) | max "
        "| p50 ratio | goal |"
    ),
    "| --- | --- | --- | --- | --- | --- |",
]


def latency_lines(baseline, loaded):
    goal = f"p50 <= {GOAL_P50_MS}, p99 <= {GOAL_P99_MS}"
    lines = ["Milliseconds from the start of the admin POST:", ""]
    lines += [TABLE_HEADER[0].format("to"), TABLE_HEADER[1]]
    for transport in sorted(loaded["dom"]):
        name = f"DOM updated, {transport.upper()} pages"
        dom = baseline["dom"].get(transport, [])
        lines.append(row(name, dom, loaded["dom"][transport], goal))
    for kind, values in sorted(loaded["receive"].items()):
        lines.append(row(f"received, {kind.upper()} subscribers", [], values))
    return lines


def hop_lines(baseline, loaded):
    lines = ["Where the time goes (milliseconds per hop):", ""]
    lines += [TABLE_HEADER[0].format("hop"), TABLE_HEADER[1]]
    for key, name in (
        ("post", "admin POST, start to response"),
        ("commit", "admin POST start to commit (pub/sub delta received)"),
        ("bridge", "commit to bridge publish (TCP subscriber receives)"),
    ):
        lines.append(row(name, baseline[key], loaded[key]))
    for transport, hops in sorted(loaded["hops"].items()):
        base = baseline["hops"].get(transport, {})
        name = transport.upper()
        source = "TCP subscriber" if transport == "mqtt" else "commit"
        for key, label in (
            ("to_page_frame", f"{source} to {name} page frame"),
            ("frame_to_dom", f"{name} page frame to DOM"),
        ):
            lines.append(row(label, base.get(key, []), hops[key]))
    return lines


def goal_lines(baseline, loaded):
    lines = ["Goals (save to DOM, every page):", ""]
    for transport, values in sorted(loaded["dom"].items()):
        name = transport.upper()
        lines.append(f"- {name} pages, with subscribers: {verdict(values)}")
        base = baseline["dom"].get(transport, [])
        lines.append(f"- {name} pages, baseline: {verdict(base)}")
    if "sse" not in loaded["dom"]:
        lines.append("- SSE pages: the page offers no SSE transport in this build")
    missing = ", ".join(f"{kind} {count}" for kind, count in loaded["missing"].items())
    lines += [
        "",
        (
            "Versions a page never showed or a subscriber never received, because the "
            f"bridge coalesced them or a snapshot skipped them: {missing}."
        ),
    ]
    return lines


def probe_cpu_line(data):
    shares = ", ".join(
        f"{kind.upper()} {child['cpu_share']:.0%}"
        for kind, child in sorted(data["probes"].items())
    )
    return (
        "Subscriber receive times are taken inside the two child processes, each "
        "serving its clients one at a time on one asyncio loop, so they include that "
        f"queueing. CPU of one core used by each while the edits ran: {shares}."
    )


NOTES = """![latency distribution](latency.png)

The commit time is when this process receives the delta on `qh:notify`, which
the store's Lua script publishes in the same step as the write. The bridge hop
includes reading the change feed, the rate limiter and Mosquitto's delivery to
one TCP subscriber. The next hop, to the page's WebSocket frame, is Mosquitto's
delivery over WebSockets. Hops that start at a timestamp taken in this process (the
commit, the TCP subscriber) can be slightly negative: those timestamps are taken by
threads that share one interpreter lock with Playwright's driver, so they can be a
few ms late. Page frame to DOM is MicroPython decoding the message, applying it to
the replica and updating the DOM. A ratio compares the p50 with subscribers attached
to the baseline p50.
"""


def report(args, stack, data, results, command):
    baseline, loaded = results["baseline"], results["loaded"]
    sections = [
        ["# Latency benchmark: admin save to DOM"],
        setup_lines(args, stack, data, command),
        latency_lines(baseline, loaded),
        hop_lines(baseline, loaded),
        goal_lines(baseline, loaded),
        [probe_cpu_line(data), "", NOTES],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axis = pyplot.subplots(figsize=(8, 4.5))
    loaded = results["loaded"]
    series = {f"DOM, {t.upper()} pages": v for t, v in loaded["dom"].items()}
    series.update(
        {f"received, {k.upper()} subscribers": v for k, v in loaded["receive"].items()}
    )
    series.update(
        {
            f"DOM, {t.upper()} pages, baseline": v
            for t, v in results["baseline"]["dom"].items()
        }
    )
    for label, values in sorted(series.items()):
        if values:
            ordered = sorted(values)
            shares = [(i + 1) / len(ordered) for i in range(len(ordered))]
            style = "--" if label.endswith("baseline") else "-"
            axis.plot(
                ordered, shares, linestyle=style, label=f"{label} (n={len(values)})"
            )
    for name, goal, style in (("p50", GOAL_P50_MS, ":"), ("p99", GOAL_P99_MS, "-.")):
        axis.axvline(goal, color="grey", linestyle=style, linewidth=1,
                     label=f"goal {name} {goal} ms")  # fmt: skip
    axis.set_xscale("log")
    axis.set_xlabel("ms from the start of the admin POST (log scale)")
    axis.set_ylabel("share of deliveries")
    axis.set_title("Admin save to page and subscriber, local stack on loopback")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(loc="lower right", fontsize="x-small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def main(argv=None):
    args = parse_args(argv)
    if args.probe_process:
        return run_probe_process(args)

    from stack.local import LocalStack, Ports

    command = "python -m bench.latency " + " ".join(argv or sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
        workdir = Path(folder)
        stack = LocalStack(workdir / "stack", ports=Ports.free())
        try:
            stack.start()
            data = run(stack, args, workdir)
        finally:
            stack.stop()
    results = {phase: figures(data, saves) for phase, saves in data["phases"].items()}
    args.out.mkdir(parents=True, exist_ok=True)
    plot(results, args.out / "latency.png")
    text = report(args, stack, data, results, command.strip())
    (args.out / "latency.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
