"""site/status.py: the status bar's sentences."""

import pytest


@pytest.fixture
def status(site_modules):
    return site_modules["status"]


def test_status_texts(status):
    assert status.status_text(status.CONNECTING) == "Connecting to the live feed…"
    assert status.status_text(status.LIVE) == "Live"
    assert status.status_text(status.OFFLINE, "paused") == "Offline: paused"


def test_reconnecting_shows_delay_and_reason(status):
    text = status.status_text(status.RECONNECTING, "the server is busy", 2.4)

    assert text == "Reconnecting in 2 s: the server is busy"


def test_reconnecting_rounds_short_delay_up(status):
    assert status.status_text(status.RECONNECTING, "", 0.3) == "Reconnecting in 1 s"


def test_reconnecting_without_delay(status):
    assert status.status_text(status.RECONNECTING, "lost") == "Reconnecting…: lost"


class FakeElement:
    def __init__(self):
        self.attributes = {"data-state": "connecting"}
        self.textContent = ""

    def getAttribute(self, name):
        return self.attributes.get(name)

    def setAttribute(self, name, value):
        self.attributes[name] = value


def test_status_bar_writes_state_and_text(status):
    element = FakeElement()
    bar = status.StatusBar(element)

    bar.show(status.LIVE)

    assert bar.state == "live"
    assert element.attributes["data-state"] == "live"
    assert element.textContent == "Live"
