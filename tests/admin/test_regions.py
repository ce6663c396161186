import re

from admin_helpers import flash, form_errors, form_fields


def region_ids(store):
    return [region["id"] for region in store.read()["regions"]]


def test_dashboard_lists_regions(moderator):
    html = moderator.get("/").text

    assert re.findall(r'<tr id="region-([\w-]+)"', html) == [
        "north-america",
        "south-america",
        "europe",
        "cis",
        "china",
        "sea",
    ]


def test_add_region(moderator, store):
    fields = form_fields(moderator, "/")
    data = {
        **fields,
        "id": "mena",
        "title": "MENA",
        "order": "7",
        "no_streams_text": "None",
    }

    response = moderator.post("/regions", data=data, follow_redirects=True)

    assert response.status_code == 200
    assert flash(response.text) == "Added region mena."
    assert region_ids(store)[-1] == "mena"


def test_add_region_with_taken_id(moderator, store):
    fields = form_fields(moderator, "/")
    data = {**fields, "id": "europe", "title": "Europe 2", "order": "7"}

    response = moderator.post("/regions", data=data)

    assert response.status_code == 400
    assert form_errors(response.text) == [
        "invalid id &#39;europe&#39;: an id no other region uses"
    ]
    assert store.read()["version"] == 1


def test_add_region_invalid_shown_with_values(moderator, store):
    fields = form_fields(moderator, "/")
    data = {**fields, "id": "Bad Id", "title": "Kept <title>", "order": "7"}

    response = moderator.post("/regions", data=data)

    assert response.status_code == 400
    [message] = form_errors(response.text)
    assert "region.id" in message
    assert "&#39;Bad Id&#39;" in message
    assert 'value="Kept &lt;title&gt;"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert store.read()["version"] == 1


def test_add_region_order_not_a_number(moderator, store):
    fields = form_fields(moderator, "/")
    data = {**fields, "id": "mena", "title": "MENA", "order": "first"}

    response = moderator.post("/regions", data=data)

    assert response.status_code == 400
    assert form_errors(response.text) == [
        "invalid order &#39;first&#39;: a whole number from 0 to 999"
    ]
    assert store.read()["version"] == 1


def test_update_region(moderator, store):
    fields = form_fields(moderator, "/regions/cis")
    data = {
        **fields,
        "title": "CIS region",
        "order": "3",
        "no_streams_text": "Nothing yet.",
    }

    response = moderator.post("/regions/cis", data=data)

    assert response.status_code == 303
    region = store.read()["regions"][3]
    assert region["title"] == "CIS region"
    assert region["no_streams_text"] == "Nothing yet."


def test_update_region_title_too_long(moderator, store):
    fields = form_fields(moderator, "/regions/cis")

    response = moderator.post(
        "/regions/cis", data={**fields, "title": "x" * 65, "order": "3"}
    )

    assert response.status_code == 400
    assert "at most 64 characters" in form_errors(response.text)[0]
    assert store.read()["version"] == 1


def test_move_region_up(moderator, store):
    fields = form_fields(moderator, "/")

    response = moderator.post("/regions/china/move", data={**fields, "offset": "-1"})

    assert response.status_code == 303
    assert region_ids(store) == [
        "north-america",
        "south-america",
        "europe",
        "china",
        "cis",
        "sea",
    ]
    assert [region["order"] for region in store.read()["regions"]] == [0, 1, 2, 3, 4, 5]


def test_remove_region(moderator, store):
    fields = form_fields(moderator, "/")

    response = moderator.post("/regions/sea/delete", data=fields)

    assert response.status_code == 303
    assert "sea" not in region_ids(store)


def test_unknown_region_page(moderator):
    response = moderator.get("/regions/atlantis")

    assert response.status_code == 404
    assert "atlantis" in response.text


def test_update_site(moderator, store):
    fields = form_fields(moderator, "/")
    data = {
        **fields,
        "title": "Hub",
        "event": "Day 3",
        "announcement": "**Finals** at 18:00",
    }

    response = moderator.post("/site", data=data)

    assert response.status_code == 303
    assert store.read()["site"] == {
        "title": "Hub",
        "event": "Day 3",
        "announcement": "**Finals** at 18:00",
    }


def test_update_site_blank_title(moderator, store):
    fields = form_fields(moderator, "/")

    response = moderator.post("/site", data={**fields, "title": "   ", "event": "x"})

    assert response.status_code == 400
    assert "site.title" in form_errors(response.text)[0]
    assert store.read()["version"] == 1


def test_form_without_base_version(moderator, store):
    token = form_fields(moderator, "/")["csrf_token"]

    response = moderator.post("/site", data={"csrf_token": token, "title": "Hub"})

    assert response.status_code == 400
    assert "base_version" in form_errors(response.text)[0]
    assert store.read()["version"] == 1
