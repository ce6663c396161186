"""Fixtures for the viewer page: the local stack serving a page built for it, and pages."""

import pytest
from page_support import ROOT, PageProbe, load_module

from model import edits
from store import Store


@pytest.fixture(scope="session")
def build_module():
    return load_module(ROOT / "build.py", "qh_build")


@pytest.fixture(scope="session")
def site_modules():
    """The page modules that run without a browser, loaded by path under CPython."""
    names = ("backoff", "bootstrap", "render", "selection", "status")
    return {
        name: load_module(ROOT / "site" / f"{name}.py", f"qh_site_{name}")
        for name in names
    }


@pytest.fixture(scope="session")
def site_stack(local_stack):
    """The local stack; its gateway serves the page that LocalStack.build_site built."""
    return local_stack


@pytest.fixture
def store(site_stack):
    store = Store.from_url(site_stack.redis_url)
    yield store
    store.client.close()


@pytest.fixture
def publish(store):
    """Replace the whole state through the store; return the stored state."""

    def publish(state):
        return store.replace(state, user="site-tests")

    return publish


@pytest.fixture
def open_page(browser, site_stack):
    """Open pages in fresh contexts; after the test, check console errors and hosts.

    A test that expects some console errors (a 503 the browser logs) appends
    substrings to `open_page.allowed_errors`.
    """
    probes = []

    def open_page(fragment="", goto=True):
        probe = PageProbe(browser.new_context(), site_stack.site_url)
        probes.append(probe)
        if goto:
            probe.open(fragment)
        return probe

    open_page.allowed_errors = []
    yield open_page

    for probe in probes:
        errors = [
            error
            for error in probe.console_errors
            if not any(allowed in error for allowed in open_page.allowed_errors)
        ]
        probe.context.close()
        assert errors == []
        assert probe.foreign_requests() == []


def demo_regions_state():
    """Three regions: an empty one first, then two with streams."""
    state = edits.empty_state("Site tests")
    regions = (
        ("alpha", "Alpha", "Nothing in Alpha yet."),
        ("bravo", "Bravo", ""),
        ("charlie", "Charlie", ""),
    )
    for order, (region_id, title, empty_text) in enumerate(regions):
        state = edits.upsert_region(
            state,
            {
                "id": region_id,
                "title": title,
                "order": order,
                "no_streams_text": empty_text,
            },
        )
    for region_id, name in (("bravo", "BravoCaster"), ("charlie", "CharlieCaster")):
        state = edits.add_stream(
            state,
            region_id,
            {"name": name, "url": f"twitch.tv/{name.lower()}", "info": "**Bo3** live"},
        )
    return state


@pytest.fixture
def regions_state():
    return demo_regions_state()
