"""The page's pure modules (fragment, filters, overlay options, tabs, announcer text)
give the same results under MicroPython as the CPython tests expect, and main.py
installs a module bundle as build.py writes it."""

import os

import announce
import filters
import main
import overlay
import selection
import tabs

region, params = selection.parse_fragment("#cis&language=%D0%A0%D1%83%D1%81")
assert (region, params) == ("cis", {"language": "Рус"}), params
fragment = selection.format_fragment("eu", {"language": "a&b=c#d Рус", "tag": None})
assert selection.parse_fragment(fragment) == ("eu", {"language": "a&b=c#d Рус"}), (
    fragment
)
assert selection.percent_decode("%zz%4") == "%zz%4"

warnings = []
settings = overlay.settings_from_query(
    "?rotate=15&regions=eu,cn&hide=header&compact&transparent=0&rotate=x",
    warnings.append,
)
assert settings["rotate"] == 15, settings
assert settings["hide_header"] and settings["compact"], settings
assert not settings["transparent"], settings
assert len(warnings) == 1, warnings

keys = overlay.KeySequence("obs")
assert [keys.push(key) for key in "oBs"] == [False, False, True]
assert tabs.next_index("ArrowLeft", 0, 3) == 2
assert announce.merge(["a", "b", "c", "d"]) == "b. c. d. 1 more changes"
pending = announce.PendingItems()
pending.add(("eu", "a"), "A 1")
pending.add(None, "paused")
pending.add(("eu", "b"), "B 1")
pending.add(("na", "a"), "NA A 1")
pending.add(("eu", "a"), "A 2")
pending.retain({("eu", "a"), ("eu", "c")})
assert pending
assert pending.take() == ["paused", "A 2"]
assert not pending

regions = [
    {"streams": [{"language": "B", "tags": ["x"]}, {"language": "a", "tags": []}]}
]
assert filters.languages(regions) == ["a", "B"]
assert filters.filter_regions(regions, {"language": "b", "tag": "x"})[0]["streams"]


os.mkdir("/bundle-check")
os.chdir("/bundle-check")
body = b"abcde"


def write(path, start, end):
    with open(path, "wb") as module:
        module.write(body[start:end])


main.install('[["a.mpy",3],["model/b.mpy",2],["model/c.mpy",0]]', write)
for path, expected in (("a.mpy", b"abc"), ("model/b.mpy", b"de"), ("model/c.mpy", b"")):
    with open(path, "rb") as module:
        assert module.read() == expected, path
os.chdir("/")

print("all site checks passed")
