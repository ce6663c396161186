"""Fixtures for the prerender service: a built site, a store and an S3 client."""

import json
import threading

import boto3
import pytest
from prerender_support import load_build_module

from model import edits
from prerender.page import MANIFEST_NAME, PageRenderer
from stack.local import DEMO_SNAPSHOT
from store import Store

REGION = "us-east-1"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """A site built once by build.py, without a state; tests copy what they change."""
    build = load_build_module()
    out = tmp_path_factory.mktemp("built")
    build.build(build.BuildConfig(out=out))
    return out


@pytest.fixture
def dist(built_site, tmp_path):
    """A served folder with the build's manifest and page, and no assets."""
    folder = tmp_path / "dist"
    folder.mkdir()
    for name in (MANIFEST_NAME, "index.html", "index.html.gz"):
        (folder / name).write_bytes((built_site / name).read_bytes())
    return folder


@pytest.fixture
def manifest(built_site):
    return json.loads((built_site / MANIFEST_NAME).read_text())


@pytest.fixture(scope="session")
def renderer():
    return PageRenderer()


@pytest.fixture
def store(redis_url):
    store = Store.from_url(redis_url)
    yield store
    store.client.close()


@pytest.fixture
def demo_state(store):
    """The demo qualifier day, committed to the store."""
    state = json.loads(DEMO_SNAPSHOT.read_text())
    state = edits.set_site(state, {"announcement": "Prerender tests"})
    return store.replace(state, user="prerender-tests")


@pytest.fixture
def s3(moto_server):
    client = boto3.client(
        "s3",
        endpoint_url=moto_server.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    client.close()


@pytest.fixture
def run_in_thread():
    """Run `target(stop)` in a thread; stop and join every one after the test."""
    started = []

    def run_in_thread(target):
        stop = threading.Event()
        thread = threading.Thread(target=target, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread))
        return stop

    yield run_in_thread
    for stop, thread in started:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()
