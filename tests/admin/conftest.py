"""Fixtures for the admin app and CLI: a store with the demo day, accounts, clients."""

import json

import pytest
import redis
from admin_helpers import ADMIN, MODERATOR, SECRET_KEY, SNAPSHOT, log_in
from starlette.testclient import TestClient

from admin.app import create_app
from admin.config import load_config
from admin.passwords import hash_password
from admin.snapshots import import_state
from admin.users import UserStore
from store import Store


@pytest.fixture
def client_redis(redis_url):
    """A redis-py client returning bytes, as the app's own client does."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def store(client_redis):
    return Store(client_redis)


@pytest.fixture
def demo_store(store):
    import_state(store, "test-setup", SNAPSHOT)
    return store


@pytest.fixture(scope="session")
def account_records():
    """Account JSON for the two test users, hashed once because argon2 is slow on purpose."""
    return {
        ADMIN[0]: json.dumps(
            {"role": "admin", "password_hash": hash_password(ADMIN[1])}
        ),
        MODERATOR[0]: json.dumps(
            {"role": "moderator", "password_hash": hash_password(MODERATOR[1])}
        ),
    }


@pytest.fixture
def accounts(client_redis, account_records):
    client_redis.hset("qh:users", mapping=account_records)
    return UserStore(client_redis)


@pytest.fixture
def config():
    return load_config({}, secret_key=SECRET_KEY, login_max_failures=3)


@pytest.fixture
def app(config, client_redis, demo_store, accounts):
    return create_app(config, client_redis)


@pytest.fixture
def anonymous(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def moderator(app):
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, *MODERATOR)
        yield client


@pytest.fixture
def admin(app):
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, *ADMIN)
        yield client
