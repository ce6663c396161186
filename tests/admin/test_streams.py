import re

from admin_helpers import flash, form_errors, form_fields

from admin import editing

STREAM = {
    "name": "NewCaster",
    "url": "twitch.tv/newcaster",
    "info": "**Grand final** A vs B",
    "score_0": "0",
    "score_1": "0",
    "language": "English",
    "tags": "bo5, final",
}


def streams(store, region_id="europe"):
    for region in store.read()["regions"]:
        if region["id"] == region_id:
            return region["streams"]
    raise AssertionError(f"no region {region_id}")


def stream_ids(store, region_id="europe"):
    return [stream["id"] for stream in streams(store, region_id)]


def test_region_page_lists_streams(moderator, store):
    html = moderator.get("/regions/europe").text

    assert re.findall(r'<li id="stream-([\w-]+)"', html) == stream_ids(store)


def test_add_stream(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post("/regions/europe/streams", data={**fields, **STREAM})

    assert response.status_code == 303
    assert response.headers["location"] == "/regions/europe"
    added = streams(store)[-1]
    assert added["name"] == "NewCaster"
    assert added["url"] == "https://twitch.tv/newcaster"
    assert added["tags"] == ["bo5", "final"]
    page = moderator.get("/regions/europe").text
    assert flash(page) == "Added stream NewCaster."
    assert "twitch.tv/newcaster" in page
    assert "<strong>Grand final</strong>" in page


def test_add_stream_invalid_url_shown_back(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {**fields, **STREAM, "url": "javascript:alert(1)"}

    response = moderator.post("/regions/europe/streams", data=data)

    assert response.status_code == 400
    [message] = form_errors(response.text)
    assert message.startswith("invalid stream.url &#39;javascript:alert(1)&#39;: ")
    assert "http or https" in message
    assert 'value="javascript:alert(1)"' in response.text
    assert 'value="NewCaster"' in response.text
    assert store.read()["version"] == 1


def test_add_stream_score_not_a_number(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        "/regions/europe/streams", data={**fields, **STREAM, "score_1": "two"}
    )

    assert response.status_code == 400
    assert form_errors(response.text) == [
        "invalid score_1 &#39;two&#39;: a whole number from 0 to 99"
    ]
    assert store.read()["version"] == 1


def test_add_stream_duplicate_name(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {**fields, **STREAM, "name": "mangoecho_GG"}

    response = moderator.post("/regions/europe/streams", data=data)

    assert response.status_code == 400
    assert "name" in form_errors(response.text)[0]
    assert store.read()["version"] == 1


def test_hostile_text_is_inert(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {
        **fields,
        **STREAM,
        "name": "<script>alert(1)</script>",
        "info": '[x](javascript:alert(1)) <img src=x onerror="alert(1)"> **"quoted"**',
        "language": '"><b>lang',
    }

    assert moderator.post("/regions/europe/streams", data=data).status_code == 303
    html = moderator.get("/regions/europe").text

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert "<b>lang" not in html


def test_edit_stream(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {**fields, **STREAM, "name": "MangoEcho", "score_0": "1", "score_1": "0"}

    response = moderator.post("/regions/europe/streams/mangoecho-gg", data=data)

    assert response.status_code == 303
    edited = streams(store)[0]
    assert edited["id"] == "mangoecho-gg"
    assert edited["name"] == "MangoEcho"
    assert edited["score"] == [1, 0]


def test_edit_stream_score_out_of_range(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {**fields, **STREAM, "score_0": "100"}

    response = moderator.post("/regions/europe/streams/mangoecho-gg", data=data)

    assert response.status_code == 400
    [message] = form_errors(response.text)
    assert "score[0]" in message
    assert "100" in message
    assert "<details open>" in response.text
    assert store.read()["version"] == 1


def test_edit_unknown_stream(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        "/regions/europe/streams/nobody", data={**fields, **STREAM}
    )

    assert response.status_code == 404
    assert form_errors(response.text) == [
        "stream &#39;nobody&#39; not found in region &#39;europe&#39;"
    ]
    assert store.read()["version"] == 1


def test_bump_score(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        "/regions/europe/streams/mangoecho-gg/score",
        data={**fields, "side": "1", "amount": "1"},
    )

    assert response.status_code == 303
    assert streams(store)[0]["score"] == [0, 1]


def test_bump_score_twice_from_fresh_pages(moderator, store):
    for _ in range(2):
        fields = form_fields(moderator, "/regions/europe")
        moderator.post(
            "/regions/europe/streams/mangoecho-gg/score",
            data={**fields, "side": "0", "amount": "1"},
        )

    assert streams(store)[0]["score"] == [2, 0]


def test_bump_score_bad_side(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        "/regions/europe/streams/mangoecho-gg/score",
        data={**fields, "side": "2", "amount": "1"},
    )

    assert response.status_code == 400
    assert "side" in form_errors(response.text)[0]
    assert store.read()["version"] == 1


def test_move_stream_down(moderator, store):
    before = stream_ids(store)
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        f"/regions/europe/streams/{before[0]}/move", data={**fields, "offset": "1"}
    )

    assert response.status_code == 303
    assert stream_ids(store) == [before[1], before[0], *before[2:]]


def test_remove_stream(moderator, store):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post(
        "/regions/europe/streams/mangoecho-gg/delete", data=fields
    )

    assert response.status_code == 303
    assert "mangoecho-gg" not in stream_ids(store)


def test_remove_stream_flash_names_stream(moderator):
    fields = form_fields(moderator, "/regions/europe")
    moderator.post("/regions/europe/streams/mangoecho-gg/delete", data=fields)

    page = moderator.get("/regions/europe").text

    assert flash(page) == "Removed stream MangoEcho_gg."


def test_stale_edit_conflicts_and_names_change(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    editing.update_stream(store, "rival", "europe", "mangoecho-gg", {"score": [1, 0]})

    response = moderator.post(
        "/regions/europe/streams/mangoecho-gg",
        data={
            **fields,
            **STREAM,
            "name": "MangoEcho_gg",
            "score_0": "0",
            "score_1": "2",
        },
    )

    assert response.status_code == 409
    [message] = form_errors(response.text)
    assert "mangoecho-gg" in message
    assert "rival" in message
    assert streams(store)[0]["score"] == [1, 0]
    assert store.read()["version"] == 2


def test_conflict_form_resubmits_on_current_version(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    editing.update_stream(store, "rival", "europe", "mangoecho-gg", {"score": [1, 0]})
    data = {**fields, **STREAM, "name": "MangoEcho_gg", "score_0": "0", "score_1": "2"}
    response = moderator.post("/regions/europe/streams/mangoecho-gg", data=data)
    shown_version = re.search(
        r'<li id="stream-mangoecho-gg".*?name="base_version" value="(\d+)"',
        response.text,
        re.DOTALL,
    ).group(1)

    again = moderator.post(
        "/regions/europe/streams/mangoecho-gg",
        data={**data, "base_version": shown_version},
    )

    assert again.status_code == 303
    assert streams(store)[0]["score"] == [0, 2]


def test_stale_edit_of_other_stream_applies(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    editing.update_stream(store, "rival", "europe", "mangoecho-gg", {"score": [1, 0]})
    other = stream_ids(store)[1]

    response = moderator.post(
        f"/regions/europe/streams/{other}/score",
        data={**fields, "side": "0", "amount": "1"},
    )

    assert response.status_code == 303
    assert streams(store)[0]["score"] == [1, 0]
    assert streams(store)[1]["score"][0] == 1


def test_stale_edit_of_removed_stream_conflicts(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    editing.remove_stream(store, "rival", "europe", "mangoecho-gg")

    response = moderator.post(
        "/regions/europe/streams/mangoecho-gg/score",
        data={**fields, "side": "0", "amount": "1"},
    )

    assert response.status_code == 409
    [message] = form_errors(response.text)
    assert message.startswith("stream &#39;mangoecho-gg&#39; not found")
    assert "changed since you loaded version 1 (by rival" in message
    assert "mangoecho-gg" not in stream_ids(store)
