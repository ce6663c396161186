"""Sets the viewer page up and runs it, once main.py installed the modules."""

import asyncio
import json

import js
import jsffi
from app import App
from bootstrap import BootstrapClient
from fallback import TRANSPORT_PARAM, parse_order, query_value
from preload import preloaded_fetch
from pyscript import document, fetch, window
from pyscript.ffi import to_js
from pyscript.js_modules import mqtt_shim
from status import StatusBar
from viewer import setup_view
from visibility import Visibility

OPTIONS_ELEMENT_ID = "qh-options"


def apply_transport_param(options):
    """Let ?transport=sse (or mqtt, or both in order) in the page URL force the order."""
    raw = query_value(window.location.search, TRANSPORT_PARAM)
    if raw is None:
        return
    order = parse_order(raw)
    if order is None:
        js.console.warn(
            f"ignored ?{TRANSPORT_PARAM}={raw}: expected mqtt, sse or both in order"
        )
        return
    options["transports"] = order


async def start():
    """Set the page up and run the app.

    The early MQTT connection runs its handshake in JavaScript, which gets the
    browser's main thread only between Python's steps. So start() runs as a task
    after the imports (main.py), and yields again once the view is set up.
    """
    options = json.loads(document.getElementById(OPTIONS_ELEMENT_ID).textContent)
    apply_transport_param(options)
    view = setup_view(document, to_js)
    await asyncio.sleep(0)
    bootstrap_fetch = preloaded_fetch(fetch, document.defaultView)
    app = App(
        options,
        BootstrapClient(
            options["bootstrap_url"],
            bootstrap_fetch,
            jsffi.JsException,
            lambda: view.state,
        ),
        view,
        StatusBar(document.getElementById("status")),
        mqtt_shim,
        to_js,
        js.console,
        js.EventSource,
    )
    visibility = Visibility(document, options["hidden_disconnect_seconds"], app.pause)
    await app.run(visibility)
