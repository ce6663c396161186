"""Error responses: JSON the page can read, CORS headers, and nothing secret."""

import io
import json

import boto3
import pytest
from bootstrap.app import BootstrapApp
from bootstrap.clients import AwsClients
from bootstrap.config import Config
from bootstrap.handler import LazyHandler
from botocore.stub import Stubber
from lambda_support import ORIGIN, REGION, ROLE_ARN

from stack.services import free_port

PASSWORD = "s3cret-redis-password"


def closed_url(scheme="http"):
    """Return a loopback URL on a port nothing listens on."""
    return f"{scheme}://127.0.0.1:{free_port()}"


def assert_readable_error(response, status, code):
    body = json.loads(response["body"])
    assert response["statusCode"] == status
    assert body["error"] == code
    assert body["message"]
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert response["headers"]["Cache-Control"] == "no-store"
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert "Traceback" not in response["body"]
    return body


def single_log_record(log_stream):
    lines = log_stream.getvalue().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_redis_down_is_503(config, aws_clients, make_event):
    down = Config(
        **{
            **config.__dict__,
            "redis_url": f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        }
    )
    log_stream = io.StringIO()
    app = BootstrapApp(down, clients=aws_clients, log_stream=log_stream)

    response = app.handle(make_event())

    body = assert_readable_error(response, 503, "state_unavailable")
    assert body["retry_after"] == 5
    assert response["headers"]["Retry-After"] == "5"
    assert PASSWORD not in response["body"]
    record = single_log_record(log_stream)
    assert record["status"] == 503
    assert record["error"].startswith("StateUnavailable")
    assert PASSWORD not in log_stream.getvalue()


def test_sts_unreachable_is_503(config, seeded_state, make_event):
    down = Config(**{**config.__dict__, "aws_endpoint_url": closed_url()})
    log_stream = io.StringIO()
    app = BootstrapApp(down, log_stream=log_stream)

    response = app.handle(make_event())

    assert_readable_error(response, 503, "credentials_unavailable")
    record = single_log_record(log_stream)
    assert record["error"].startswith("CredentialsUnavailable")
    assert "client_id" in record


def test_sts_access_denied_is_503(config, seeded_state, make_event, log_stream):
    sts = boto3.client("sts", region_name=REGION, endpoint_url=config.aws_endpoint_url)
    stubber = Stubber(sts)
    stubber.add_client_error("assume_role", "AccessDenied", "not authorized", 403)
    app = BootstrapApp(
        config, clients=AwsClients(REGION, sts=sts), log_stream=log_stream
    )

    with stubber:
        response = app.handle(make_event())

    assert_readable_error(response, 503, "credentials_unavailable")
    assert ROLE_ARN not in response["body"]
    assert "AccessDenied" in single_log_record(log_stream)["error"]


def test_describe_endpoint_failure_is_503(
    config, aws_clients, seeded_state, make_event
):
    iot = boto3.client("iot", region_name=REGION, endpoint_url=config.aws_endpoint_url)
    stubber = Stubber(iot)
    stubber.add_client_error(
        "describe_endpoint", "ThrottlingException", "slow down", 429
    )
    clients = AwsClients(REGION, sts=aws_clients.sts, iot=iot)
    app = BootstrapApp(config, clients=clients, log_stream=io.StringIO())

    with stubber:
        response = app.handle(make_event())

    assert_readable_error(response, 503, "endpoint_unavailable")


def test_unexpected_error_is_500(config, aws_clients, make_event, log_stream, caplog):
    class BrokenStore:
        def read(self):
            raise KeyError("secret-detail")

    app = BootstrapApp(
        config, clients=aws_clients, store=BrokenStore(), log_stream=log_stream
    )

    response = app.handle(make_event())

    assert_readable_error(response, 500, "internal_error")
    assert "secret-detail" not in response["body"]
    assert single_log_record(log_stream)["error"] == "KeyError"
    assert "request req-1 failed" in caplog.text


def test_corrupt_state_is_500(config, aws_clients, redis_client, make_event):
    redis_client.set("qh:state", "{not json")
    app = BootstrapApp(config, clients=aws_clients, log_stream=io.StringIO())

    response = app.handle(make_event())

    assert_readable_error(response, 500, "state_invalid")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CREDENTIALS_DURATION_SECONDS", "600"),
        ("CREDENTIALS_DURATION_SECONDS", "7200"),
        ("VIEWER_ROLE_ARN", "not-an-arn"),
    ],
)
def test_config_error_is_500_json(name, value, make_event, redis_url):
    environ = {
        "VIEWER_ROLE_ARN": ROLE_ARN,
        "REDIS_URL": redis_url,
        "AWS_REGION": REGION,
        "ALLOWED_ORIGINS": ORIGIN,
        name: value,
    }
    log_stream = io.StringIO()
    handler = LazyHandler(environ, log_stream=log_stream)

    response = handler(make_event())

    assert_readable_error(response, 500, "misconfigured")
    record = single_log_record(log_stream)
    assert record["status"] == 500
    assert name in record["error"]
    assert value in record["error"]


def test_handler_recovers_after_config_fix(
    make_event, redis_url, moto_server, seeded_state
):
    environ = {
        "REDIS_URL": redis_url,
        "AWS_REGION": REGION,
        "ALLOWED_ORIGINS": ORIGIN,
        "AWS_ENDPOINT_URL": moto_server.url,
    }
    handler = LazyHandler(environ, log_stream=io.StringIO())

    first = handler(make_event())
    environ["VIEWER_ROLE_ARN"] = ROLE_ARN
    second = handler(make_event())

    assert first["statusCode"] == 500
    assert second["statusCode"] == 200
