"""Overlay mode on the page: applies the settings, rotates regions, runs the panel.

The settings and their parsing are in overlay.py; this module touches the DOM.
"""

import asyncio
import json

from overlay import (
    FLAG_CLASSES,
    FLAGS,
    HOTKEY,
    ROTATE_MAX_SECONDS,
    STORAGE_KEY,
    TYPING_TAGS,
    KeySequence,
    clean_saved,
    merge_settings,
    next_region,
    rotation_order,
    settings_from_query,
)

# Panel controls: element id -> setting.
FLAG_INPUTS = {
    "overlay-hide-header": "hide_header",
    "overlay-hide-footer": "hide_footer",
    "overlay-compact": "compact",
    "overlay-transparent": "transparent",
}


class OverlayMode:
    """Overlay settings for one page: `view` is the PageView, `storage` localStorage.

    `storage_error` is what a failing storage call raises (jsffi.JsException).
    """

    def __init__(self, document, view, storage, console, storage_error):
        self.document = document
        self.view = view
        self.storage = storage
        self.console = console
        self.storage_error = storage_error
        self.saved = self._load_saved()
        self.settings = merge_settings(self.saved, {})
        self.dialog = document.getElementById("overlay-settings")
        self.hotkey = KeySequence(HOTKEY)
        self._rotation = None

    def start(self, query):
        """Apply the saved settings and the query's, and listen for the hotkey."""
        from_query = settings_from_query(query, self.console.warn)
        self.settings = merge_settings(self.saved, from_query)
        self.apply()
        self.document.addEventListener("keydown", self._on_key)
        self.dialog.addEventListener("change", self._on_panel_input)
        self.dialog.addEventListener("input", self._on_panel_input)
        close = self.document.getElementById("overlay-close")
        close.addEventListener("click", lambda event: self.dialog.close())

    def apply(self):
        classes = self.document.documentElement.classList
        for flag in FLAGS:
            if self.settings[flag]:
                classes.add(FLAG_CLASSES[flag])
            else:
                classes.remove(FLAG_CLASSES[flag])
        self._restart_rotation()

    def open_panel(self):
        self._fill_panel()
        if not self.dialog.open:
            self.dialog.showModal()

    # Rotation

    def _restart_rotation(self):
        if self._rotation is not None:
            self._rotation.cancel()
            self._rotation = None
        if self.settings["rotate"] > 0:
            self._rotation = asyncio.create_task(self._rotate(self.settings["rotate"]))

    async def _rotate(self, seconds):
        while True:
            await asyncio.sleep(seconds)
            self.rotate_once()

    def rotate_once(self):
        state = self.view.state
        if state is None:
            return
        ids = [region["id"] for region in state["regions"]]
        order = rotation_order(self.settings, ids, self.view.regions_with_streams())
        region = next_region(order, self.view.selected)
        if region is not None:
            self.view.pin(region)

    # Hotkey and panel

    def _on_key(self, event):
        if event.altKey or event.ctrlKey or event.metaKey or len(event.key) != 1:
            return
        if event.target.tagName in TYPING_TAGS:
            return
        if self.hotkey.push(event.key):
            self.open_panel()

    def _fill_panel(self):
        settings = self.settings
        self._input("overlay-rotate").value = str(settings["rotate"])
        listed = bool(settings["regions"])
        self._input("overlay-regions-streams").checked = not listed
        self._input("overlay-regions-list").checked = listed
        for element_id, flag in FLAG_INPUTS.items():
            self._input(element_id).checked = settings[flag]
        self._fill_region_list()

    def _fill_region_list(self):
        box = self._input("overlay-region-list")
        box.replaceChildren()
        regions = self.view.state["regions"] if self.view.state else ()
        for region in regions:
            label = self.document.createElement("label")
            check = self.document.createElement("input")
            check.type = "checkbox"
            check.value = region["id"]
            check.checked = region["id"] in self.settings["regions"]
            label.appendChild(check)
            label.appendChild(self.document.createTextNode(" " + region["title"]))
            box.appendChild(label)

    def _on_panel_input(self, event):
        settings = dict(self.settings)
        rotate = self._input("overlay-rotate").value
        if rotate.isdigit() and int(rotate) <= ROTATE_MAX_SECONDS:
            settings["rotate"] = int(rotate)
        settings["regions"] = self._checked_regions()
        for element_id, flag in FLAG_INPUTS.items():
            settings[flag] = bool(self._input(element_id).checked)
        if settings == self.settings:
            return
        self.settings = settings
        self._save()
        self.apply()

    def _checked_regions(self):
        if not self._input("overlay-regions-list").checked:
            return []
        checks = self._input("overlay-region-list").querySelectorAll("input:checked")
        return [checks.item(index).value for index in range(checks.length)]

    def _input(self, element_id):
        return self.document.getElementById(element_id)

    # Storage

    def _load_saved(self):
        try:
            text = self.storage.getItem(STORAGE_KEY)
            return clean_saved(json.loads(text)) if text else {}
        except (self.storage_error, ValueError) as exc:  # blocked storage, bad JSON
            self.console.warn("ignored the saved overlay settings: " + str(exc))
            return {}

    def _save(self):
        try:
            self.storage.setItem(STORAGE_KEY, json.dumps(self.settings))
        except self.storage_error as exc:  # QuotaExceededError, or storage blocked
            self.console.warn("cannot save the overlay settings: " + str(exc))
