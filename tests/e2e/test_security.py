"""Security checks of the assembled system.

Viewer credentials reach only the site's topics. The admin app requires a login and a
CSRF token for everything, limits failed logins and ends sessions on the server. The
bootstrap endpoint's errors carry no trace or secret, and the logs contain no
credentials.
"""

import json
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis
from e2e_support import (
    WAIT_SECONDS,
    MqttViewer,
    csrf_token,
    wait_until,
)
from starlette.routing import Route

from admin.app import routes
from admin.users import UserStore
from stack.local import AWS_REGION, TOPIC_PREFIX, VIEWER_ROLE_ARN
from stack.services import HOST, PythonService, free_port

SITE_TOPICS = [f"{TOPIC_PREFIX}/snapshot", f"{TOPIC_PREFIX}/updates"]
ACCOUNT_ARN = "arn:aws:iot:{region}:123456789012:{resource}"
# Path parameters for every admin route, so each route can be requested.
PATH_VALUES = {"region_id": "europe", "stream_id": "mangoecho-gg", "name": "nobody"}
# Long enough for the broker to deliver a message it accepted.
QUIET_SECONDS = 1.5
SECRET_NAMES = ("secret_access_key", "session_token", "X-Amz-Signature", "Traceback")


def get_bootstrap(local_stack, method="GET", path="api/bootstrap", origin=None):
    headers = {"Origin": origin or local_stack.site_url.rstrip("/")}
    return httpx.request(
        method, local_stack.site_url + path, headers=headers, timeout=10
    )


def iot_arn(resource):
    return ACCOUNT_ARN.format(region=AWS_REGION, resource=resource)


def as_list(value):
    return value if isinstance(value, list) else [value]


# Viewer credentials


def presigned_viewer(document, topics):
    """An MQTT client on the presigned WebSocket URL, as the page connects."""
    url = urlsplit(document["iot"]["url"])
    path = f"{url.path}?{url.query}"
    return MqttViewer(url.hostname, url.port, topics, transport="websockets", path=path)


def forged_messages(state):
    forged_state = {**state, "version": state["version"] + 100, "regions": []}
    return {
        f"{TOPIC_PREFIX}/updates": json.dumps(
            {
                "type": "delta",
                "from": state["version"],
                "to": state["version"] + 1,
                "ops": [["site", {**state["site"], "title": "forged"}]],
            }
        ),
        f"{TOPIC_PREFIX}/snapshot": json.dumps(
            {
                "type": "snapshot",
                "version": forged_state["version"],
                "state": forged_state,
            }
        ),
        "other/topic": "forged",
    }


def test_viewer_credentials_cannot_publish(local_stack, demo_state, mqtt_viewer):
    updates = f"{TOPIC_PREFIX}/updates"
    assert mqtt_viewer.wait_for_state(demo_state)
    # The bridge's delta for the setup's own change may arrive after the retained
    # snapshot. Only updates during the attack count.
    wait_until(lambda: False, timeout=QUIET_SECONDS)
    updates_before = mqtt_viewer.topics_seen.count(updates)
    document = get_bootstrap(local_stack).json()
    attacker = presigned_viewer(document, [])

    for topic, payload in forged_messages(demo_state).items():
        for qos in (0, 1):
            info = attacker.client.publish(topic, payload, qos=qos, retain=True)
            info.wait_for_publish(WAIT_SECONDS)

    wait_until(lambda: False, timeout=QUIET_SECONDS)
    attacker.close()
    # MQTT 5 reports the broker's refusal for QoS 1, but QoS 0 gets no acknowledgement.
    assert attacker.publish_results.count("Not authorized") == 3
    assert mqtt_viewer.state == demo_state
    assert mqtt_viewer.rejected == []
    assert mqtt_viewer.topics_seen.count(updates) == updates_before
    # A new subscriber still gets the bridge's retained snapshot, not a forged one.
    late = MqttViewer(HOST, local_stack.ports.mqtt, SITE_TOPICS)
    assert late.wait_for_state(demo_state), late.rejected
    late.close()


def test_viewer_credentials_see_only_site_topics(local_stack, demo_state, store):
    document = get_bootstrap(local_stack).json()
    viewer = presigned_viewer(document, ["#", "$SYS/#", "other/#", "+/+"])

    assert viewer.wait_for_state(demo_state), viewer.rejected
    edited = store.apply(
        lambda state: {**state, "site": {**state["site"], "event": "topic check"}},
        user="e2e",
        action="update-site",
    )
    assert viewer.wait_for_state(edited)
    wait_until(lambda: False, timeout=QUIET_SECONDS)
    viewer.close()

    assert set(viewer.topics_seen) <= set(SITE_TOPICS), viewer.topics_seen


def test_session_policy_allows_only_site_topics(local_stack, demo_state):
    document = get_bootstrap(local_stack).json()
    moto = httpx.get(f"http://{HOST}:{local_stack.ports.moto}/moto-api/data.json")
    assumed = [
        role
        for role in moto.json()["sts"]["AssumedRole"]
        if role["access_key_id"] == document["credentials"]["access_key_id"]
    ]
    client_id = document["client_id"]

    assert len(assumed) == 1
    role = assumed[0]
    assert role["role_arn"] == VIEWER_ROLE_ARN
    assert role["session_name"] == client_id
    assert role["secret_access_key"] == document["credentials"]["secret_access_key"]
    assert role["session_token"] == document["credentials"]["session_token"]
    policy = json.loads(role["policy"])
    assert "*" not in role["policy"]
    allowed = {}
    for statement in policy["Statement"]:
        assert set(statement) == {"Effect", "Action", "Resource"}, statement
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            allowed.setdefault(action, set()).update(as_list(statement["Resource"]))
    assert allowed == {
        "iot:Connect": {iot_arn(f"client/{client_id}")},
        "iot:Subscribe": {iot_arn(f"topicfilter/{topic}") for topic in SITE_TOPICS},
        "iot:Receive": {iot_arn(f"topic/{topic}") for topic in SITE_TOPICS},
    }


def test_bootstrap_returns_only_scoped_credentials(local_stack, demo_state):
    response = get_bootstrap(local_stack)
    document = response.json()
    query = parse_qs(urlsplit(document["iot"]["url"]).query)
    credentials = document["credentials"]

    assert response.headers["cache-control"] == "no-store"
    assert credentials["access_key_id"].startswith("ASIA")
    assert query["X-Amz-Credential"][0].startswith(credentials["access_key_id"] + "/")
    assert query["X-Amz-Security-Token"] == [credentials["session_token"]]
    assert set(credentials) == {
        "access_key_id",
        "secret_access_key",
        "session_token",
        "expiration",
    }
    # Nothing of the function's own settings: its keys, Redis, the admin's secret.
    assert local_stack.redis_url not in response.text
    assert local_stack.admin_secret not in response.text
    assert '"local"' not in response.text


def test_bootstrap_hides_credentials_from_other_origins(local_stack):
    response = get_bootstrap(local_stack, origin="https://evil.example")
    preflight = get_bootstrap(local_stack, "OPTIONS", origin="https://evil.example")

    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in preflight.headers


# The admin app


def concrete_routes(method):
    """Every admin path that accepts `method`, with its parameters filled in."""
    paths = []
    for route in routes():
        if isinstance(route, Route) and method in route.methods:
            paths.append(re.sub(r"{(\w+)}", path_value, route.path))
    return [path for path in paths if path != "/login"]


def path_value(match):
    return PATH_VALUES[match.group(1)]


def users_and_state(raw_redis, fingerprint):
    return fingerprint(), raw_redis.hgetall("qh:users")


def test_admin_routes_cover_the_app():
    assert len(concrete_routes("GET")) >= 4
    assert len(concrete_routes("POST")) >= 17


def test_every_admin_route_requires_login(
    new_admin_session, raw_redis, fingerprint, demo_state
):
    anonymous = new_admin_session()
    token = csrf_token(anonymous.http.get("/login").text)
    before = users_and_state(raw_redis, fingerprint)

    for path in concrete_routes("GET"):
        response = anonymous.http.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path
    for path in concrete_routes("POST"):
        form = {"csrf_token": token, "base_version": str(demo_state["version"])}
        response = anonymous.http.post(path, data=form)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login", path
    assert users_and_state(raw_redis, fingerprint) == before


def test_every_admin_form_requires_csrf_token(
    admin, new_admin_session, account, raw_redis, fingerprint
):
    other = new_admin_session()
    other.log_in(*account)
    foreign_token = csrf_token(other.http.get("/").text)
    fields = admin.form_fields("/regions/europe")
    before = users_and_state(raw_redis, fingerprint)

    for path in [*concrete_routes("POST"), "/login"]:
        version = {"base_version": fields["base_version"]}
        for token in (None, "forged", foreign_token, ""):
            form = version if token is None else {**version, "csrf_token": token}
            response = admin.http.post(path, data=form)
            assert response.status_code == 403, (path, token)
            assert "CSRF token" in response.text, (path, token)
    assert users_and_state(raw_redis, fingerprint) == before


def test_login_rate_limit_per_user(new_admin_session, account):
    name, password = account
    session = new_admin_session()
    for attempt in range(5):
        response = session.log_in(name, f"wrong password {attempt}")
        assert response.status_code == 401, attempt

    blocked = session.log_in(name, password)

    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "too many failed logins" in blocked.text
    assert session.http.get("/").status_code == 303


def test_session_cookie_is_httponly_and_samesite(new_admin_session, account):
    response = new_admin_session().log_in(*account)

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("qh_admin_session=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie


def copy_session(new_admin_session, session):
    """A second client holding a copy of `session`'s cookie, as a thief would."""
    thief = new_admin_session()
    for name, value in session.http.cookies.items():
        thief.http.cookies.set(name, value)
    return thief


def test_logout_ends_session_on_server(admin, new_admin_session, fingerprint):
    thief = copy_session(new_admin_session, admin)
    assert thief.http.get("/").status_code == 200
    stolen_form = thief.form_fields("/regions/europe")

    logout = admin.http.post(
        "/logout", data={"csrf_token": csrf_token(admin.http.get("/").text)}
    )
    before = fingerprint()
    replayed = thief.http.post(
        "/regions/europe/streams",
        data={**stolen_form, "name": "Thief", "url": "https://twitch.tv/thief"},
    )

    assert logout.status_code == 303
    assert thief.http.get("/").status_code == 303
    assert replayed.status_code == 303
    assert replayed.headers["location"] == "/login"
    assert fingerprint() == before


@pytest.fixture
def moderator(local_stack, new_admin_session):
    """A moderator account and a session logged in as it."""
    users = UserStore(redis.Redis.from_url(local_stack.redis_url))
    name = "e2e-mod-" + secrets.token_hex(4)
    password = "moderator password " + secrets.token_hex(4)
    users.add(name, "moderator", password)
    session = new_admin_session()
    assert session.log_in(name, password).status_code == 303
    yield name, session
    users.client.hdel("qh:users", name)
    users.client.close()


def test_password_change_ends_sessions(admin, moderator):
    name, session = moderator
    assert session.http.get("/").status_code == 200

    response = admin.submit(
        "/users",
        f"/users/{name}/password",
        {
            "password": "a new password " + secrets.token_hex(4),
        },
    )

    assert response.status_code == 303
    assert session.http.get("/").status_code == 303


def test_cli_password_change_ends_sessions(qualifiers, moderator):
    name, session = moderator

    result = qualifiers(
        "user", "set-password", name, "--password-stdin", stdin="another new password\n"
    )

    assert result.returncode == 0, result.stderr
    assert session.http.get("/").status_code == 303


def test_account_removal_ends_sessions(qualifiers, moderator):
    name, session = moderator

    result = qualifiers("user", "remove", name)

    assert result.returncode == 0, result.stderr
    assert session.http.get("/").status_code == 303


# The bootstrap endpoint's errors


def broken_gateway(local_stack, workdir, **overrides):
    """Another gateway on the stack's site, with some of its upstreams unreachable."""
    port = free_port()
    env = {
        "REDIS_URL": local_stack.redis_url,
        "TOPIC_PREFIX": TOPIC_PREFIX,
        "VIEWER_ROLE_ARN": VIEWER_ROLE_ARN,
        "AWS_REGION": AWS_REGION,
        "AWS_DEFAULT_REGION": AWS_REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL": f"http://{HOST}:{local_stack.ports.moto}",
        "IOT_WEBSOCKET_URL_OVERRIDE": f"ws://{HOST}:{local_stack.ports.mqtt_ws}/mqtt",
        "ALLOWED_ORIGINS": local_stack.site_url.rstrip("/"),
        **overrides,
    }
    args = [
        "-m",
        "stack.gateway",
        "--dist",
        str(local_stack.dist),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    return PythonService(f"gateway-{port}", Path(workdir), args, env, port=port)


def assert_clean_error(response, status, code, origin):
    body = response.json()
    assert response.status_code == status, response.text
    assert body["error"] == code
    assert set(body) <= {"error", "message", "retry_after"}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == origin
    for secret in (*SECRET_NAMES, "redis://", 'File "', "Error"):
        assert secret not in response.text, secret


@pytest.mark.parametrize(
    "upstream, code",
    [
        ("REDIS_URL", "state_unavailable"),
        ("AWS_ENDPOINT_URL", "credentials_unavailable"),
    ],
)
def test_bootstrap_upstream_down_is_clean_503(local_stack, tmp_path, upstream, code):
    dead = (
        f"redis://{HOST}:{free_port()}/0"
        if upstream == "REDIS_URL"
        else (f"http://{HOST}:{free_port()}")
    )
    gateway = broken_gateway(local_stack, tmp_path, **{upstream: dead})
    gateway.start()
    origin = local_stack.site_url.rstrip("/")
    try:
        response = httpx.get(
            f"http://{HOST}:{gateway.port}/api/bootstrap",
            headers={"Origin": origin},
            timeout=30,
        )
    finally:
        gateway.stop()

    assert_clean_error(response, 503, code, origin)
    assert int(response.headers["retry-after"]) > 0
    assert "Traceback" not in gateway.log_text()


def test_bootstrap_rejects_other_methods_and_paths(local_stack):
    origin = local_stack.site_url.rstrip("/")

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = get_bootstrap(local_stack, method)
        assert_clean_error(response, 405, "method_not_allowed", origin)
        assert response.headers["allow"] == "GET, OPTIONS"
    for path in (
        "api/",
        "api/other",
        "api/bootstrap/x",
        "api/bootstrap%2F..%2Fx",
        "api/BOOTSTRAP",
    ):
        response = get_bootstrap(local_stack, path=path)
        assert_clean_error(response, 404, "not_found", origin)


# Logs


def test_logs_contain_no_credentials(local_stack, new_admin_session, account):
    document = get_bootstrap(local_stack).json()
    signature = parse_qs(urlsplit(document["iot"]["url"]).query)["X-Amz-Signature"][0]
    wrong_password = "wrong password " + secrets.token_hex(8)
    new_admin_session().log_in(account[0], wrong_password)
    new_admin_session().log_in(*account)
    broker = local_stack.services["mosquitto"]
    secrets_to_find = {
        "secret access key": document["credentials"]["secret_access_key"],
        "session token": document["credentials"]["session_token"],
        "signature": signature,
        "admin password": account[1],
        "mistyped password": wrong_password,
        "admin secret key": local_stack.admin_secret,
        "bridge password": broker.bridge_password,
    }
    logs = sorted((local_stack.workdir / "logs").glob("*.log"))

    assert {path.stem for path in logs} >= {"bridge", "relay", "admin", "gateway"}
    for path in logs:
        text = path.read_text(errors="replace")
        for label, secret in secrets_to_find.items():
            assert secret not in text, f"{label} in {path.name}"
        for name in ("X-Amz-Signature", "X-Amz-Security-Token", "SecretAccessKey"):
            assert name not in text, f"{name} in {path.name}"
