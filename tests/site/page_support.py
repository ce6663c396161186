"""Helpers for driving the viewer page in Chromium and reading what it shows."""

import asyncio
import importlib.util
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from model.markdown import parse, plain_text
from model.urls import display_url

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"blob", "data"}
WAIT_MS = 15_000

# Runs before any page script: records every status change and any alert() call,
# notes when PyScript has run main.py, and lets a test pretend the page is hidden
# (headless pages are always visible).
INIT_SCRIPT = """
window.__qhStatus = [];
window.__qhAlerts = [];
window.__qhHidden = false;
window.__qhPythonDone = false;
addEventListener("py:all-done", () => { window.__qhPythonDone = true; });
window.alert = (text) => window.__qhAlerts.push(String(text));
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true,
  get() { return window.__qhHidden ? "hidden" : "visible"; },
});
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  const record = () => window.__qhStatus.push(
    {state: status.dataset.state, text: status.textContent});
  record();
  new MutationObserver(record).observe(
    status, {attributes: true, childList: true, characterData: true, subtree: true});
  window.__qhFirstPaint = window.__qhSerialize(document.body);
});
window.__qhSerialize = (root) => {
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      return node.textContent.trim() ? node.textContent : null;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    const attributes = [...node.attributes].map((a) => [a.name, a.value]).sort();
    const children = [...node.childNodes].map(walk).filter((child) => child !== null);
    return [node.tagName.toLowerCase(), attributes, children];
  };
  return ["header", "#tabs", "#regions"].map((css) => walk(root.querySelector(css)));
};
"""

READ_REGIONS = """() => [...document.querySelectorAll("#regions > section")].map((panel) => {
  const id = panel.dataset.region;
  const tab = document.getElementById("tab-" + id);
  const text = (node, css) => node.querySelector(css)?.textContent ?? null;
  return {
    id,
    title: text(tab, ".title"),
    count: text(tab, ".count"),
    tab_selected: tab.getAttribute("aria-selected"),
    hidden: panel.hidden,
    empty: text(panel, ".empty"),
    streams: [...panel.querySelectorAll("li.stream")].map((card) => ({
      id: card.dataset.stream,
      name: text(card, ".name"),
      href: card.querySelector("a.link")?.getAttribute("href") ?? null,
      link: text(card, "a.link"),
      info: text(card, ".info") ?? "",
      score: text(card, ".score"),
      language: text(card, ".language") ?? "",
    })),
  };
})"""

# Every element below the header and the regions: tag, attribute names and values.
READ_ELEMENTS = """() => [...document.querySelectorAll("header *, #tabs *, #regions *")].map(
  (node) => ({tag: node.tagName.toLowerCase(),
              attributes: [...node.attributes].map((a) => [a.name, a.value])}))"""


def run_coroutine(coroutine):
    """Run `coroutine` to completion on a new event loop in its own thread.

    Playwright's sync API keeps an event loop running in the main thread once a browser
    fixture has started, and asyncio.run refuses to start inside a running loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def load_module(path, name):
    """Import a file by path under `name`; page modules are not a package."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_regions(state, selected):
    """Return what READ_REGIONS should read for `state` with region `selected` shown."""
    regions = []
    for region in state["regions"]:
        streams = [expected_stream(stream) for stream in region["streams"]]
        empty = (
            None if streams else region["no_streams_text"] or "No streams right now."
        )
        regions.append(
            {
                "id": region["id"],
                "title": region["title"],
                "count": str(len(streams)),
                "tab_selected": "true" if region["id"] == selected else "false",
                "hidden": region["id"] != selected,
                "empty": empty,
                "streams": streams,
            }
        )
    return regions


def expected_stream(stream):
    return {
        "id": stream["id"],
        "name": stream["name"],
        "href": stream["url"],
        "link": display_url(stream["url"]),
        "info": plain_text(parse(stream["info"])),
        "score": f"{stream['score'][0]} – {stream['score'][1]}",
        "language": stream["language"],
    }


class PageProbe:
    """One page in its own browser context, with everything it requested and logged."""

    def __init__(self, context, base_url, bootstrap_path="/api/bootstrap"):
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()
        self.bootstrap_path = bootstrap_path
        self.console_errors = []
        self.requests = []
        self.failed_responses = []
        self.events = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("request", self._on_request)
        self.page.on("response", self._on_response)
        self.page.on(
            "websocket", lambda socket: self.events.append(("websocket", socket.url))
        )
        self.page.add_init_script(INIT_SCRIPT)

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_request(self, request):
        self.requests.append(request.url)
        if urlsplit(request.url).path == self.bootstrap_path:
            self.events.append(("bootstrap", request.url))

    def _on_response(self, response):
        if response.status >= 400:
            self.failed_responses.append((response.status, response.url))

    def open(self, fragment=""):
        self.page.goto(self.base_url + fragment)
        return self

    def override_options(self, **options):
        """Replace some #qh-options values before the page's Python reads them.

        The page's Python starts long after DOMContentLoaded, once MicroPython has
        loaded. Serving changed HTML through page.route would not do: Chromium then
        treats the page as public and blocks its WebSocket to loopback.
        """
        script = """(options) => document.addEventListener("DOMContentLoaded", () => {
          const element = document.getElementById("qh-options");
          const values = Object.assign(JSON.parse(element.textContent), options);
          element.textContent = JSON.stringify(values);
        })"""
        self.page.add_init_script(f"({script})({json.dumps(options)})")

    def wait_status(self, state, timeout=WAIT_MS):
        self.page.wait_for_selector(
            f'#status[data-state="{state}"]', state="attached", timeout=timeout
        )

    def wait_version(self, version, timeout=WAIT_MS):
        self.page.wait_for_selector(
            f'#regions[data-version="{version}"]', state="attached", timeout=timeout
        )

    def regions(self):
        return self.page.evaluate(READ_REGIONS)

    def elements(self):
        return self.page.evaluate(READ_ELEMENTS)

    def status_history(self):
        return self.page.evaluate("window.__qhStatus")

    def set_hidden(self, hidden):
        self.page.evaluate(
            "(hidden) => { window.__qhHidden = hidden;"
            " document.dispatchEvent(new Event('visibilitychange')); }",
            hidden,
        )

    def bootstrap_calls(self):
        return [url for kind, url in self.events if kind == "bootstrap"]

    def websockets(self):
        return [url for kind, url in self.events if kind == "websocket"]

    def foreign_requests(self):
        """Return requests that left loopback (blob: and data: URLs stay in the page)."""
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if (
                parts.scheme not in LOCAL_SCHEMES
                and parts.hostname not in LOOPBACK_HOSTS
            ):
                foreign.append(url)
        return foreign


def wait_until(page, condition, timeout=WAIT_MS, interval=50):
    """Poll `condition` until it returns a true value, and return its last value.

    Waits through the page, because Playwright's sync API delivers events (and runs
    route handlers) only while a Playwright call is in progress.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(interval)
