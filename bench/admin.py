"""Benchmark the admin tools: CLI replay throughput and web edit and page times.

    python -m bench admin
    python -m bench.admin [--requests 200]

Runs against its own redis-server on a free port with the demo day loaded. Web
requests go through starlette's TestClient in this process, so the times include
routing, form parsing, the Lua commit and template rendering, but no network.
Results go to bench/results/admin.md.
"""

import argparse
import json
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis
from starlette.testclient import TestClient

from admin.app import create_app
from admin.config import load_config
from admin.replay import read_edits, replay
from admin.users import UserStore
from stack.services import RedisServer
from store import Store

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "admin.md"
DEMO = ROOT / "stack" / "demo"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough"
USER = ("bench", "benchmark password")
SCORE_URL = "/regions/europe/streams/mangoecho-gg/score"
GOAL_EDIT_P50_MS = 50
GOAL_REPLAY_EDITS_PER_S = 100


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load_demo(store: Store) -> None:
    snapshot = json.loads((DEMO / "qualifier-day.snapshot.json").read_text())
    store.replace(snapshot, user="bench")


def replay_rate(client: redis.Redis) -> float:
    """Replay the demo day without waiting; return committed edits per second."""
    client.flushall()
    store = Store(client)
    load_demo(store)
    records = read_edits(DEMO / "qualifier-day.edits.jsonl")
    started = time.perf_counter()
    applied = replay(store, "bench", records, speed=1e9)
    return applied / (time.perf_counter() - started)


def timed_ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def web_times(client: redis.Redis, requests: int) -> tuple[list[float], list[float]]:
    """Return (score-bump POST times, region page GET times) in milliseconds."""
    client.flushall()
    load_demo(Store(client))
    UserStore(client).add(USER[0], "moderator", USER[1])
    app = create_app(load_config({}, secret_key=SECRET_KEY), client)
    posts, gets = [], []
    with TestClient(app, follow_redirects=False) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
        web.post("/login", data={"name": USER[0], "password": USER[1],
                                 "csrf_token": token.group(1), "next": "/"})  # fmt: skip
        for index in range(requests):
            html = web.get("/regions/europe").text
            gets.append(timed_ms(lambda: web.get("/regions/europe")))
            fields = {
                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
                "base_version": re.search(r'name="base_version" value="(\d+)"', html)[
                    1
                ],
                "side": str(index % 2),
                "amount": "1" if (index // 2) % 2 == 0 else "-1",
            }
            posts.append(timed_ms(lambda data=fields: web.post(SCORE_URL, data=data)))
    return posts, gets


def report(rate: float, posts: list[float], gets: list[float]) -> str:
    machine = (
        f"Machine: {platform.machine()}, Python {platform.python_version()},"
        f" {platform.system()}; in-process TestClient, local redis-server."
    )
    replay_row = (
        f"| CLI replay of the demo day | {rate:.0f} edits/s"
        f" | at least {GOAL_REPLAY_EDITS_PER_S} edits/s |"
    )
    post_row = (
        f"| score bump POST p50 / p99 | {statistics.median(posts):.1f} /"
        f" {percentile(posts, 0.99):.1f} ms | p50 at most {GOAL_EDIT_P50_MS} ms |"
    )
    get_row = (
        f"| region page GET p50 / p99 | {statistics.median(gets):.1f} /"
        f" {percentile(gets, 0.99):.1f} ms | |"
    )
    lines = ["# Admin benchmark", "", machine, "", "| measure | result | goal |"]
    lines += ["| --- | --- | --- |", replay_row, post_row, get_row, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=200, help="web requests per kind"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir), appendonly=False).start()
        client = redis.Redis.from_url(server.url)
        try:
            rate = replay_rate(client)
            posts, gets = web_times(client, args.requests)
        finally:
            client.close()
            server.stop()

    text = report(rate, posts, gets)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
