"""Entry point of the viewer page, run by PyScript with MicroPython."""

import asyncio
import json

import js
import jsffi
from app import App
from bootstrap import BootstrapClient
from preload import preloaded_fetch
from pyscript import document, fetch, window
from pyscript.ffi import to_js
from pyscript.js_modules import mqtt_shim
from status import StatusBar
from viewer import setup_view
from visibility import Visibility

OPTIONS_ELEMENT_ID = "qh-options"


def start():
    options = json.loads(document.getElementById(OPTIONS_ELEMENT_ID).textContent)
    view = setup_view(document, to_js)
    bootstrap_fetch = preloaded_fetch(fetch, document.defaultView)
    app = App(
        options,
        BootstrapClient(options["bootstrap_url"], bootstrap_fetch, jsffi.JsException),
        view,
        StatusBar(document.getElementById("status")),
        mqtt_shim,
        to_js,
        js.console,
    )
    visibility = Visibility(document, options["hidden_disconnect_seconds"], app.pause)
    asyncio.create_task(app.run(visibility))


start()
