"""site/bootstrap.py: reading the bootstrap document and describing failures."""

import json

import pytest
from page_support import run_coroutine

from model import edits


@pytest.fixture
def bootstrap(site_modules):
    return site_modules["bootstrap"]


def document(state=None, **changes):
    state = state or edits.empty_state("Hub")
    body = {
        "client_id": "viewer-1",
        "iot": {
            "url": "wss://broker.example/mqtt?X-Amz-Signature=abc",
            "topics": {"snapshot": "q/snapshot", "updates": "q/updates"},
        },
        "state": dict(state, version=12),
        "version": 12,
    }
    body.update(changes)
    return body


def test_parse_document_reads_lambda_shape(bootstrap):
    parsed = bootstrap.parse_document(document())

    assert parsed["client_id"] == "viewer-1"
    assert parsed["url"].startswith("wss://broker.example/mqtt")
    assert parsed["topics"] == {"snapshot": "q/snapshot", "updates": "q/updates"}
    assert parsed["message"]["type"] == "snapshot"
    assert parsed["message"]["version"] == 12


def test_parse_document_reads_flat_shape(bootstrap):
    flat = document()
    flat.update(flat.pop("iot"))

    assert bootstrap.parse_document(flat)["topics"]["updates"] == "q/updates"


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"client_id": ""}, "client_id"),
        ({"iot": {"topics": {"snapshot": "s", "updates": "u"}}}, "url"),
        (
            {"iot": {"url": "wss://b.example/mqtt", "topics": {"snapshot": "s"}}},
            "updates",
        ),
    ],
)
def test_parse_document_names_missing_field(bootstrap, change, missing):
    with pytest.raises(bootstrap.BootstrapError, match=f"missing {missing}"):
        bootstrap.parse_document(document(**change))


def test_parse_document_rejects_invalid_state(bootstrap):
    broken = document()
    broken["state"]["regions"] = [{"id": "Not A Slug", "title": "x"}]

    with pytest.raises(bootstrap.BootstrapError, match="Not A Slug") as caught:
        bootstrap.parse_document(broken)
    assert caught.value.reason.startswith(bootstrap.BAD_RESPONSE_REASON)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (429, "the server is busy (too many requests)"),
        (500, "the server is having trouble (HTTP 500)"),
        (503, "the server is having trouble (HTTP 503)"),
        (403, "the server rejected the request (HTTP 403)"),
    ],
)
def test_describe_status(bootstrap, status, reason):
    assert bootstrap.describe_status(status) == reason


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5),
        (" 12 ", 12),
        (None, 0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 0),
        ("-3", 0),
        ("86400", 300),
    ],
)
def test_parse_retry_after(bootstrap, header, seconds):
    assert bootstrap.parse_retry_after(header) == seconds


class NetworkError(Exception):
    pass


class FakeResponse:
    def __init__(self, status=200, body="", headers=None):
        self.status = status
        self.ok = 200 <= status < 300
        self.headers = headers or {}
        self._body = body

    async def json(self):
        return json.loads(self._body)


def fetch_returning(response):
    async def fetch(url, **options):
        assert options == {"method": "GET", "cache": "no-store"}
        if isinstance(response, Exception):
            raise response
        return response

    return fetch


def fetch_document(bootstrap, response):
    client = bootstrap.BootstrapClient(
        "/api/bootstrap", fetch_returning(response), NetworkError
    )
    return run_coroutine(client.fetch_document())


def test_client_returns_parsed_document(bootstrap):
    parsed = fetch_document(bootstrap, FakeResponse(200, json.dumps(document())))

    assert parsed["message"]["version"] == 12


def test_client_reports_network_failure(bootstrap):
    with pytest.raises(bootstrap.BootstrapError) as caught:
        fetch_document(bootstrap, NetworkError("Failed to fetch"))

    assert caught.value.reason == bootstrap.NETWORK_REASON


def test_client_reports_status_and_retry_after(bootstrap):
    response = FakeResponse(429, "slow down", {"Retry-After": "7"})

    with pytest.raises(bootstrap.BootstrapError) as caught:
        fetch_document(bootstrap, response)

    assert caught.value.status == 429
    assert caught.value.retry_after == 7
    assert "too many requests" in caught.value.reason


def test_client_reports_unreadable_body(bootstrap):
    with pytest.raises(bootstrap.BootstrapError) as caught:
        fetch_document(bootstrap, FakeResponse(200, "<html>gateway error</html>"))

    assert caught.value.reason == bootstrap.BAD_RESPONSE_REASON


def unchecked_state():
    """A state the model rejects, to tell whether a state was checked."""
    state = dict(edits.empty_state("Hub"), version=12)
    state["regions"] = [{"id": "Not A Slug", "title": "x", "streams": []}]
    return state


def test_state_equal_to_known_is_not_checked(bootstrap):
    known = unchecked_state()

    parsed = bootstrap.parse_document(document(state=known), known_state=known)

    assert parsed["message"]["state"] == known
    assert parsed["message"]["version"] == 12


def test_state_unlike_known_is_checked(bootstrap):
    known = dict(edits.empty_state("Hub"), version=12)

    with pytest.raises(bootstrap.BootstrapError, match="Not A Slug"):
        bootstrap.parse_document(document(state=unchecked_state()), known_state=known)


def test_known_state_needs_valid_version(bootstrap):
    known = dict(edits.empty_state("Hub"), version="12")
    body = document(state=known)
    body["state"] = known

    with pytest.raises(bootstrap.BootstrapError, match="invalid version '12'"):
        bootstrap.parse_document(body, known_state=known)


def test_client_compares_with_known_state(bootstrap):
    known = unchecked_state()
    client = bootstrap.BootstrapClient(
        "/api/bootstrap",
        fetch_returning(FakeResponse(200, json.dumps(document(state=known)))),
        NetworkError,
        lambda: known,
    )

    parsed = run_coroutine(client.fetch_document())

    assert parsed["message"]["state"] == known
