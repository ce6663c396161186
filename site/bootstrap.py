"""The bootstrap call: where to connect, with which client id, and the current state.

The endpoint is called before every connection attempt, because a presigned
WebSocket URL works once and soon after signing. Failures become BootstrapError
with a reason in plain words for the status bar.
"""

from model.errors import ValidationError
from model.messages import check_message

NETWORK_REASON = "cannot reach the server; check your internet connection"
BUSY_REASON = "the server is busy"
BAD_RESPONSE_REASON = "the server sent a response this page cannot read"
# A Retry-After longer than this is treated as this, so a bad header cannot stall the page.
RETRY_AFTER_MAX_SECONDS = 300


class BootstrapError(Exception):
    """A failed bootstrap call: `reason` for people, `retry_after` seconds as a hint."""

    def __init__(self, reason, retry_after=0, status=None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status


def describe_status(status):
    """Return the reason shown for an HTTP error status from the endpoint."""
    if status == 429:
        return BUSY_REASON + " (too many requests)"
    if status >= 500:
        return "the server is having trouble (HTTP " + str(status) + ")"
    return "the server rejected the request (HTTP " + str(status) + ")"


def parse_retry_after(value):
    """Return the seconds in a Retry-After header given as a number, else 0."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return 0  # absent, or an HTTP date: the backoff decides alone
    return max(0, min(seconds, RETRY_AFTER_MAX_SECONDS))


def _text_field(container, key):
    value = container.get(key) if isinstance(container, dict) else None
    if not isinstance(value, str) or not value:
        raise BootstrapError(BAD_RESPONSE_REASON + " (missing " + key + ")")
    return value


def is_relay_url(url):
    """Return True for an http(s) URL or a path on the page's own host."""
    if not isinstance(url, str) or not url:
        return False
    if url.startswith("/") and not url.startswith("//"):
        return True
    scheme, separator, _ = url.partition("://")
    return separator == "://" and scheme in ("http", "https")


def relay_urls(document):
    """Return the SSE relay URLs listed in `transports`, skipping other entry types.

    Entries without an http(s) URL or a path are skipped too, so one bad entry
    leaves the other transports usable.
    """
    entries = document.get("transports")
    urls = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("type") == "sse":
            url = entry.get("url")
            if is_relay_url(url) and url not in urls:
                urls.append(url)
    return urls


def _mqtt_details(document):
    iot = document.get("iot") or document
    topics = iot.get("topics") if isinstance(iot, dict) else None
    return {
        "client_id": _text_field(document, "client_id"),
        "url": _text_field(iot, "url"),
        "topics": {
            "snapshot": _text_field(topics, "snapshot"),
            "updates": _text_field(topics, "updates"),
        },
    }


def _is_version(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def state_message(document, known_state=None):
    """Return the document's state as a checked snapshot message.

    A state equal to `known_state`, one the page has already checked or rendered
    from its own HTML, is taken as it is: checking the demo day's state costs
    MicroPython tens of milliseconds on the page's way to going live.
    """
    state = document.get("state")
    version = (
        state.get("version", document.get("version"))
        if isinstance(state, dict)
        else None
    )
    message = {"type": "snapshot", "version": version, "state": state}
    if known_state is not None and state == known_state and _is_version(version):
        return message
    try:
        return check_message(message)
    except ValidationError as exc:
        raise BootstrapError(BAD_RESPONSE_REASON + " (" + str(exc) + ")") from None


def parse_document(document, known_state=None):
    """Return {client_id, url, topics, relays, message} from a bootstrap response body.

    `message` is the state as a checked snapshot message (see state_message). The
    MQTT details sit under `iot`; a document with them at the top level is read the
    same way. A document without them (a deployment with SSE relays only) has None
    in their place and must list a relay in `transports`.
    """
    if not isinstance(document, dict):
        raise BootstrapError(BAD_RESPONSE_REASON)
    message = state_message(document, known_state)
    parsed = {"client_id": None, "url": None, "topics": None}
    parsed["relays"] = relay_urls(document)
    if "iot" in document or "url" in document or not parsed["relays"]:
        parsed.update(_mqtt_details(document))
    parsed["message"] = message
    return parsed


class BootstrapClient:
    """Calls the bootstrap endpoint with an injected `fetch` (pyscript.fetch in the page).

    `network_error` is the exception a failed fetch raises (jsffi.JsException in
    MicroPython, for JavaScript's "TypeError: Failed to fetch"). `known_state`
    returns the state the page shows, or None (see state_message).
    """

    def __init__(self, url, fetch, network_error, known_state=None):
        self.url = url
        self._fetch = fetch
        self._network_error = network_error
        self._known_state = known_state

    async def fetch_document(self):
        """Return the parsed document (see parse_document) or raise BootstrapError."""
        try:
            response = await self._fetch(self.url, method="GET", cache="no-store")
        except self._network_error:  # DNS, connection refused, offline, CORS
            raise BootstrapError(NETWORK_REASON) from None
        if not response.ok:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise BootstrapError(
                describe_status(response.status), retry_after, response.status
            )
        try:
            document = await response.json()
        except (ValueError, self._network_error):  # bad JSON, or the body broke off
            raise BootstrapError(BAD_RESPONSE_REASON) from None
        known = self._known_state() if self._known_state is not None else None
        return parse_document(document, known)
