"""Forms over MAX_BODY_BYTES: a 413 error page in the admin layout, nothing stored."""

from urllib.parse import urlencode

import pytest
from admin_helpers import csrf_token, form_fields

from admin.app import MAX_BODY_BYTES

TOO_LARGE_HEADING = "<h1>Form too large</h1>"
LIMIT_TEXT = f"{MAX_BODY_BYTES // 1024} KiB"


def stored_data(client_redis):
    """Return the state, version and audit log length, which every stored edit changes."""
    return (
        client_redis.get("qh:state"),
        client_redis.get("qh:version"),
        client_redis.xlen("qh:audit"),
    )


def oversized_stream(fields):
    return {
        **fields,
        "name": "BigCaster",
        "url": "twitch.tv/bigcaster",
        "info": "x" * (MAX_BODY_BYTES + 1),
        "score_0": "0",
        "score_1": "0",
    }


def test_oversized_stream_form_gets_error_page(moderator, client_redis):
    fields = form_fields(moderator, "/regions/europe")
    before = stored_data(client_redis)

    response = moderator.post("/regions/europe/streams", data=oversized_stream(fields))

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert TOO_LARGE_HEADING in response.text
    assert LIMIT_TEXT in response.text
    assert "nothing was saved" in response.text
    assert stored_data(client_redis) == before


def test_error_page_has_admin_layout(moderator):
    fields = form_fields(moderator, "/regions/europe")

    response = moderator.post("/regions/europe/streams", data=oversized_stream(fields))

    assert '<link rel="stylesheet" href="/static/admin.css">' in response.text
    assert "Logged in as <bdi>moe</bdi>" in response.text
    assert '<a href="/audit">Audit log</a>' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_session_survives_error_page(moderator):
    fields = form_fields(moderator, "/regions/europe")
    moderator.post("/regions/europe/streams", data=oversized_stream(fields))

    response = moderator.get("/regions/europe")

    assert response.status_code == 200


def test_chunked_oversized_form_gets_error_page(moderator, client_redis):
    fields = form_fields(moderator, "/regions/europe")
    body = urlencode(oversized_stream(fields)).encode()
    before = stored_data(client_redis)

    def chunks():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = moderator.post(
        "/regions/europe/streams",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert TOO_LARGE_HEADING in response.text
    assert "nothing was saved" in response.text
    assert stored_data(client_redis) == before


@pytest.mark.parametrize(
    "path",
    ["/regions/europe", "/site", "/regions/europe/streams/mangoecho-gg"],
)
def test_other_oversized_forms_get_error_page(moderator, client_redis, path):
    fields = form_fields(moderator, "/regions/europe")
    before = stored_data(client_redis)

    response = moderator.post(
        path, data={**fields, "title": "x" * (MAX_BODY_BYTES + 1), "order": "0"}
    )

    assert response.status_code == 413
    assert TOO_LARGE_HEADING in response.text
    assert stored_data(client_redis) == before


def test_oversized_login_form_gets_error_page(anonymous):
    token = csrf_token(anonymous.get("/login").text)

    response = anonymous.post(
        "/login",
        data={"csrf_token": token, "name": "x" * MAX_BODY_BYTES, "password": "p"},
    )

    assert response.status_code == 413
    assert TOO_LARGE_HEADING in response.text
    assert "Logged in as" not in response.text


def test_form_at_limit_is_read(moderator, store):
    fields = form_fields(moderator, "/regions/europe")
    data = {**oversized_stream(fields), "info": ""}
    padding = MAX_BODY_BYTES - len(urlencode({**data, "tags": ""}).encode())
    data["tags"] = "," * (padding // 3)

    response = moderator.post("/regions/europe/streams", data=data)

    assert len(urlencode(data).encode()) <= MAX_BODY_BYTES
    assert response.status_code == 303
    assert store.read()["version"] == 2
