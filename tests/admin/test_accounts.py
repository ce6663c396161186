import re

from admin_helpers import ADMIN, csrf_token, form_errors, log_in
from starlette.testclient import TestClient


def token(client):
    return csrf_token(client.get("/users").text)


def test_users_page_lists_accounts(admin):
    html = admin.get("/users").text

    assert re.findall(r'<tr id="user-([\w.-]+)"', html) == ["ada", "moe"]


def test_moderator_cannot_manage_accounts(app, moderator, accounts):
    page_token = csrf_token(moderator.get("/").text)

    page = moderator.get("/users")
    add = moderator.post(
        "/users",
        data={
            "csrf_token": page_token,
            "name": "eve",
            "role": "admin",
            "password": "eve password 1",
        },
    )
    promote = moderator.post(
        "/users/moe/role", data={"csrf_token": page_token, "role": "admin"}
    )

    assert page.status_code == 403
    assert add.status_code == 403
    assert promote.status_code == 403
    assert "only admins" in add.text
    assert [(u.name, u.role) for u in accounts.list_users()] == [
        ("ada", "admin"),
        ("moe", "moderator"),
    ]


def test_moderator_page_hides_users_link(moderator):
    assert 'href="/users"' not in moderator.get("/").text


def test_admin_adds_account(app, admin, accounts):
    response = admin.post(
        "/users",
        data={
            "csrf_token": token(admin),
            "name": "eve",
            "role": "moderator",
            "password": "eve password 1",
        },
    )

    assert response.status_code == 303
    assert accounts.get("eve").role == "moderator"
    with TestClient(app, follow_redirects=False) as client:
        assert log_in(client, "eve", "eve password 1").status_code == 303


def test_add_account_short_password(admin, accounts):
    response = admin.post(
        "/users",
        data={
            "csrf_token": token(admin),
            "name": "eve",
            "role": "moderator",
            "password": "short",
        },
    )

    assert response.status_code == 400
    assert form_errors(response.text) == [
        "invalid password &#39;5 characters&#39;: 10 to 1024 characters"
    ]
    assert 'value="short"' not in response.text
    assert accounts.get("eve") is None


def test_add_account_bad_role(admin, accounts):
    response = admin.post(
        "/users",
        data={
            "csrf_token": token(admin),
            "name": "eve",
            "role": "owner",
            "password": "eve password 1",
        },
    )

    assert response.status_code == 400
    assert "invalid role &#39;owner&#39;: admin or moderator" in response.text
    assert accounts.get("eve") is None


def test_add_account_taken_name(admin, accounts):
    response = admin.post(
        "/users",
        data={
            "csrf_token": token(admin),
            "name": "moe",
            "role": "admin",
            "password": "eve password 1",
        },
    )

    assert response.status_code == 400
    assert "already used" in form_errors(response.text)[0]
    assert accounts.get("moe").role == "moderator"


def test_admin_changes_role(admin, accounts, moderator):
    response = admin.post(
        "/users/moe/role", data={"csrf_token": token(admin), "role": "admin"}
    )

    assert response.status_code == 303
    assert accounts.get("moe").role == "admin"
    assert moderator.get("/users").status_code == 200


def test_last_admin_keeps_role(admin, accounts):
    response = admin.post(
        "/users/ada/role", data={"csrf_token": token(admin), "role": "moderator"}
    )

    assert response.status_code == 400
    assert "last admin" in form_errors(response.text)[0]
    assert accounts.get("ada").role == "admin"


def test_admin_sets_password(app, admin):
    response = admin.post(
        "/users/moe/password",
        data={"csrf_token": token(admin), "password": "brand new password"},
    )

    assert response.status_code == 303
    with TestClient(app, follow_redirects=False) as client:
        assert log_in(client, "moe", "brand new password").status_code == 303


def test_admin_removes_account(admin, accounts):
    response = admin.post("/users/moe/delete", data={"csrf_token": token(admin)})

    assert response.status_code == 303
    assert accounts.get("moe") is None


def test_remove_unknown_account(admin):
    response = admin.post("/users/ghost/delete", data={"csrf_token": token(admin)})

    assert response.status_code == 404
    assert form_errors(response.text) == ["user &#39;ghost&#39; not found"]


def test_last_admin_cannot_be_removed(admin, accounts):
    response = admin.post(
        f"/users/{ADMIN[0]}/delete", data={"csrf_token": token(admin)}
    )

    assert response.status_code == 400
    assert accounts.get(ADMIN[0]) is not None
