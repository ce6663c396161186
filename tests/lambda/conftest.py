"""Fixtures for the bootstrap function: a config against moto and a seeded Redis."""

import io

import boto3
import pytest
from bootstrap.app import BootstrapApp
from bootstrap.clients import AwsClients
from bootstrap.config import Config
from lambda_support import ORIGIN, REGION, RELAY_URL, ROLE_ARN, http_event

from model import edits
from store import Store


@pytest.fixture(autouse=True)
def aws_test_credentials(monkeypatch, tmp_path):
    """Fake long-lived keys for moto; no real profile or credentials file is read."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTINGONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def config(moto_server, redis_url):
    return Config(
        viewer_role_arn=ROLE_ARN,
        redis_url=redis_url,
        region=REGION,
        aws_endpoint_url=moto_server.url,
        allowed_origins=(ORIGIN,),
        relay_urls=(RELAY_URL,),
    )


@pytest.fixture
def seeded_state(redis_url):
    """Store a state with one region and one stream; return it, version included."""
    store = Store.from_url(redis_url)
    state = store.apply(
        lambda state: edits.upsert_region(
            state, {"id": "europe", "title": "Europe", "order": 1}
        ),
        user="setup",
        action="add region",
    )
    fields = {
        "name": "Alpha",
        "url": "twitch.tv/alpha",
        "score": [0, 1],
        "language": "English",
    }
    state = store.apply(
        lambda state: edits.add_stream(state, "europe", fields),
        user="setup",
        action="add",
    )
    store.client.close()
    return state


@pytest.fixture
def aws_clients(moto_server):
    sts = boto3.client("sts", region_name=REGION, endpoint_url=moto_server.url)
    iot = boto3.client("iot", region_name=REGION, endpoint_url=moto_server.url)
    return AwsClients(REGION, sts=sts, iot=iot)


@pytest.fixture
def log_stream():
    return io.StringIO()


@pytest.fixture
def app(config, aws_clients, log_stream):
    return BootstrapApp(config, clients=aws_clients, log_stream=log_stream)


@pytest.fixture
def make_event():
    return http_event
