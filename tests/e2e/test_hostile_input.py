"""Hostile input through every entry point of the assembled system.

The admin form (real HTTP, logged in, with CSRF), the `qualifiers` command and raw
writes to Redis each get the corpus in hostile_corpus.py. A value is either rejected
with an error naming its field while nothing is stored, or stored cleaned and shown
as inert text. The bridge and the relay skip malformed Redis data, log it, and keep
serving the last good state.
"""

import html
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from e2e_support import (
    DEMO_STATE,
    WAIT_SECONDS,
    AdminSession,
    audit_markup,
    form_errors,
    wait_until,
)
from hostile_corpus import (
    INFO_TEXTS,
    LONG_WORDS,
    REJECTED_REGION_FIELDS,
    REJECTED_SCORES,
    REJECTED_SITE_FIELDS,
    REJECTED_STREAM_FIELDS,
    STORED_NAMES,
    UNSAFE_STREAM_URLS,
    import_files,
)

from model import edits
from model.errors import ValidationError
from model.limits import STREAM_INFO_MAX
from model.markdown import parse, plain_text
from model.messages import encode
from model.text import clean_text
from store import Store

ROOT = Path(__file__).resolve().parents[2]
STREAM_FORM = {
    "name": "Probe",
    "url": "https://twitch.tv/probe",
    "info": "",
    "score_0": "0",
    "score_1": "0",
    "language": "",
    "tags": "",
}
REGION_FORM = {"id": "hostile", "title": "Hostile", "order": "0", "no_streams_text": ""}
SITE_FORM = {"title": "Qualifier Hub", "event": "", "announcement": ""}
ADMIN_SCRIPTS = ["/static/preview.js"]
DEEP_JSON = "[" * 100_000 + "]" * 100_000
CLI_WORKERS = 4


def europe(state):
    return next(region for region in state["regions"] if region["id"] == "europe")


def assert_rejected(response, named, before, fingerprint, case):
    errors = form_errors(response.text)
    assert response.status_code == 400, case
    assert any(error.startswith(f"invalid {named} ") for error in errors), (
        case,
        errors,
    )
    assert fingerprint() == before, case


# The admin form


def test_admin_stream_form_rejects_hostile_values(admin, fingerprint):
    fields = admin.form_fields("/regions/europe")
    before = fingerprint()

    for field, value, named in REJECTED_STREAM_FIELDS:
        form = {**fields, **STREAM_FORM, field: value}
        response = admin.http.post("/regions/europe/streams", data=form)

        assert_rejected(response, named, before, fingerprint, (field, value))


def test_admin_stream_edit_rejects_unsafe_urls(admin, fingerprint, demo_state):
    stream = europe(demo_state)["streams"][0]
    fields = admin.form_fields("/regions/europe")
    before = fingerprint()

    for url in UNSAFE_STREAM_URLS:
        form = {**fields, **STREAM_FORM, "name": stream["name"], "url": url}
        path = f"/regions/europe/streams/{stream['id']}"
        response = admin.http.post(path, data=form)

        assert_rejected(response, "stream.url", before, fingerprint, url)


def test_admin_score_rejects_non_numbers(admin, fingerprint):
    fields = admin.form_fields("/regions/europe")
    before = fingerprint()

    for value, named in REJECTED_SCORES:
        form = {**fields, **STREAM_FORM, "score_0": value}
        response = admin.http.post("/regions/europe/streams", data=form)

        assert_rejected(response, named, before, fingerprint, value)


def test_admin_region_and_site_forms_reject(admin, fingerprint):
    fields = admin.form_fields("/")
    before = fingerprint()

    for values, named in REJECTED_REGION_FIELDS:
        response = admin.http.post("/regions", data={**fields, **REGION_FORM, **values})
        assert_rejected(response, named, before, fingerprint, values)
    for values, named in REJECTED_SITE_FIELDS:
        response = admin.http.post("/site", data={**fields, **SITE_FORM, **values})
        assert_rejected(response, named, before, fingerprint, values)


def test_admin_forms_reject_missing_and_wrong_types(admin, fingerprint):
    fields = admin.form_fields("/regions/europe")
    without_score = {k: v for k, v in STREAM_FORM.items() if k != "score_1"}
    cases = [
        ({**fields}, "score_0"),
        ({"csrf_token": fields["csrf_token"], **STREAM_FORM}, "base_version"),
        ({**fields, **STREAM_FORM, "base_version": "-5"}, "base_version"),
        ({**fields, **without_score}, "score_1"),
    ]
    before = fingerprint()

    for form, named in cases:
        response = admin.http.post("/regions/europe/streams", data=form)
        assert_rejected(response, named, before, fingerprint, form)
    # A file where text belongs: the form parser hands over an upload object.
    upload = admin.http.post(
        "/regions/europe/streams",
        data={**fields, **STREAM_FORM, "name": None},
        files={"name": ("name.txt", b"<script>alert(1)</script>", "text/html")},
    )
    assert_rejected(upload, "stream.name", before, fingerprint, "upload")


def test_admin_accepts_names_up_to_the_limit(admin, store):
    # Each name is valid; the ids derived from them must be valid too.
    names = ["W" * 64, "W" * 63 + "x", "a" * 47 + " bcd", "a" * 47 + " bce"]
    for name in names:
        form = {**STREAM_FORM, "name": name}
        response = admin.submit("/regions/europe", "/regions/europe/streams", form)
        assert response.status_code == 303, (name, form_errors(response.text))

    streams = europe(store.read())["streams"][-len(names) :]
    ids = [stream["id"] for stream in streams]
    assert [stream["name"] for stream in streams] == names
    assert len(set(ids)) == len(names)
    assert all(
        len(stream_id) <= 48 and not stream_id.endswith("-") for stream_id in ids
    )


def test_admin_stores_hostile_text_inertly(admin, store):
    typed_infos = INFO_TEXTS[: len(STORED_NAMES)]
    for (typed, stored), info in zip(STORED_NAMES, typed_infos, strict=True):
        form = {**STREAM_FORM, "name": typed, "info": info, "language": typed[:32]}
        response = admin.submit("/regions/europe", "/regions/europe/streams", form)
        assert response.status_code == 303, (typed, form_errors(response.text))

        saved = europe(store.read())["streams"][-1]
        assert saved["name"] == stored
        assert saved["info"] == clean_text(info, "info", STREAM_INFO_MAX, False)

    for path in ("/", "/regions/europe", "/audit"):
        findings, scripts = audit_markup(admin.http.get(path).text)
        assert findings == [], path
        assert scripts == ADMIN_SCRIPTS, path


def test_admin_site_text_is_stored_inertly(admin, store):
    values = {
        "title": "<script>alert(1)</script>\u202e",
        "event": '"><svg onload=alert(1)>',
        "announcement": "[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    }
    response = admin.submit("/", "/site", values)

    assert response.status_code == 303, form_errors(response.text)
    assert store.read()["site"]["title"] == "<script>alert(1)</script>"
    findings, scripts = audit_markup(admin.http.get("/").text)
    assert findings == []
    assert scripts == ADMIN_SCRIPTS


# The CLI


def run_all(qualifiers, commands):
    with ThreadPoolExecutor(CLI_WORKERS) as pool:
        return list(pool.map(lambda args: qualifiers(*args), commands))


def assert_cli_error(result, expected, case):
    """Check for exit status 1 and one error line; `replay` also draws a progress bar."""
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert result.returncode == 1, (case, result.stderr)
    assert "Traceback" not in result.stderr, case
    assert len(errors) == 1, (case, result.stderr)
    assert errors[0].startswith("qualifiers: error: "), (case, errors)
    assert expected in errors[0], (case, errors)


def test_cli_stream_commands_reject(qualifiers, fingerprint, demo_state):
    existing = europe(demo_state)["streams"][0]["name"]
    add = ["stream", "add", "europe", "Probe", "--url"]
    cases = [
        ([*add, "javascript:alert(1)"], "invalid stream.url 'javascript:alert(1)'"),
        ([*add, "&#106;avascript:alert(1)"], "invalid stream.url"),
        ([*add, " JaVaScRiPt:alert(1)"], "invalid stream.url"),
        ([*add, "https://twitch.tv/" + "a" * 2000], "at most 300 characters"),
        (
            ["stream", "add", "europe", "\u202e\u200b", "--url", "twitch.tv/x"],
            "invalid stream.name",
        ),
        ([*add, "twitch.tv/x", "--info", "i" * 301], "invalid stream.info"),
        ([*add, "twitch.tv/x", "--score", "1", "x"], "invalid score[1] 'x'"),
        ([*add, "twitch.tv/x", "--tags", "a,b,c,d,e,f,g"], "invalid stream.tags"),
        (
            ["stream", "update", "europe", existing, "--url", "vbscript:msgbox(1)"],
            "invalid stream.url",
        ),
        (
            ["stream", "add", "nowhere", "Probe", "--url", "twitch.tv/x"],
            "region 'nowhere' not found",
        ),
    ]
    before = fingerprint()

    results = run_all(qualifiers, [args for args, _ in cases])

    for (args, expected), result in zip(cases, results, strict=True):
        assert_cli_error(result, expected, args[:4])
    assert fingerprint() == before


def test_cli_import_rejects_hostile_files(qualifiers, fingerprint, tmp_path):
    files = import_files()
    for name, (content, _) in files.items():
        (tmp_path / f"{name}.json").write_bytes(content)
    edits_files = {
        "edits-not-utf8": (b'{"t": 0, "region": "\xff"}\n', "not UTF-8"),
        "edits-deep": (DEEP_JSON.encode() + b"\n", "nested too deeply"),
        "edits-javascript": (
            json.dumps(
                {
                    "t": 0,
                    "region": "europe",
                    "action": "add",
                    "stream": {"name": "Js", "url": "javascript:alert(1)"},
                }
            ).encode(),
            "invalid stream.url",
        ),
    }
    for name, (content, _) in edits_files.items():
        (tmp_path / f"{name}.jsonl").write_bytes(content)
    commands = [["import", str(tmp_path / f"{name}.json")] for name in files]
    commands += [
        ["replay", str(tmp_path / f"{name}.jsonl"), "--speed", "1000"]
        for name in edits_files
    ]
    expected = [error for _, error in files.values()]
    expected += [error for _, error in edits_files.values()]
    before = fingerprint()

    results = run_all(qualifiers, commands)

    for command, error, result in zip(commands, expected, results, strict=True):
        assert_cli_error(result, error, command[1])
    assert fingerprint() == before


def test_cli_stores_hostile_text_inertly(qualifiers, store):
    result = qualifiers(
        "stream",
        "add",
        "europe",
        "\u202e<img src=x onerror=alert(1)>",
        "--url",
        "twitch.tv/inert",
        "--info",
        "<script>alert(1)</script>\x1b[2J",
        "--language",
        '"><svg onload=alert(1)>',
    )

    assert result.returncode == 0, result.stderr
    saved = europe(store.read())["streams"][-1]
    assert saved["name"] == "<img src=x onerror=alert(1)>"
    assert saved["info"] == "<script>alert(1)</script>[2J"
    assert saved["url"] == "https://twitch.tv/inert"


def test_cli_import_derives_valid_ids(qualifiers, store, demo_state, tmp_path):
    streams = [
        {"name": "x" * 50 + suffix, "url": f"https://twitch.tv/{suffix}"}
        for suffix in ("a", "b", "c")
    ]
    streams.append({"name": "y" * 47 + " z", "url": "https://twitch.tv/y"})
    snapshot = {
        "site": {"title": "Ids"},
        "regions": [{"id": "europe", "title": "Europe", "streams": streams}],
    }
    path = tmp_path / "long-names.json"
    path.write_text(json.dumps(snapshot))

    result = qualifiers("import", str(path))

    assert result.returncode == 0, result.stderr
    ids = [stream["id"] for stream in europe(store.read())["streams"]]
    assert len(set(ids)) == len(streams)
    assert all(
        len(stream_id) <= 48 and not stream_id.endswith("-") for stream_id in ids
    )


def fill_to_limit(state):
    """Add long streams until one more would break the state's byte limit.

    Return the full state and the fields of the stream that did not fit, with its region.
    """
    for number in range(8):
        region_id = f"full-{number}"
        state = edits.upsert_region(state, {"id": region_id, "title": region_id})
        for index in range(60):
            stream = {
                "name": f"caster {number}-{index}",
                "url": f"https://twitch.tv/c{number}x{index}",
                "info": "i" * 290,
            }
            try:
                state = edits.add_stream(state, region_id, stream)
            except ValidationError as exc:
                assert exc.field == "state", exc
                return state, region_id, stream
    raise AssertionError("the state never reached its byte limit")


def test_oversize_state_is_rejected_everywhere(admin, qualifiers, store, fingerprint):
    full, region_id, stream = fill_to_limit(store.read())
    store.replace(full, user="e2e-setup")
    page = f"/regions/{region_id}"
    before = fingerprint()

    form = admin.submit(page, f"{page}/streams", {**STREAM_FORM, **stream})
    cli = qualifiers(
        "stream",
        "add",
        region_id,
        stream["name"],
        "--url",
        stream["url"],
        "--info",
        stream["info"],
    )

    assert_rejected(form, "state", before, fingerprint, "admin form")
    assert_cli_error(cli, "bytes of JSON", "cli")
    assert fingerprint() == before


# Raw writes to Redis


def assert_viewers_hold(viewers, state):
    for viewer in viewers:
        assert viewer.wait_for_state(state), (type(viewer).__name__, viewer.rejected)


def good_edit(store, text):
    return store.apply(
        lambda state: edits.set_site(state, {"announcement": text}),
        user="e2e",
        action="update-site",
    )


INVALID_STATE = "the stored state is invalid"
INVALID_VERSION = "the stored version"
# Raw values for the state and version keys: (key, value from the good state, the
# phrase every error names).
MALFORMED_KEYS = {
    "not json": ("qh:state", lambda state: "{not json", INVALID_STATE),
    "empty": ("qh:state", lambda state: "", INVALID_STATE),
    "list": ("qh:state", lambda state: "[]", INVALID_STATE),
    "deeply nested": ("qh:state", lambda state: DEEP_JSON, INVALID_STATE),
    "wrong types": (
        "qh:state",
        lambda state: json.dumps({**state, "site": "x", "regions": {}}),
        INVALID_STATE,
    ),
    "missing site": (
        "qh:state",
        lambda state: json.dumps({"version": state["version"]}),
        INVALID_STATE,
    ),
    "javascript url": (
        "qh:state",
        lambda state: json.dumps(
            {
                **state,
                "regions": [
                    {
                        "id": "x",
                        "title": "X",
                        "streams": [
                            {"id": "x", "name": "x", "url": "javascript:alert(1)"}
                        ],
                    }
                ],
            }
        ),
        INVALID_STATE,
    ),
    "version mismatch": (
        "qh:state",
        lambda state: json.dumps({**state, "version": 10**6}),
        "differs from the state's 1000000",
    ),
    "version not a number": ("qh:version", lambda state: "abc", INVALID_VERSION),
    "version negative": ("qh:version", lambda state: "-1", INVALID_VERSION),
    "version fraction": ("qh:version", lambda state: "1.5", INVALID_VERSION),
    "version empty": ("qh:version", lambda state: "", INVALID_VERSION),
}


# The command starts a new Python each time, so only some cases run it.
CLI_CASES = ("not json", "deeply nested", "version mismatch", "version not a number")


def test_malformed_state_is_refused_everywhere(
    local_stack,
    admin,
    qualifiers,
    raw_redis,
    store,
    fingerprint,
    demo_state,
    mqtt_viewer,
    sse_viewer,
):
    assert_viewers_hold([mqtt_viewer, sse_viewer], demo_state)
    gateway = AdminSession(local_stack.site_url)
    fields = admin.form_fields("/regions/europe")
    good = {"qh:state": encode(demo_state), "qh:version": demo_state["version"]}

    for case, (key, make_raw, message) in MALFORMED_KEYS.items():
        raw_redis.set(key, make_raw(demo_state))
        before = fingerprint()

        page = admin.http.get("/")
        form = admin.http.post(
            "/regions/europe/streams", data={**fields, **STREAM_FORM}
        )
        bootstrap = gateway.http.get("/api/bootstrap")

        assert page.status_code == 503, case
        assert message in html.unescape(page.text), case
        assert form.status_code == 503, case
        assert "Traceback" not in page.text + form.text, case
        assert bootstrap.status_code == 500, case
        assert bootstrap.json()["error"] == "state_invalid", case
        if case in CLI_CASES:
            cli = qualifiers("stream", "add", "europe", "Probe", "--url", "twitch.tv/x")
            assert_cli_error(cli, message, case)
        assert fingerprint() == before, case
        raw_redis.mset(good)
    gateway.close()

    # The viewers kept the last good state, and edits flow again.
    assert mqtt_viewer.state == demo_state
    assert sse_viewer.state == demo_state
    assert_viewers_hold([mqtt_viewer, sse_viewer], good_edit(store, "repaired"))


def feed_entries(version):
    """Malformed change feed entries, as (entry id, fields), between two commits."""
    delta = {"from": version, "to": version + 1}
    return [
        ("not json", {**delta, "delta": "{not json"}),
        ("missing delta", dict(delta)),
        ("wrong types", {"from": "x", "to": "y", "delta": "{}"}),
        ("ops not a list", {**delta, "delta": json.dumps({**delta, "ops": {}})}),
        ("null", {**delta, "delta": "null"}),
        (
            "mismatched versions",
            {**delta, "delta": json.dumps({"from": 0, "to": 10**6, "ops": []})},
        ),
    ]


def test_malformed_feed_entries_are_skipped(
    local_stack, raw_redis, store, demo_state, mqtt_viewer, sse_viewer
):
    assert_viewers_hold([mqtt_viewer, sse_viewer], demo_state)
    version = demo_state["version"]
    entries = feed_entries(version)
    for sequence, (_, fields) in enumerate(entries, start=1):
        raw_redis.xadd("qh:changes", fields, id=f"{version}-{sequence}")

    edited = good_edit(store, "after malformed feed entries")

    assert_viewers_hold([mqtt_viewer, sse_viewer], edited)
    assert mqtt_viewer.rejected == []
    bridge = local_stack.services["bridge"]
    assert bridge.running
    log = bridge.log_text()
    for sequence, (case, _) in enumerate(entries, start=1):
        assert f"change feed entry {version}-{sequence} is malformed" in log, case


# Long enough for the bridge to publish the next edit at its rate limit.
PUBLISH_WAIT_SECONDS = 5.0


@pytest.fixture
def heal_bridge(raw_redis):
    """Drop the bridge's consumer group after the test, so it resyncs from the state.

    A bridge that applied a forged entry keeps it in the state it publishes until then;
    restart_dead_services restarts a bridge the entry killed.
    """
    yield
    raw_redis.xgroup_destroy("qh:changes", "bridge")


@pytest.mark.parametrize(
    "ops",
    [
        [
            [
                "stream",
                "europe",
                {"id": "forged", "name": "x", "url": "javascript:alert(1)"},
            ]
        ],
        [["stream", "europe", {"id": "forged"}]],
        [["site", "not a site"]],
        [["region-", 7]],
    ],
    ids=["javascript-url", "missing-fields", "wrong-type", "wrong-id-type"],
)
def test_feed_entry_with_invalid_ops_is_skipped(
    raw_redis, store, demo_state, mqtt_viewer, heal_bridge, ops
):
    assert_viewers_hold([mqtt_viewer], demo_state)
    version = demo_state["version"]
    delta = {"from": version, "to": version + 1, "ops": ops}
    raw_redis.xadd(
        "qh:changes",
        {"from": version, "to": version + 1, "delta": json.dumps(delta)},
        id=f"{version}-1",
    )

    edited = good_edit(store, "after an entry with invalid operations")

    assert mqtt_viewer.wait_for_state(edited, PUBLISH_WAIT_SECONDS), (
        mqtt_viewer.rejected
    )
    assert mqtt_viewer.rejected == []


@pytest.mark.parametrize(
    "delta",
    [DEEP_JSON, b"\xff\xfe{}"],
    ids=["deeply-nested", "not-utf8"],
)
def test_undecodable_feed_entry_is_skipped(
    local_stack, raw_redis, store, demo_state, mqtt_viewer, heal_bridge, delta
):
    assert_viewers_hold([mqtt_viewer], demo_state)
    version = demo_state["version"]
    raw_redis.xadd(
        "qh:changes",
        {"from": version, "to": version + 1, "delta": delta},
        id=f"{version}-1",
    )

    edited = good_edit(store, "after an undecodable entry")

    assert mqtt_viewer.wait_for_state(edited, PUBLISH_WAIT_SECONDS)
    assert local_stack.services["bridge"].running


def notifications(version):
    delta = {"from": version, "to": version + 1}
    hostile_stream = {"id": "x", "name": "x", "url": "javascript:alert(1)"}
    return {
        "not json": "{not json",
        "not utf-8": b"\xff\xfe{}",
        "empty": "",
        "list": "[]",
        "null": "null",
        "deeply nested": DEEP_JSON,
        "wrong types": json.dumps({"from": "a", "to": "b", "ops": []}),
        "missing ops": json.dumps(delta),
        "ops not a list": json.dumps({**delta, "ops": "x"}),
        "bad stream": json.dumps({**delta, "ops": [["stream", "europe", {"name": 1}]]}),
        "javascript url": json.dumps(
            {**delta, "ops": [["stream", "europe", hostile_stream]]}
        ),
        "backwards": json.dumps({"from": version + 1, "to": version, "ops": []}),
    }


def test_malformed_notifications_are_refused(
    local_stack, raw_redis, store, demo_state, sse_viewer
):
    assert_viewers_hold([sse_viewer], demo_state)
    relay = local_stack.services["relay"]
    log_start = len(relay.log_text())
    cases = notifications(demo_state["version"])
    for payload in cases.values():
        raw_redis.publish("qh:notify", payload)

    edited = good_edit(store, "after malformed notifications")

    assert_viewers_hold([sse_viewer], edited)
    assert sse_viewer.rejected == []
    assert relay.running
    logged = wait_until(
        lambda: (
            relay.log_text()[log_start:].count("invalid notification on qh:notify")
            == len(cases)
        )
    )
    assert logged, relay.log_text()[log_start:]


def test_relay_survives_malformed_entry_in_catch_up(
    local_stack, raw_redis, store, demo_state, mqtt_viewer, sse_viewer
):
    # A garbage notification makes the relay read the change feed after its version,
    # where the next entry is malformed: it must fall back to a snapshot.
    assert_viewers_hold([mqtt_viewer, sse_viewer], demo_state)
    version = demo_state["version"]
    entry_id = f"{version + 1}-0"
    raw_redis.xadd(
        "qh:changes",
        {"from": version, "to": version + 1, "delta": "{not json"},
        id=entry_id,
    )
    raw_redis.publish("qh:notify", "garbage")
    relay = local_stack.services["relay"]
    assert wait_until(
        lambda: f"change feed entry {entry_id} is malformed" in relay.log_text()
    )

    edited = good_edit(store, "after a malformed entry in the feed")

    assert_viewers_hold([mqtt_viewer, sse_viewer], edited)
    assert relay.running


# The pages: admin preview and viewer page


def hostile_state(base):
    """The demo day plus a region whose streams carry every info text of the corpus."""
    state = edits.set_site(
        base,
        {
            "title": LONG_WORDS["site_title"],
            "event": LONG_WORDS["event"],
            "announcement": LONG_WORDS["announcement"],
        },
    )
    state = edits.upsert_region(
        state, {"id": "hostile", "title": "Hostile", "order": 0}
    )
    state = edits.upsert_region(
        state,
        {
            "id": "long-words",
            "title": LONG_WORDS["region_title"],
            "order": 0,
            "no_streams_text": LONG_WORDS["no_streams_text"],
        },
    )
    names = [stored for _, stored in STORED_NAMES]
    for index, info in enumerate(INFO_TEXTS):
        name = names[index] if index < len(names) else f"Hostile {index}"
        stream = {"name": name, "url": "https://twitch.tv/" + "x" * 282, "info": info}
        state = edits.add_stream(state, "hostile", stream)
    return edits.add_stream(
        state,
        "europe",
        {
            "name": LONG_WORDS["stream_name"],
            "url": "https://twitch.tv/" + "y" * 282,
            "language": LONG_WORDS["language"],
            "tags": ["t" * 24],
        },
    )


# Runs before the page's scripts: counts alert() calls instead of showing them.
ALERT_TRAP = (
    "window.__alerts = []; window.alert = (text) => window.__alerts.push(text);"
)

# A tree of an element's content: text, and elements with their tag and href.
READ_TREE = """(root) => {
  const walk = (node) => node.nodeType === Node.TEXT_NODE
    ? {text: node.textContent}
    : {tag: node.tagName.toLowerCase(), href: node.getAttribute("href"),
       children: [...node.childNodes].map(walk)};
  return [...root.childNodes].map(walk);
}"""
READ_CARDS = f"""() => Object.fromEntries(
  [...document.querySelectorAll("#region-hostile li.stream")].map((card) => {{
    const info = card.querySelector(".info");
    return [card.dataset.stream, info ? ({READ_TREE})(info) : []];
  }}))"""
READ_PREVIEW = f"""(html) => ({READ_TREE})(
  new DOMParser().parseFromString(html, "text/html").body.firstElementChild)"""
# Every attribute of every element the page shows, and the scripts it holds.
READ_MARKUP = """() => ({
  elements: [...document.querySelectorAll("header *, #tabs *, #regions *")].map(
    (node) => [node.tagName.toLowerCase(),
               [...node.attributes].map((a) => [a.name, a.value])]),
  scripts: [...document.scripts].map((s) => [s.type, s.src, s.id, s.text]),
})"""
# What sticks out at the right: the page's scroll width, and visible elements that
# overflow their own box or the viewport.
READ_OVERFLOW = """(selector) => {
  const page = document.scrollingElement;
  const label = (node) => `${node.tagName} ${node.id || node.className}`;
  const visible = [...document.querySelectorAll(selector)]
    .filter((node) => node.offsetParent !== null);
  return {
    page: [page.scrollWidth, page.clientWidth],
    overflowing: visible.filter((node) => node.scrollWidth > node.clientWidth)
      .map((node) => `${label(node)} ${node.scrollWidth}>${node.clientWidth}`),
    outside: visible
      .filter((node) => node.getBoundingClientRect().right > page.clientWidth + 0.5)
      .map((node) => `${label(node)} ends at ${node.getBoundingClientRect().right}`),
  };
}"""


def normalise(tree):
    """Merge neighbouring text nodes and drop empty ones, recursively."""
    merged = []
    for node in tree:
        if "text" in node:
            if merged and "text" in merged[-1]:
                merged[-1] = {"text": merged[-1]["text"] + node["text"]}
            elif node["text"]:
                merged.append(node)
        else:
            merged.append({**node, "children": normalise(node["children"])})
    return [node for node in merged if node.get("text", True)]


def trimmed(tree):
    """`tree` without the blank text at its two ends, which HTML does not show."""
    tree = normalise(tree)
    if tree and "text" in tree[0]:
        tree[0] = {"text": tree[0]["text"].lstrip()}
    if tree and "text" in tree[-1]:
        tree[-1] = {"text": tree[-1]["text"].rstrip()}
    return normalise(tree)


@pytest.fixture(scope="module")
def hostile_page(local_stack, browser):
    """The viewer page, 360 px wide, showing the hostile state."""
    store = Store.from_url(local_stack.redis_url)
    state = store.replace(
        hostile_state(store.replace(DEMO_STATE, user="e2e-setup")), user="e2e-setup"
    )
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.add_init_script(ALERT_TRAP)
    page.goto(local_stack.site_url + "#hostile")
    page.wait_for_selector(
        f'#regions[data-version="{state["version"]}"]',
        state="attached",
        timeout=WAIT_SECONDS * 1000,
    )
    yield page, state
    context.close()
    store.replace(DEMO_STATE, user="e2e-setup")
    store.client.close()


@pytest.mark.browser
def test_preview_and_page_render_info_alike(hostile_page, new_admin_session, account):
    page, state = hostile_page
    admin = new_admin_session()
    admin.log_in(*account)
    cards = page.evaluate(READ_CARDS)
    streams = next(r for r in state["regions"] if r["id"] == "hostile")["streams"]

    for stream, typed in zip(streams, INFO_TEXTS, strict=True):
        preview = admin.preview(typed)
        assert preview.status_code == 200, typed
        preview_tree = trimmed(page.evaluate(READ_PREVIEW, preview.text))

        assert trimmed(cards[stream["id"]]) == preview_tree, typed
        assert plain_text(parse(stream["info"])).strip() == text_of(preview_tree), typed


def text_of(tree):
    return "".join(
        node["text"] if "text" in node else text_of(node["children"]) for node in tree
    )


@pytest.mark.browser
def test_page_shows_no_script_capable_markup(hostile_page, local_stack):
    page, _ = hostile_page
    markup = page.evaluate(READ_MARKUP)

    for tag, attributes in markup["elements"]:
        assert tag not in {"script", "img", "svg", "iframe", "style", "object"}, tag
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://", "#")), (tag, value)
    # Only the build's own files, the JSON data and the build's preload script,
    # whose text is site/preload.js exactly.
    preload = (ROOT / "site" / "preload.js").read_text()
    inline = [
        (element_id, text)
        for script_type, source, element_id, text in markup["scripts"]
        if script_type != "application/json" and not source
    ]
    assert inline == [("qh-preload", preload)]
    for script_type, source, _, _ in markup["scripts"]:
        if script_type != "application/json" and source:
            assert source.startswith(local_stack.site_url + "assets/"), source
    assert page.evaluate("window.__alerts") == []


def show_each_region(page, state):
    """Select each region's tab in turn; yield the region once its panel shows."""
    for region in state["regions"]:
        page.click(f"#tab-{region['id']}")
        page.wait_for_selector(f"#region-{region['id']}:not([hidden])")
        yield region


@pytest.mark.browser
def test_cards_do_not_overflow_at_360_px(hostile_page):
    page, state = hostile_page

    for region in show_each_region(page, state):
        layout = page.evaluate(READ_OVERFLOW, "li.stream, li.stream *")

        assert layout["overflowing"] == [], region["id"]
        assert layout["outside"] == [], region["id"]


@pytest.mark.browser
def test_page_does_not_overflow_at_360_px(hostile_page):
    page, state = hostile_page

    for region in show_each_region(page, state):
        layout = page.evaluate(READ_OVERFLOW, "header *, .tab, .empty")

        scroll_width, client_width = layout["page"]
        assert layout["overflowing"] == [], region["id"]
        assert layout["outside"] == [], region["id"]
        assert scroll_width <= client_width, region["id"]
