"""Overlay mode for stream overlays (OBS browser sources).

Options: rotate through the regions every N seconds (all regions with streams, or a
given list), hide the header or the footer, compact cards, a transparent background.
URL query parameters set them (`?rotate=15&regions=europe,cis&hide=header,footer
&compact&transparent`), and the keys O, B, S typed in sequence open a settings panel
whose changes are kept in localStorage. A query parameter beats the saved setting,
which beats the default.
"""

import time

from selection import percent_decode

STORAGE_KEY = "qh-overlay"
ROTATE_MAX_SECONDS = 3600
HOTKEY = "obs"
HOTKEY_TIMEOUT_SECONDS = 2
FLAGS = ("hide_header", "hide_footer", "compact", "transparent")
HIDE_PARTS = ("header", "footer")
TRUE_WORDS = ("", "1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# Each flag is a class on <html>; site.css does the rest.
FLAG_CLASSES = {
    "hide_header": "overlay-hide-header",
    "hide_footer": "overlay-hide-footer",
    "compact": "overlay-compact",
    "transparent": "overlay-transparent",
}
TYPING_TAGS = ("INPUT", "SELECT", "TEXTAREA")


def default_settings():
    return {
        "rotate": 0,
        "regions": [],
        "hide_header": False,
        "hide_footer": False,
        "compact": False,
        "transparent": False,
    }


class SettingError(ValueError):
    """An overlay option with a value outside what it allows."""

    def __init__(self, name, value, allowed):
        super().__init__(
            "invalid overlay option " + name + "=" + repr(value) + ": " + allowed
        )


def parse_rotate(value):
    try:
        seconds = int(value)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= ROTATE_MAX_SECONDS:
        raise SettingError(
            "rotate", value, "seconds from 0 (off) to " + str(ROTATE_MAX_SECONDS)
        )
    return seconds


def parse_flag(name, value):
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, value, "1 or 0 (or the bare name for 1)")


def parse_regions(value):
    return [region for region in value.split(",") if region]


def parse_hide(value):
    parts = parse_regions(value)
    for part in parts:
        if part not in HIDE_PARTS:
            raise SettingError(
                "hide", value, "a comma-separated list of header, footer"
            )
    return {"hide_header": "header" in parts, "hide_footer": "footer" in parts}


def query_pairs(query):
    """Return the decoded (name, value) pairs of a query string such as `?a=1&b`."""
    pairs = []
    for part in query.lstrip("?").split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append(
                (percent_decode(name), percent_decode(value.replace("+", " ")))
            )
    return pairs


def settings_from_query(query, warn):
    """Return the overlay settings a query string sets; `warn(text)` gets each bad one."""
    settings = {}
    for name, value in query_pairs(query):
        try:
            settings.update(_parse_pair(name, value))
        except SettingError as exc:
            warn(str(exc))
    return settings


def _parse_pair(name, value):
    if name == "rotate":
        return {"rotate": parse_rotate(value)}
    if name == "regions":
        return {"regions": parse_regions(value)}
    if name == "hide":
        return parse_hide(value)
    if name in FLAGS:
        return {name: parse_flag(name, value)}
    return {}  # other parameters belong to other parts of the page


def clean_saved(saved):
    """Return the valid settings from a saved JSON object, dropping the rest."""
    if not isinstance(saved, dict):
        return {}
    clean = {}
    rotate = saved.get("rotate")
    if isinstance(rotate, int) and 0 <= rotate <= ROTATE_MAX_SECONDS:
        clean["rotate"] = rotate
    regions = saved.get("regions")
    if isinstance(regions, list) and all(isinstance(item, str) for item in regions):
        clean["regions"] = regions
    for flag in FLAGS:
        if isinstance(saved.get(flag), bool):
            clean[flag] = saved[flag]
    return clean


def merge_settings(saved, from_query):
    settings = default_settings()
    settings.update(saved)
    settings.update(from_query)
    return settings


def rotation_order(settings, region_ids, with_streams):
    """Return the regions to rotate through: the listed ones that exist, else those with streams."""
    if settings["regions"]:
        return [region for region in region_ids if region in settings["regions"]]
    return list(with_streams)


def next_region(order, current):
    if not order:
        return None
    if current not in order:
        return order[0]
    return order[(order.index(current) + 1) % len(order)]


class KeySequence:
    """Recognises keys typed in sequence, such as O then B then S."""

    def __init__(self, keys, timeout=HOTKEY_TIMEOUT_SECONDS, clock=time.time):
        self.keys = keys
        self.timeout = timeout
        self.clock = clock
        self.typed = ""
        self.last_at = 0

    def push(self, key):
        """Record one key; return True when it completes the sequence."""
        now = self.clock()
        if now - self.last_at > self.timeout:
            self.typed = ""
        self.last_at = now
        self.typed = (self.typed + key.lower())[-len(self.keys) :]
        if self.typed == self.keys:
            self.typed = ""
            return True
        return False
