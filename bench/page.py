"""Benchmark the viewer page: cold load to the rendered list, bytes, edit to DOM.

    python -m bench site
    python -m bench.site [--loads 5] [--edits 40]

Starts the whole local stack on free ports (Redis, Mosquitto, moto and every project
service) and drives Debian's Chromium through Playwright. A cold load is a fresh browser
context, so nothing is cached. An edit is timed from just before the store commit to
the page's DOM update, so it includes the bridge's rate limit, Mosquitto and MQTT
over WebSockets. Results go to bench/results/site.md.
"""

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from model import edits
from stack.local import LocalStack, Ports
from store import Store

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "site.md"
CHROMIUM = "/usr/bin/chromium"
GOAL_LOAD_MS = 1000
GOAL_EDIT_P50_MS = 300
WAIT_MS = 30_000

# Same flags as the tests: no Google update traffic, every lookup on loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

# Records when #regions shows each version, in the page's clock (Date.now()).
VERSION_WATCH = """
window.__benchVersions = {};
document.addEventListener("DOMContentLoaded", () => {
  const regions = document.getElementById("regions");
  new MutationObserver(() => {
    const version = regions.dataset.version;
    if (version && !(version in window.__benchVersions)) {
      window.__benchVersions[version] = Date.now();
    }
  }).observe(regions, {attributes: true, attributeFilter: ["data-version"]});
});
"""

TRANSFER_SIZES = """() => performance.getEntriesByType("resource")
  .concat(performance.getEntriesByType("navigation"))
  .map((entry) => [entry.transferSize, entry.decodedBodySize])"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cold_load(browser, stack: LocalStack, version: int) -> tuple[float, int, int]:
    """Return (ms from navigation to the rendered list, bytes transferred, bytes decoded)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.site_url)
    page.wait_for_selector(
        f'#regions[data-version="{version}"]', state="attached", timeout=WAIT_MS
    )
    rendered_ms = page.evaluate("performance.now()")
    page.wait_for_selector(
        '#status[data-state="live"]', state="attached", timeout=WAIT_MS
    )
    sizes = page.evaluate(TRANSFER_SIZES)
    context.close()
    return rendered_ms, sum(size[0] for size in sizes), sum(size[1] for size in sizes)


def edit_latencies(browser, stack: LocalStack, store: Store, count: int) -> list[float]:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(VERSION_WATCH)
    page.goto(stack.site_url)
    page.wait_for_selector(
        '#status[data-state="live"]', state="attached", timeout=WAIT_MS
    )
    latencies = []
    for number in range(count):
        started = time.time() * 1000
        state = store.apply(
            lambda state, n=number: edits.bump_score(
                state, "europe", "mangoecho-gg", n % 2
            ),
            user="bench",
            action="score",
        )
        page.wait_for_selector(
            f'#regions[data-version="{state["version"]}"]',
            state="attached",
            timeout=WAIT_MS,
        )
        shown = page.evaluate(f"window.__benchVersions['{state['version']}']")
        latencies.append(shown - started)
        # Space the edits out so each one is its own delta, as on a qualifier day.
        page.wait_for_timeout(150)
    context.close()
    return latencies


def report(loads: list[tuple[float, int, int]], latencies: list[float]) -> str:
    load_ms = statistics.median(load[0] for load in loads)
    transferred = statistics.median(load[1] for load in loads) / 1e6
    decoded = statistics.median(load[2] for load in loads) / 1e6
    p50 = percentile(latencies, 0.5)
    p99 = percentile(latencies, 0.99)
    machine = (
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}; Debian Chromium (headless) on loopback, whole local stack."
    )
    rows = [
        (
            f"cold load to rendered list, median of {len(loads)}",
            f"{load_ms:.0f} ms",
            f"at most {GOAL_LOAD_MS} ms",
        ),
        (
            "bytes per cold load, transferred / decoded",
            f"{transferred:.2f} / {decoded:.2f} MB",
            "",
        ),
        (
            f"edit to DOM p50 / p99, {len(latencies)} edits",
            f"{p50:.0f} / {p99:.0f} ms",
            f"p50 at most {GOAL_EDIT_P50_MS} ms",
        ),
    ]
    lines = [
        "# Viewer page benchmark",
        "",
        machine,
        "",
        "| measure | result | goal |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {measure} | {result} | {goal} |" for measure, result, goal in rows]
    lines += [
        "",
        "Transferred bytes count gzip-encoded bodies as the gateway serves them.",
        "",
    ]
    return "\n".join(lines)


def run(loads: int, edit_count: int) -> str:
    with tempfile.TemporaryDirectory() as workdir:
        stack = LocalStack(Path(workdir), ports=Ports.free())
        try:
            stack.start()
            store = Store.from_url(stack.redis_url)
            snapshot = json.loads(
                (ROOT / "stack/demo/qualifier-day.snapshot.json").read_text()
            )
            version = store.replace(snapshot, user="bench")["version"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                results = [cold_load(browser, stack, version) for _ in range(loads)]
                latencies = edit_latencies(browser, stack, store, edit_count)
                browser.close()
            store.client.close()
        finally:
            stack.stop()
    return report(results, latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="cold page loads to time")
    parser.add_argument("--edits", type=int, default=40, help="edits to time")
    args = parser.parse_args(argv)
    text = run(args.loads, args.edits)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
