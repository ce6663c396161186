import datetime
import re

from admin_helpers import flash, form_errors, form_fields

from admin import editing


def score_of(store):
    return store.read()["regions"][2]["streams"][0]["score"]


def make_history(store):
    """Versions 2, 3 and 4: three score changes on top of the demo import (version 1)."""
    for score in ([1, 0], [2, 0], [2, 1]):
        editing.update_stream(
            store, "rival", "europe", "mangoecho-gg", {"score": score}
        )


def test_audit_lists_changes_newest_first(moderator, store):
    make_history(store)

    html = moderator.get("/audit").text

    assert re.findall(r'<tr id="version-(\d+)"', html) == ["4", "3", "2", "1"]
    assert "updated stream mangoecho-gg in europe" in html
    assert "rival" in html
    year = datetime.datetime.now(datetime.UTC).year
    assert re.search(rf"<td>{year}-\d\d-\d\d \d\d:\d\d:\d\d UTC</td>", html)


def test_audit_pages_through_older_changes(moderator, store):
    for score in range(60):
        editing.update_stream(
            store, "rival", "europe", "mangoecho-gg", {"score": [score % 50, 1]}
        )

    first = moderator.get("/audit").text
    versions = [int(v) for v in re.findall(r'<tr id="version-(\d+)"', first)]
    older = re.search(r'href="/audit\?before=(\d+)"', first).group(1)
    second = moderator.get(f"/audit?before={older}").text
    rest = [int(v) for v in re.findall(r'<tr id="version-(\d+)"', second)]

    assert versions == list(range(61, 11, -1))
    assert rest == list(range(11, 0, -1))
    assert 'href="/audit?before=' not in second


def test_audit_records_web_edits_with_user(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    moderator.post(
        "/regions/europe/streams/mangoecho-gg/score",
        data={**fields, "side": "0", "amount": "1"},
    )

    [entry] = store.audit(after=1)

    assert entry["user"] == "moe"
    assert entry["action"] == "score"


def test_revert_restores_old_state(moderator, store):
    make_history(store)
    fields = form_fields(moderator, "/audit")

    response = moderator.post("/revert", data={**fields, "version": "2"})

    assert response.status_code == 303
    assert score_of(store) == [1, 0]
    state = store.read()
    assert state["version"] == 5
    [entry] = store.audit(after=4)
    assert entry["action"] == "revert"
    assert entry["user"] == "moe"
    assert flash(moderator.get("/audit").text) == "Reverted to version 2."


def test_revert_can_be_reverted(moderator, store):
    make_history(store)
    moderator.post("/revert", data={**form_fields(moderator, "/audit"), "version": "1"})

    moderator.post("/revert", data={**form_fields(moderator, "/audit"), "version": "4"})

    assert score_of(store) == [2, 1]


def test_revert_to_future_version(moderator, store):
    fields = form_fields(moderator, "/audit")

    response = moderator.post("/revert", data={**fields, "version": "9"})

    assert response.status_code == 400
    assert form_errors(response.text) == ["invalid version 9: a version from 0 to 1"]
    assert store.read()["version"] == 1


def test_revert_version_not_a_number(moderator, store):
    fields = form_fields(moderator, "/audit")

    response = moderator.post("/revert", data={**fields, "version": "latest"})

    assert response.status_code == 400
    assert "version" in form_errors(response.text)[0]
    assert store.read()["version"] == 1


def test_stale_revert_conflicts(moderator, store):
    make_history(store)
    fields = form_fields(moderator, "/audit")
    editing.update_stream(store, "rival", "europe", "mangoecho-gg", {"score": [3, 1]})

    response = moderator.post("/revert", data={**fields, "version": "2"})

    assert response.status_code == 409
    assert "rival" in form_errors(response.text)[0]
    assert score_of(store) == [3, 1]
