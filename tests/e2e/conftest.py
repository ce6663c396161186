"""Fixtures for the end-to-end tests: the local stack with the demo day, viewers,
a logged-in admin session and the `qualifiers` command.

Every test starts from the demo snapshot and leaves the stack with a valid state, so
tests in other folders that share the session's stack find it working.
"""

import secrets
import subprocess

import pytest
import redis
from e2e_support import DEMO_STATE, QUALIFIERS, AdminSession, MqttViewer, SseViewer

from admin.sessions import sessions_key
from admin.users import UserStore
from model.messages import encode
from stack.services import HOST
from store import CorruptStateError, Store

PROJECT_SERVICES = ("bridge", "relay", "admin", "gateway")
PASSWORD = "e2e password that is long enough"


@pytest.fixture(autouse=True)
def restart_dead_services(request):
    """Restart any of the session stack's own services that a test left dead.

    The stack is shared with other test folders. A bridge that died on a feed entry
    would read it again on restart, so its consumer group goes first.
    """
    if "local_stack" not in request.fixturenames:
        yield
        return
    local_stack = request.getfixturevalue("local_stack")
    yield
    for name in PROJECT_SERVICES:
        service = local_stack.services[name]
        if service.running:
            continue
        if name == "bridge":
            client = redis.Redis.from_url(local_stack.redis_url)
            client.xgroup_destroy("qh:changes", "bridge")
            client.close()
        service.start()


@pytest.fixture
def store(local_stack):
    store = Store.from_url(local_stack.redis_url)
    yield store
    store.client.close()


@pytest.fixture
def raw_redis(local_stack):
    client = redis.Redis.from_url(local_stack.redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def demo_state(store, raw_redis):
    """The demo qualifier day as the current state; a corrupted state is repaired after."""
    state = store.replace(DEMO_STATE, user="e2e-setup")
    yield state
    try:
        store.read()
    except (CorruptStateError, RecursionError):
        raw_redis.mset({"qh:state": encode(state), "qh:version": state["version"]})
    store.replace(DEMO_STATE, user="e2e-setup")


def stored_fingerprint(client):
    """Everything a change writes: state, version, change feed and audit log lengths."""
    return {
        "state": client.get("qh:state"),
        "version": client.get("qh:version"),
        "changes": client.xlen("qh:changes"),
        "audit": client.xlen("qh:audit"),
    }


@pytest.fixture
def fingerprint(raw_redis):
    return lambda: stored_fingerprint(raw_redis)


@pytest.fixture
def mqtt_viewer(local_stack, demo_state):
    """An anonymous subscriber on the broker's TCP listener, holding the demo state."""
    viewer = MqttViewer(
        HOST, local_stack.ports.mqtt, ["qualifiers/snapshot", "qualifiers/updates"]
    )
    yield viewer
    viewer.close()


@pytest.fixture
def sse_viewer(local_stack, demo_state):
    viewer = SseViewer(local_stack.relay_url)
    yield viewer
    viewer.close()


@pytest.fixture
def account(local_stack):
    """A fresh admin account: (name, password). Removed with its sessions afterwards."""
    client = redis.Redis.from_url(local_stack.redis_url)
    users = UserStore(client)
    name = "e2e-" + secrets.token_hex(4)
    users.add(name, "admin", PASSWORD)
    yield name, PASSWORD
    # Deleted directly: UserStore.remove keeps the last admin account.
    client.hdel("qh:users", name)
    client.delete(
        sessions_key("qh:", name),
        f"qh:login-failures:user:{name}",
        "qh:login-failures:ip:127.0.0.1",
    )
    client.close()


@pytest.fixture
def new_admin_session(local_stack):
    """Open admin sessions (not logged in); all are closed after the test."""
    sessions = []

    def open_session():
        session = AdminSession(local_stack.admin_url)
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()


@pytest.fixture
def admin(new_admin_session, account, demo_state):
    session = new_admin_session()
    response = session.log_in(*account)
    assert response.status_code == 303, response.text
    return session


@pytest.fixture
def qualifiers(local_stack):
    """Run the `qualifiers` command against the stack's Redis."""

    def run(*args, stdin=None):
        command = [
            str(QUALIFIERS),
            "--redis-url",
            local_stack.redis_url,
            "--as-user",
            "e2e-cli",
            *args,
        ]
        return subprocess.run(
            command,
            check=False,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run
