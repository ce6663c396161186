"""site/fallback.py: the transport order and when the page falls back."""

import pytest
from page_support import ROOT, load_module


@pytest.fixture(scope="module")
def fallback():
    return load_module(ROOT / "site" / "fallback.py", "qh_site_fallback")


def document(mqtt=True, relays=()):
    return {
        "url": "wss://broker.example/mqtt" if mqtt else None,
        "relays": list(relays),
    }


def kinds(plan):
    return [(candidate["type"], candidate["url"]) for candidate in plan.candidates]


@pytest.mark.parametrize(
    ("raw", "order"),
    [
        ("sse", ["sse"]),
        ("mqtt,sse", ["mqtt", "sse"]),
        (" SSE , mqtt ", ["sse", "mqtt"]),
        ("", None),
        ("websocket", None),
        ("sse,sse", None),
        ("sse,", None),
    ],
)
def test_parse_order(fallback, raw, order):
    assert fallback.parse_order(raw) == order


@pytest.mark.parametrize(
    ("search", "value"),
    [
        ("?transport=sse", "sse"),
        ("?a=1&transport=sse%2Cmqtt&transport=mqtt", "sse,mqtt"),
        ("?transport=", ""),
        ("?transports=sse", None),
        ("", None),
    ],
)
def test_query_value(fallback, search, value):
    assert fallback.query_value(search, "transport") == value


def test_mqtt_first_then_each_relay(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], ["https://c.example/events"], 3)

    plan.offer(
        document(relays=["https://a.example/events", "https://c.example/events"])
    )

    assert kinds(plan) == [
        ("mqtt", None),
        ("sse", "https://a.example/events"),
        ("sse", "https://c.example/events"),
    ]
    assert plan.current() == {"type": "mqtt", "url": None}


def test_option_relays_wait_for_endpoint(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], ["/events"], 2)

    assert plan.current() == {"type": "sse", "url": "/events"}
    assert plan.needs_bootstrap() is True
    assert plan.failed() is False
    assert plan.failed() is True
    assert plan.needs_bootstrap() is False


def test_option_relays_failing_ask_endpoint_again(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], ["/a", "/b"], 1)
    plan.failed()
    assert plan.current()["url"] == "/a"

    assert plan.failed() is True
    assert plan.current()["url"] == "/b"
    assert plan.failed() is True

    assert plan.needs_bootstrap() is True
    assert plan.current()["url"] == "/a"


def test_option_relays_alone_need_no_endpoint(fallback):
    plan = fallback.TransportPlan(["sse"], ["/events"], 3)

    assert plan.needs_bootstrap() is False
    assert plan.current() == {"type": "sse", "url": "/events"}


def test_forced_sse_leaves_out_mqtt(fallback):
    plan = fallback.TransportPlan(["sse"], [], 3)

    plan.offer(document(relays=["/events"]))

    assert kinds(plan) == [("sse", "/events")]
    assert plan.needs_bootstrap() is False


def test_sse_first_order(fallback):
    plan = fallback.TransportPlan(["sse", "mqtt"], [], 3)

    plan.offer(document(relays=["/events"]))

    assert kinds(plan) == [("sse", "/events"), ("mqtt", None)]


def test_nothing_known_needs_bootstrap(fallback):
    plan = fallback.TransportPlan(["sse"], [], 3)

    assert plan.current() is None
    assert plan.needs_bootstrap() is True
    assert plan.failed() is False


def test_falls_back_after_failures_in_a_row(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 3)
    plan.offer(document(relays=["/events"]))

    assert plan.failed() is False
    assert plan.failed() is False
    assert plan.failed() is True

    assert plan.current()["type"] == "sse"
    assert plan.on_preferred() is False
    assert plan.needs_bootstrap() is False


def test_live_restarts_the_count(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 3)
    plan.offer(document(relays=["/events"]))
    plan.failed()
    plan.failed()

    plan.live(plan.current())

    assert plan.failed() is False
    assert plan.current()["type"] == "mqtt"


def test_last_transport_cycles_to_first(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 1)
    plan.offer(document(relays=["/events"]))

    moves = [plan.failed() for _ in range(2)]

    assert moves == [True, True]
    assert plan.current()["type"] == "mqtt"


def test_single_transport_stays(fallback):
    plan = fallback.TransportPlan(["mqtt"], [], 1)
    plan.offer(document(relays=["/events"]))

    assert plan.failed() is False
    assert plan.current()["type"] == "mqtt"


def test_offer_keeps_current_transport(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 1)
    plan.offer(document(relays=["/a", "/b"]))
    plan.failed()
    plan.failed()
    assert plan.current()["url"] == "/b"

    plan.offer(document(relays=["/c", "/b"]))

    assert plan.current()["url"] == "/b"


def test_offer_without_current_starts_over(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 1)
    plan.offer(document(relays=["/a"]))
    plan.failed()

    plan.offer(document(relays=["/b"]))

    assert plan.current()["type"] == "mqtt"


def test_live_on_trial_makes_it_current(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 1)
    plan.offer(document(relays=["/a"]))
    plan.failed()

    plan.live(plan.preferred())

    assert plan.on_preferred() is True


def test_next_relay_skips_mqtt(fallback):
    plan = fallback.TransportPlan(["sse", "mqtt"], [], 3)
    plan.offer(document(relays=["/a", "/b"]))
    plan.failed()

    assert plan.next_relay() is True
    assert plan.current()["url"] == "/b"
    assert plan.next_relay() is True
    assert plan.current()["url"] == "/a"
    assert plan.failed() is False


def test_next_relay_needs_another_relay(fallback):
    plan = fallback.TransportPlan(["mqtt", "sse"], [], 3)
    plan.offer(document(relays=["/a"]))

    assert plan.next_relay() is False
    assert plan.current()["type"] == "mqtt"
    plan.failed()
    plan.failed()
    plan.failed()
    assert plan.next_relay() is False
    assert plan.current()["url"] == "/a"
