"""Checks of the model that run unchanged under CPython and MicroPython.

Plain asserts and no pytest, because MicroPython runs this file as a script. Each
check prints its name first, so a failure shows which one broke.
"""

from model import delta, edits, markdown, messages, replica, text, urls
from model.errors import ValidationError


def base_state():
    return edits.upsert_region(
        edits.empty_state("Qualifier Hub"),
        {"id": "europe", "title": "Europe", "order": 2, "no_streams_text": "None yet."},
    )


def raises_validation(function, *args):
    try:
        function(*args)
    except ValidationError as exc:
        return exc
    raise AssertionError("no ValidationError from " + repr(args))


def check_validation():
    state = edits.add_stream(
        base_state(), "europe", {"name": "MangoEcho_gg", "url": "youtube.com/@mango"}
    )
    stream = state["regions"][0]["streams"][0]
    assert stream["id"] == "mangoecho-gg", stream
    assert stream["url"] == "https://www.youtube.com/@mango", stream
    assert stream["score"] == [0, 0], stream

    error = raises_validation(
        edits.add_stream,
        base_state(),
        "europe",
        {"name": "x", "url": "javascript:alert(1)"},
    )
    assert error.field == "stream.url", error.field
    assert "javascript:alert(1)" in str(error), str(error)
    assert "http" in error.allowed, error.allowed

    error = raises_validation(
        edits.add_stream,
        base_state(),
        "europe",
        {"name": "x", "url": "twitch.tv/x", "score": [1]},
    )
    assert error.field == "stream.score", error.field


def check_text():
    cleaned = text.clean_text("  A\u202eB\tC  ", "name", 20)
    assert cleaned == "AB C", repr(cleaned)
    assert text.slugify("Mango Echo_GG!") == "mango-echo-gg"
    raises_validation(text.clean_text, " \u200b ", "name", 20)
    for raw, expected in (
        (" Plain ASCII ~!", " Plain ASCII ~!"),
        ("a\x00b\x1fc\x7fd", "abcd"),
        ("line\nbreak\rtab\t", "line break tab "),
        ("\x85C1\x9f", "C1"),
        ("Рус \u202eкий\u2069", "Рус кий"),
        ("", ""),
    ):
        cleaned = text.strip_controls(raw)
        assert cleaned == expected, repr(raw) + " gave " + repr(cleaned)


def check_markdown():
    tokens = markdown.parse("**Bo3** *live* ~~late~~ [bracket](https://example.com/b)")
    kinds = [token["type"] for token in tokens]
    assert kinds == ["bold", "text", "italic", "text", "strike", "text", "link"], kinds
    assert tokens[0]["children"] == [{"type": "text", "text": "Bo3"}], tokens[0]
    assert tokens[6]["href"] == "https://example.com/b", tokens[6]

    for hostile in (
        "[x](javascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html,hi)",
    ):
        tokens = markdown.parse(hostile)
        assert [token["type"] for token in tokens] == ["text"], (hostile, tokens)
        assert tokens[0]["text"] == hostile, tokens

    assert markdown.plain_text(markdown.parse("a **b** c")) == "a b c"
    assert markdown.parse("snake_case_name") == [
        {"type": "text", "text": "snake_case_name"}
    ]


def check_urls():
    assert urls.normalise_url("www.twitch.tv/Name") == "https://twitch.tv/Name"
    assert urls.normalise_url("go.twitch.tv/x") == "https://twitch.tv/x"
    assert urls.normalise_url("http://kick.com/") == "http://kick.com"
    assert urls.display_url("https://www.youtube.com/@a/live") == "youtube.com/@a/live"
    for bad in (
        "javascript:alert(1)",
        "https://user@twitch.tv/x",
        "ftp://x.y/z",
        "no-dot",
    ):
        raises_validation(urls.normalise_url, bad)


def check_delta_round_trip():
    old = base_state()
    new = edits.add_stream(old, "europe", {"name": "A", "url": "twitch.tv/a"})
    new = edits.add_stream(new, "europe", {"name": "B", "url": "twitch.tv/b"})
    new = edits.move_stream(new, "europe", "b", -1)
    new = edits.upsert_region(new, {"id": "cis", "title": "CIS", "order": 1})
    new = edits.set_site(new, {"announcement": "Day 2"})
    new["version"] = old["version"] + 5

    change = delta.make_delta(old, new)
    assert change["from"] == old["version"], change
    assert change["to"] == new["version"], change
    assert delta.apply(old, change) == new

    removed = edits.remove_region(edits.remove_stream(new, "europe", "a"), "cis")
    removed["version"] = new["version"] + 1
    assert delta.apply(new, delta.make_delta(new, removed)) == removed


def check_messages():
    state = base_state()
    state["version"] = 7
    text_form = messages.encode(messages.snapshot_message(state))
    decoded = messages.decode(text_form)
    assert decoded["type"] == "snapshot", decoded
    assert decoded["version"] == 7, decoded
    assert decoded["state"]["regions"][0]["id"] == "europe", decoded

    for malformed in ("{", "[]", '{"type": "delta", "from": 3, "to": 2, "ops": []}'):
        raises_validation(messages.decode, malformed)


def check_replica():
    first = base_state()
    first["version"] = 10
    second = edits.add_stream(first, "europe", {"name": "A", "url": "twitch.tv/a"})
    second["version"] = 11
    third = edits.update_stream(second, "europe", "a", {"score": [1, 0]})
    third["version"] = 12

    mirror = replica.Replica()
    step = messages.delta_message(delta.make_delta(first, second))
    jump = messages.delta_message(delta.make_delta(second, third))
    assert mirror.on_message(step) == "gap"
    assert mirror.on_message(messages.snapshot_message(first)) == "snapshot"
    assert mirror.on_message(jump) == "gap"
    assert mirror.version == 10
    assert mirror.on_message(step) == "applied"
    assert mirror.on_message(step) == "duplicate"
    assert mirror.on_message(jump) == "applied"
    assert mirror.state == third
    assert mirror.on_message(messages.snapshot_message(first)) == "stale"
    assert mirror.version == 12


CHECKS = (
    check_validation,
    check_text,
    check_markdown,
    check_urls,
    check_delta_round_trip,
    check_messages,
    check_replica,
)

for check in CHECKS:
    print("check", check.__name__)
    check()
print("all", len(CHECKS), "checks passed")
