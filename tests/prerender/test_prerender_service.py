"""prerender/service.py and `python -m prerender`: follow the store, re-render the page."""

import json
import os
import re
import subprocess
import sys
import time

from prerender_support import ROOT

from model import edits
from prerender.__main__ import run
from prerender.config import Config
from prerender.page import MANIFEST_NAME
from prerender.service import Follower, Prerenderer
from prerender.targets import FolderTarget
from stack.services import RedisServer
from store import Store

WAIT_SECONDS = 10


def page_version(path):
    match = re.search(r'<main id="regions" data-version="(\d+)"', path.read_text())
    return int(match.group(1)) if match else None


def wait_for(condition, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def bump(store, number=0):
    return store.apply(
        lambda state: edits.bump_score(state, "europe", "mangoecho-gg", number % 2),
        user="prerender-tests",
        action="score",
    )


def follower_for(store, renderer, target, channel=None, min_interval=0.2, recheck=30.0):
    prerenderer = Prerenderer(store, renderer, target)
    follower = Follower(
        prerenderer, store.client, channel or store.keys.notify, min_interval, recheck
    )
    return prerenderer, follower


def test_change_rewrites_page(store, demo_state, renderer, dist, run_in_thread):
    _, follower = follower_for(store, renderer, FolderTarget(dist))
    run_in_thread(follower.run)
    assert wait_for(lambda: page_version(dist / "index.html") == demo_state["version"])

    changed = bump(store)

    assert wait_for(lambda: page_version(dist / "index.html") == changed["version"])
    html = (dist / "index.html").read_text()
    assert html == renderer.render(
        json.loads((dist / MANIFEST_NAME).read_text()), changed
    )


def test_burst_is_coalesced(store, demo_state, renderer, dist, run_in_thread):
    prerenderer, follower = follower_for(
        store, renderer, FolderTarget(dist), min_interval=1.0
    )
    run_in_thread(follower.run)
    assert wait_for(lambda: prerenderer.writes == 1)

    started = time.monotonic()
    for number in range(20):
        last = bump(store, number)
    assert wait_for(lambda: page_version(dist / "index.html") == last["version"])
    elapsed = time.monotonic() - started

    # One render right after the first change, then at most one per second.
    assert prerenderer.renders - 1 <= 2 + elapsed / 1.0
    assert prerenderer.writes < 20


def test_recheck_finds_unannounced_change(
    store, demo_state, renderer, dist, run_in_thread
):
    # An unused channel, so only the re-check sees the change.
    prerenderer, follower = follower_for(
        store, renderer, FolderTarget(dist), channel="qh:silent", recheck=0.3
    )
    run_in_thread(follower.run)
    assert wait_for(lambda: prerenderer.writes == 1)

    changed = bump(store)

    assert wait_for(lambda: page_version(dist / "index.html") == changed["version"])


def test_same_state_is_not_written_again(
    store, demo_state, renderer, dist, run_in_thread
):
    prerenderer, follower = follower_for(
        store, renderer, FolderTarget(dist), channel="qh:silent", recheck=0.1
    )
    run_in_thread(follower.run)

    assert wait_for(lambda: prerenderer.renders >= 5)
    assert prerenderer.writes == 1


def test_missing_manifest_is_retried(
    store, demo_state, renderer, dist, run_in_thread, caplog
):
    manifest = (dist / MANIFEST_NAME).read_bytes()
    (dist / MANIFEST_NAME).unlink()
    before = (dist / "index.html").read_text()
    prerenderer, follower = follower_for(
        store, renderer, FolderTarget(dist), channel="qh:silent", recheck=0.2
    )
    run_in_thread(follower.run)
    assert wait_for(lambda: prerenderer.renders >= 2)
    assert (dist / "index.html").read_text() == before
    assert "build the site first" in caplog.text

    (dist / MANIFEST_NAME).write_bytes(manifest)

    assert wait_for(lambda: page_version(dist / "index.html") == demo_state["version"])


def test_follows_again_after_redis_restart(tmp_path, renderer, dist, run_in_thread):
    server = RedisServer(tmp_path / "redis").start()
    try:
        store = Store.from_url(server.url)
        store.replace(edits.empty_state("Restart test"), user="prerender-tests")
        prerenderer, follower = follower_for(store, renderer, FolderTarget(dist))
        run_in_thread(follower.run)
        assert wait_for(lambda: prerenderer.writes == 1)

        server.restart()
        changed = store.apply(
            lambda state: edits.set_site(state, {"event": "after restart"}),
            user="prerender-tests",
            action="site",
        )

        assert wait_for(lambda: page_version(dist / "index.html") == changed["version"])
        assert "after restart" in (dist / "index.html").read_text()
        store.client.close()
    finally:
        server.stop()


def test_run_writes_to_bucket(
    store, demo_state, s3, manifest, run_in_thread, redis_url
):
    s3.create_bucket(Bucket="prerender-run")
    s3.put_object(Bucket="prerender-run", Key=MANIFEST_NAME, Body=json.dumps(manifest))
    config = Config(
        redis_url=redis_url, bucket="prerender-run", min_interval_seconds=0.2
    )
    run_in_thread(lambda stop: run(config, stop, s3_client=s3))

    changed = bump(store)

    def stored_version():
        try:
            body = s3.get_object(Bucket="prerender-run", Key="index.html")[
                "Body"
            ].read()
        except s3.exceptions.NoSuchKey:
            return None
        match = re.search(rb'data-version="(\d+)"', body)
        return int(match.group(1)) if match else None

    assert wait_for(lambda: stored_version() == changed["version"])
    stored = s3.get_object(Bucket="prerender-run", Key="index.html")
    assert stored["CacheControl"] == "no-cache"


def test_service_process_renders_and_stops(store, demo_state, dist, redis_url):
    env = {**os.environ, "REDIS_URL": redis_url, "PRERENDER_DIST": str(dist)}
    process = subprocess.Popen(
        [sys.executable, "-m", "prerender"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(
            lambda: page_version(dist / "index.html") == demo_state["version"]
        )
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)

    assert process.returncode == 0
    assert "prerender started" in output
    assert "prerender stopped" in output


def test_service_process_rejects_bad_config(redis_url):
    env = {**os.environ, "REDIS_URL": redis_url}
    env.pop("PRERENDER_DIST", None)
    env.pop("PRERENDER_BUCKET", None)
    result = subprocess.run(
        [sys.executable, "-m", "prerender"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "set exactly one of PRERENDER_DIST" in result.stderr


def test_replaced_page_is_rendered_again(
    store, demo_state, renderer, dist, run_in_thread
):
    prerenderer, follower = follower_for(
        store, renderer, FolderTarget(dist), channel="qh:silent", recheck=0.2
    )
    run_in_thread(follower.run)
    assert wait_for(lambda: prerenderer.writes == 1)

    # A new build of the site writes its own index.html without the state.
    (dist / "index.html").write_text("<p>fresh build</p>")

    assert wait_for(lambda: prerenderer.writes == 2)
    assert page_version(dist / "index.html") == demo_state["version"]
