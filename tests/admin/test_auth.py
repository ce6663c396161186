import re

import pytest
from admin_helpers import ADMIN, MODERATOR, SECRET_KEY, csrf_token, form_fields, log_in
from starlette.routing import Route
from starlette.testclient import TestClient

from admin.app import create_app
from admin.config import load_config

PATH_VALUES = {"region_id": "europe", "stream_id": "mangoecho-gg", "name": "moe"}


def concrete_routes(app, method):
    """Return every path of `app` that accepts `method`, with path parameters filled."""
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and method in route.methods:
            paths.append(
                re.sub(r"{(\w+)}", lambda m: PATH_VALUES[m.group(1)], route.path)
            )
    return paths


def protected_routes(app, method):
    return [path for path in concrete_routes(app, method) if path != "/login"]


def snapshot(client_redis):
    """Everything the app may write, to check that a rejected request wrote nothing."""
    return (client_redis.get("qh:state"), client_redis.hgetall("qh:users"))


def test_route_lists_cover_the_app(app):
    assert len(protected_routes(app, "GET")) == 4
    assert len(protected_routes(app, "POST")) == 17


def test_every_page_requires_login(app, anonymous):
    for path in protected_routes(app, "GET"):
        response = anonymous.get(path)

        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path


def test_every_form_requires_login(app, anonymous, client_redis):
    before = snapshot(client_redis)
    token = csrf_token(anonymous.get("/login").text)

    for path in protected_routes(app, "POST"):
        response = anonymous.post(path, data={"csrf_token": token, "base_version": "1"})

        assert response.status_code == 303, path
        assert response.headers["location"] == "/login", path
    assert snapshot(client_redis) == before


def test_every_form_requires_csrf_token(app, admin, client_redis):
    fields = form_fields(admin, "/regions/europe")
    before = snapshot(client_redis)

    for path in protected_routes(app, "POST"):
        missing = admin.post(path, data={"base_version": fields["base_version"]})
        wrong = admin.post(path, data={**fields, "csrf_token": "forged"})

        assert missing.status_code == 403, path
        assert wrong.status_code == 403, path
        assert "CSRF token" in missing.text
    assert snapshot(client_redis) == before


def test_login_form_requires_csrf_token(anonymous):
    response = anonymous.post("/login", data={"name": ADMIN[0], "password": ADMIN[1]})

    assert response.status_code == 403
    assert anonymous.get("/").status_code == 303


def test_login_redirects_to_next(anonymous):
    response = log_in(anonymous, *MODERATOR, next_url="/audit")

    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    assert anonymous.get("/audit").status_code == 200


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "\\\\x"]
)
def test_login_ignores_offsite_next(anonymous, target):
    response = log_in(anonymous, *MODERATOR, next_url=target)

    assert response.headers["location"] == "/"


def test_wrong_password_is_rejected(anonymous):
    response = log_in(anonymous, MODERATOR[0], "not the password")

    assert response.status_code == 401
    assert "invalid user name or password" in response.text
    assert anonymous.get("/").status_code == 303


def test_unknown_user_gets_same_message(anonymous):
    response = log_in(anonymous, "nobody", "whatever password")

    assert response.status_code == 401
    assert "invalid user name or password" in response.text


def test_session_cookie_is_httponly_and_samesite(anonymous):
    response = log_in(anonymous, *MODERATOR)

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("qh_admin_session=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie


def test_secure_cookies_setting(client_redis, demo_store, accounts):
    config = load_config({}, secret_key=SECRET_KEY, secure_cookies=True)
    with TestClient(create_app(config, client_redis), follow_redirects=False) as client:
        response = log_in(client, *MODERATOR)

    assert "; secure" in response.headers["set-cookie"].lower()


def test_login_replaces_session(anonymous):
    token_before = csrf_token(anonymous.get("/login").text)

    log_in(anonymous, *MODERATOR)

    assert csrf_token(anonymous.get("/").text) != token_before


def test_logout_ends_session(moderator):
    token = csrf_token(moderator.get("/").text)

    response = moderator.post("/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert moderator.get("/").status_code == 303


def test_removed_account_loses_session(moderator, accounts):
    accounts.remove(MODERATOR[0])

    response = moderator.get("/")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_rate_limit_per_user(anonymous):
    for _ in range(3):
        assert log_in(anonymous, MODERATOR[0], "wrong password").status_code == 401

    response = log_in(anonymous, *MODERATOR)

    assert response.status_code == 429
    assert "too many failed logins" in response.text
    assert int(response.headers["retry-after"]) > 0
    assert anonymous.get("/").status_code == 303


def test_rate_limit_per_user_spares_other_users(anonymous):
    for _ in range(3):
        log_in(anonymous, MODERATOR[0], "wrong password")

    assert log_in(anonymous, *ADMIN).status_code == 303


def test_rate_limit_per_address(client_redis, demo_store, accounts):
    config = load_config(
        {}, secret_key=SECRET_KEY, login_max_failures=10, login_max_failures_per_ip=4
    )
    with TestClient(create_app(config, client_redis), follow_redirects=False) as client:
        for number in range(4):
            assert log_in(client, f"guess{number}", "wrong password").status_code == 401

        assert log_in(client, *ADMIN).status_code == 429


def test_successful_login_resets_user_count(anonymous):
    for _ in range(2):
        log_in(anonymous, MODERATOR[0], "wrong password")
    log_in(anonymous, *MODERATOR)
    anonymous.cookies.clear()

    for _ in range(2):
        log_in(anonymous, MODERATOR[0], "wrong password")

    assert log_in(anonymous, *MODERATOR).status_code == 303


def test_rate_limit_counters_expire(client_redis, anonymous):
    for _ in range(3):
        log_in(anonymous, MODERATOR[0], "wrong password")

    ttl = client_redis.ttl("qh:login-failures:user:moe")

    assert 0 < ttl <= 15 * 60


def test_pages_send_security_headers(moderator):
    response = moderator.get("/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_oversized_form_is_rejected(anonymous):
    token = csrf_token(anonymous.get("/login").text)

    response = anonymous.post(
        "/login", data={"csrf_token": token, "name": "x" * 100_000, "password": "p"}
    )

    assert response.status_code == 413
