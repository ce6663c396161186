"""Hostile inputs for the end-to-end tests, grouped by what the system must do with them.

Each entry point (admin form, CLI, raw Redis) either rejects a value with an error that
names the field, or stores it cleaned and renders it as inert text.
"""

import json

# Link targets that must never become an href: every form browsers would still run.
UNSAFE_LINK_TARGETS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java&#x09;script:alert(1)",
    "java&#9;script:alert(1)",
    "jav&#x0A;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "%6Aavascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "//evil.example/x",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
]

# Info texts stored as typed (after control characters are dropped) and shown as text.
INFO_TEXTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "**<iframe src=javascript:alert(1)></iframe>**",
    '<a href="javascript:alert(1)">raw anchor</a>',
    "<style>body{display:none}</style> styled",
    "&lt;b&gt;not bold&lt;/b&gt; &amp; &#x3C;script&#x3E;",
    "{{7*7}} ${7*7} {% raw %} #{7*7}",
    "[<script>alert(1)</script>](https://example.com/label)",
    "[VOD](https://example.com/vod?a=1&b=2) and [bracket](http://example.com/b)",
    "[double](https://example.com/?q=&amp;lt;x&amp;gt;)",
    "***~~_deep_~~*** " + "**" * 40,
    "Winner: \u202egnp.exe\u202c \u2066isolate\u2069 \u061c",
    "zero\u200bwidth\u200djoiner\ufeff and\u2060word joiner",
    (
        "Z\u0351\u0352\u0357\u035b\u0346\u033e\u0314a\u0310\u0300\u0301\u0308l"
        "\u0320\u0324\u0330\u0329g\u0316\u0317\u0318o\u0354\u0355\u0356\u0359 text"
    ),
    (
        "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
        "\U0001f3f3\ufe0f\u200d\U0001f308 \U0001f468\U0001f3fd\u200d\U0001f4bb watch party"
    ),
    "nul\x00byte\x07bell\x1b[31mred",
    "W" * 300,
    "[long](https://example.com/" + "a" * 250 + ")",
] + [f"[click {index}]({target})" for index, target in enumerate(UNSAFE_LINK_TARGETS)]

# Stream URLs that every entry point must reject, naming the `url` field.
UNSAFE_STREAM_URLS = [
    target for target in UNSAFE_LINK_TARGETS if not target.startswith(("//", "https"))
] + [
    "https://twitch.tv/" + "a" * 2000,
    "https://user:secret@twitch.tv/x",
    'https://twitch.tv/x"onmouseover="alert(1)',
    "https://twitch.tv/<script>",
    "http://<script>alert(1)</script>/",
    "ftp://twitch.tv/x",
    "file:///etc/passwd",
]

# Stream form values the admin form and the CLI must reject: (field, value, field
# named in the error message).
REJECTED_STREAM_FIELDS = [
    *[("url", url, "stream.url") for url in UNSAFE_STREAM_URLS],
    ("name", "", "stream.name"),
    ("name", "\u200b\u200c\u200d\u2060\ufeff", "stream.name"),
    ("name", "\u202e\u2066\u2069", "stream.name"),
    ("name", "\u3164\u3164", "stream.name"),
    ("name", "N" * 65, "stream.name"),
    ("name", "Z" + "\u0351" * 70, "stream.name"),
    ("info", "i" * 301, "stream.info"),
    ("info", "[x](https://example.com/" + "a" * 2000 + ")", "stream.info"),
    ("language", "l" * 33, "stream.language"),
    ("tags", "a,b,c,d,e,f,g", "stream.tags"),
    ("tags", "!!!", "stream.tags[0]"),
    ("tags", "t" * 25, "stream.tags[0]"),
]

# Score values for the form's score_0 field: (value, field named in the error).
REJECTED_SCORES = [
    ("-1", "stream.score[0]"),
    ("100", "stream.score[0]"),
    ("1e3", "score_0"),
    ("NaN", "score_0"),
    ("", "score_0"),
    ("99999999999999999999999", "stream.score[0]"),
]

# Names stored cleaned: (typed, stored). Bidi controls and control characters go.
STORED_NAMES = [
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ('"><svg onload=alert(1)>', '"><svg onload=alert(1)>'),
    ("Caster\u202eevil\u202c", "Casterevil"),
    ("\u2067Right\u2069 to left", "Right to left"),
    ("tab\tand\nnewline", "tab and newline"),
    (
        "\U0001f469\u200d\U0001f469\u200d\U0001f467 crew",
        "\U0001f469\u200d\U0001f469\u200d\U0001f467 crew",
    ),
]

# Region and site form values that must be rejected: (values, field named).
REJECTED_REGION_FIELDS = [
    ({"id": "<script>", "title": "X"}, "region.id"),
    ({"id": "Europe", "title": "X"}, "region.id"),
    ({"id": "a" * 41, "title": "X"}, "region.id"),
    ({"id": "javascript:alert(1)", "title": "X"}, "region.id"),
    ({"id": "hostile", "title": "\u200b"}, "region.title"),
    ({"id": "hostile", "title": "T" * 65}, "region.title"),
    (
        {"id": "hostile", "title": "X", "no_streams_text": "n" * 301},
        "region.no_streams_text",
    ),
    ({"id": "hostile", "title": "X", "order": "-1"}, "region.order"),
    ({"id": "hostile", "title": "X", "order": "1000"}, "region.order"),
]

REJECTED_SITE_FIELDS = [
    ({"title": ""}, "site.title"),
    ({"title": "\u202e\u200b"}, "site.title"),
    ({"title": "T" * 81}, "site.title"),
    ({"title": "ok", "event": "e" * 121}, "site.event"),
    ({"title": "ok", "announcement": "a" * 501}, "site.announcement"),
]

# Long unbroken text in every field the page shows, at each field's maximum length.
LONG_WORDS = {
    "site_title": "T" * 80,
    "event": "E" * 120,
    "announcement": "A" * 500,
    "region_title": "R" * 64,
    "no_streams_text": "N" * 300,
    "stream_name": "W" * 64,
    "language": "L" * 32,
}


def import_files():
    """Return snapshot files that `qualifiers import` must reject: name -> (bytes, error).

    The error is a substring the one-line message must contain.
    """
    good_stream = {"name": "Ok", "url": "https://twitch.tv/ok"}

    def state(streams, **site):
        region = {"id": "europe", "title": "Europe", "streams": streams}
        return {"site": {"title": "T", **site}, "regions": [region]}

    def dump(obj):
        return json.dumps(obj).encode()

    big_info = "i" * 290
    oversize = {
        "site": {"title": "Big"},
        "regions": [
            {
                "id": f"region-{region}",
                "title": f"Region {region}",
                "streams": [
                    {
                        "name": f"c{stream}",
                        "url": f"https://twitch.tv/c{stream}",
                        "info": big_info,
                    }
                    for stream in range(60)
                ],
            }
            for region in range(6)
        ],
    }
    return {
        "not-json": (b"{'site': nope", "invalid JSON"),
        "truncated": (dump(state([good_stream]))[:-5], "invalid JSON"),
        "not-utf8": (b'{"site": {"title": "\xff\xfe"}}', "not UTF-8"),
        "deeply-nested": (b"[" * 100_000 + b"]" * 100_000, "nested"),
        "list": (dump([1, 2, 3]), "invalid state"),
        "regions-object": (
            dump({"site": {"title": "T"}, "regions": {}}),
            "invalid regions",
        ),
        "missing-url": (dump(state([{"name": "NoUrl"}])), "stream"),
        "javascript-url": (
            dump(state([{"name": "Js", "url": "javascript:alert(1)"}])),
            "url",
        ),
        "score-text": (dump(state([{**good_stream, "score": ["1", 0]}])), "score"),
        "score-bool": (dump(state([{**good_stream, "score": [True, 0]}])), "score"),
        "unknown-field": (dump(state([{**good_stream, "onclick": "x"}])), "onclick"),
        "site-missing": (dump({"regions": []}), "site"),
        "title-blank": (dump(state([], title="\u200b\u202e")), "site.title"),
        "oversize": (dump(oversize), "bytes of JSON"),
    }
