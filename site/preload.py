"""The bootstrap response that site/preload.js requested before Python started.

preload.js starts the call while the runtime loads, so by the time the app asks for
the bootstrap document the response has usually arrived. The app's first call takes
that response; every later call goes to the network.
"""

import json

PRELOAD_NAME = "qhBootstrap"
# A presigned URL works only soon after signing: an older preload is not used.
PRELOAD_MAX_AGE_MS = 30_000


class PreloadedResponse:
    """The parts of pyscript.fetch's response that BootstrapClient reads."""

    def __init__(self, response):
        self._response = response
        self.ok = response.ok
        self.status = response.status
        self.headers = response.headers

    async def json(self):
        return json.loads(await self._response.text())


def take_preload(window):
    """Return the preload record from `window` and clear it, or None."""
    preload = getattr(window, PRELOAD_NAME, None)
    if preload is not None:
        setattr(window, PRELOAD_NAME, None)
    return preload


def preloaded_fetch(fetch, window):
    """Return a fetch for BootstrapClient whose first call uses the preloaded response.

    A preload for another URL, or one older than PRELOAD_MAX_AGE_MS, is dropped and
    the call goes to `fetch`. A preloaded call that failed raises what `fetch` raises
    for a network error (jsffi.JsException).
    """
    pending = [take_preload(window)]

    async def fetch_once(url, **options):
        preload = pending.pop() if pending else None
        if (
            preload is None
            or preload.url != url
            or _age_ms(window, preload) > PRELOAD_MAX_AGE_MS
        ):
            return await fetch(url, **options)
        return PreloadedResponse(await preload.response)

    return fetch_once


def _age_ms(window, preload):
    return window.performance.now() - preload.startedAt
