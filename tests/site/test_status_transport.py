"""site/status.py: naming the live transport in the status bar."""

import pytest


class FakeElement:
    def __init__(self):
        self.attributes = {"data-state": "connecting"}
        self.textContent = ""

    def getAttribute(self, name):
        return self.attributes.get(name)

    def setAttribute(self, name, value):
        self.attributes[name] = value


@pytest.fixture
def status(site_modules):
    return site_modules["status"]


@pytest.mark.parametrize(
    ("transport", "text"),
    [("sse", "Live (relay)"), ("mqtt", "Live (MQTT)"), ("", "Live")],
)
def test_live_names_transport(status, transport, text):
    assert status.status_text(status.LIVE, transport=transport) == text


def test_transport_only_named_while_live(status):
    text = status.status_text(status.RECONNECTING, "lost", transport="sse")

    assert text == "Reconnecting…: lost"


def test_status_bar_records_transport(status):
    element = FakeElement()
    bar = status.StatusBar(element)

    bar.show(status.LIVE, transport="sse")
    bar.show(status.RECONNECTING, "lost")

    assert element.attributes["data-transport"] == "sse"
    assert element.attributes["data-state"] == "reconnecting"
    assert element.textContent == "Reconnecting…: lost"
