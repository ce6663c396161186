"""Page visibility: stay connected while the page is shown, pause after a long hide.

A background tab that stays connected costs a broker connection and a stream of
messages that the hidden page does not display. After `pause_after` seconds hidden, `on_pause` runs; the
app then waits in `wait_visible` and resynchronises when the page is shown again.
"""

import asyncio

VISIBLE = "visible"


class Visibility:
    def __init__(self, document, pause_after, on_pause):
        self.document = document
        self.pause_after = pause_after
        self.on_pause = on_pause
        self.paused = False
        self.became_visible = asyncio.Event()
        self._timer = None
        document.addEventListener("visibilitychange", self._changed)
        self._changed()

    @property
    def visible(self):
        return self.document.visibilityState == VISIBLE

    async def wait_visible(self):
        await self.became_visible.wait()

    def _changed(self, event=None):
        if self.visible:
            self.paused = False
            self.became_visible.set()
            self._stop_timer()
        else:
            self.became_visible.clear()
            if self._timer is None:
                self._timer = asyncio.create_task(self._pause_later())

    def _stop_timer(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _pause_later(self):
        await asyncio.sleep(self.pause_after)
        self._timer = None
        if not self.visible:
            self.paused = True
            self.on_pause()
