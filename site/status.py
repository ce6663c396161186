"""The connection status bar: connecting, live, reconnecting (with the reason), offline."""

CONNECTING = "connecting"
LIVE = "live"
RECONNECTING = "reconnecting"
OFFLINE = "offline"

HEADLINES = {
    CONNECTING: "Connecting to the live feed…",
    LIVE: "Live",
    RECONNECTING: "Reconnecting",
    OFFLINE: "Offline",
}
# The name shown for each transport type (see fallback.py) while it is live.
TRANSPORT_LABELS = {"mqtt": "MQTT", "sse": "relay"}


def status_text(state, reason="", retry_seconds=None, transport=""):
    """Return the sentence the status bar shows for `state`.

    `transport` is the type of the live feed in use ("mqtt" or "sse"), named while live.
    """
    text = HEADLINES[state]
    if state == LIVE and transport:
        text += " (" + TRANSPORT_LABELS.get(transport, transport) + ")"
    elif state == RECONNECTING and retry_seconds is not None:
        text += " in " + str(max(1, round(retry_seconds))) + " s"
    elif state == RECONNECTING:
        text += "…"
    if reason:
        text += ": " + reason
    return text


class StatusBar:
    """Writes the status into one element: `data-state` for styles and tests, and text."""

    def __init__(self, element):
        self.element = element
        self.state = element.getAttribute("data-state")

    def show(self, state, reason="", retry_seconds=None, transport=""):
        self.state = state
        self.element.setAttribute("data-state", state)
        if transport:
            self.element.setAttribute("data-transport", transport)
        self.element.textContent = status_text(state, reason, retry_seconds, transport)
