"""The bootstrap function end to end against moto's STS and IoT and a real Redis."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from bootstrap.app import BootstrapApp
from bootstrap.clients import AwsClients
from bootstrap.config import Config
from lambda_support import ORIGIN, RELAY_URL, ROLE_ARN, CallRecorder

CLIENT_ID = re.compile(r"viewer-[0-9a-f]{32}")


def body_of(response):
    return json.loads(response["body"])


def test_response_has_every_field(app, seeded_state, make_event):
    response = app.handle(make_event())
    body = body_of(response)

    assert response["statusCode"] == 200
    assert set(body) == {
        "client_id",
        "iot",
        "credentials",
        "site",
        "version",
        "state",
        "transports",
        "issued_at",
        "ttl",
        "expires_at",
    }
    assert CLIENT_ID.fullmatch(body["client_id"])
    assert set(body["iot"]) == {"endpoint", "region", "url", "topics"}
    assert body["iot"]["region"] == "eu-west-1"
    assert body["iot"]["topics"] == {
        "snapshot": "qualifiers/snapshot",
        "updates": "qualifiers/updates",
    }
    assert body["iot"]["url"].startswith(f"wss://{body['iot']['endpoint']}/mqtt?")
    assert set(body["credentials"]) == {
        "access_key_id",
        "secret_access_key",
        "session_token",
        "expiration",
    }
    assert body["state"] == seeded_state
    assert body["version"] == seeded_state["version"]
    assert body["site"] == seeded_state["site"]
    assert body["transports"] == [{"type": "sse", "url": RELAY_URL}]
    assert body["ttl"] == 300


def test_expiry_times_follow_ttl(config, aws_clients, seeded_state, make_event):
    issued = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    app = BootstrapApp(config, clients=aws_clients, clock=lambda: issued)

    body = body_of(app.handle(make_event()))

    assert body["issued_at"] == "2026-05-01T12:00:00Z"
    assert body["expires_at"] == "2026-05-01T12:05:00Z"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["credentials"]["expiration"]
    )


def test_credentials_come_from_assume_role(app, aws_clients, seeded_state, make_event):
    calls = CallRecorder(aws_clients.sts, "AssumeRole")

    body = body_of(app.handle(make_event()))

    assert len(calls.responses) == 1
    issued = calls.responses[0]["Credentials"]
    assert body["credentials"]["access_key_id"] == issued["AccessKeyId"]
    assert body["credentials"]["secret_access_key"] == issued["SecretAccessKey"]
    assert body["credentials"]["session_token"] == issued["SessionToken"]
    params = calls.params[0]
    assert params["RoleArn"] == ROLE_ARN
    assert params["RoleSessionName"] == body["client_id"]
    assert params["DurationSeconds"] == 900


def test_session_policy_names_only_this_client(
    app, aws_clients, seeded_state, make_event
):
    calls = CallRecorder(aws_clients.sts, "AssumeRole")

    body = body_of(app.handle(make_event()))

    policy = json.loads(calls.params[0]["Policy"])
    arn = "arn:aws:iot:eu-west-1:123456789012"
    by_action = {statement["Action"]: statement for statement in policy["Statement"]}
    assert set(by_action) == {"iot:Connect", "iot:Subscribe", "iot:Receive"}
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])
    assert by_action["iot:Connect"]["Resource"] == f"{arn}:client/{body['client_id']}"
    assert by_action["iot:Subscribe"]["Resource"] == [
        f"{arn}:topicfilter/qualifiers/snapshot",
        f"{arn}:topicfilter/qualifiers/updates",
    ]
    assert by_action["iot:Receive"]["Resource"] == [
        f"{arn}:topic/qualifiers/snapshot",
        f"{arn}:topic/qualifiers/updates",
    ]
    assert "*" not in json.dumps(policy)


def test_token_appended_after_signature(app, seeded_state, make_event):
    body = body_of(app.handle(make_event()))

    query = urlsplit(body["iot"]["url"]).query
    names = [name for name, _ in parse_qsl(query)]
    assert names.count("X-Amz-Security-Token") == 1
    assert names[-2:] == ["X-Amz-Signature", "X-Amz-Security-Token"]
    assert (
        dict(parse_qsl(query))["X-Amz-Security-Token"]
        == body["credentials"]["session_token"]
    )


def test_two_calls_differ(app, seeded_state, make_event, monkeypatch):
    import botocore.auth

    first_time = datetime(2026, 5, 1, 12, 0, 0)
    second_time = datetime(2026, 5, 1, 12, 0, 1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: first_time)
    first = body_of(app.handle(make_event()))
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: second_time)
    second = body_of(app.handle(make_event()))

    first_query = dict(parse_qsl(urlsplit(first["iot"]["url"]).query))
    second_query = dict(parse_qsl(urlsplit(second["iot"]["url"]).query))
    assert first["client_id"] != second["client_id"]
    assert first_query["X-Amz-Signature"] != second_query["X-Amz-Signature"]
    assert first_query["X-Amz-Date"] == "20260501T120000Z"
    assert second_query["X-Amz-Date"] == "20260501T120001Z"


def test_endpoint_described_once(app, aws_clients, seeded_state, make_event):
    calls = CallRecorder(aws_clients.iot, "DescribeEndpoint")

    first = body_of(app.handle(make_event()))
    second = body_of(app.handle(make_event()))

    assert len(calls.params) == 1
    assert calls.params[0]["endpointType"] == "iot:Data-ATS"
    assert first["iot"]["endpoint"] == second["iot"]["endpoint"]


def test_configured_endpoint_skips_describe(
    config, aws_clients, seeded_state, make_event
):
    calls = CallRecorder(aws_clients.iot, "DescribeEndpoint")
    configured = Config(
        **{**config.__dict__, "iot_endpoint": "abc-ats.iot.eu-west-1.amazonaws.com"}
    )
    app = BootstrapApp(configured, clients=aws_clients)

    body = body_of(app.handle(make_event()))

    assert calls.params == []
    assert body["iot"]["endpoint"] == "abc-ats.iot.eu-west-1.amazonaws.com"
    assert body["iot"]["url"].startswith(
        "wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?"
    )


def test_override_keeps_query(config, aws_clients, seeded_state, make_event):
    local = "ws://127.0.0.1:9001/mqtt"
    configured = Config(**{**config.__dict__, "websocket_url_override": local})
    app = BootstrapApp(configured, clients=aws_clients)

    body = body_of(app.handle(make_event()))

    url = urlsplit(body["iot"]["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == local
    query = dict(parse_qsl(url.query))
    assert query["X-Amz-SignedHeaders"] == "host"
    assert "X-Amz-Signature" in query
    assert "X-Amz-Security-Token" in query


def test_clients_built_from_endpoint_url(config, seeded_state, make_event):
    app = BootstrapApp(config)

    response = app.handle(make_event())

    assert response["statusCode"] == 200
    assert isinstance(app.clients, AwsClients)
    assert app.clients.sts.meta.endpoint_url == config.aws_endpoint_url


def test_empty_redis_gives_version_zero(app, make_event):
    body = body_of(app.handle(make_event()))

    assert body["version"] == 0
    assert body["state"]["regions"] == []


def test_preflight_allows_origin(app, make_event):
    event = make_event(
        "OPTIONS",
        headers={
            "access-control-request-method": "GET",
            "access-control-request-headers": "content-type",
        },
    )

    response = app.handle(event)

    headers = response["headers"]
    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert headers["Vary"] == "Origin"
    assert headers["Cache-Control"] == "no-store"


def test_unknown_origin_gets_no_cors(app, seeded_state, make_event):
    response = app.handle(make_event(headers={"origin": "https://elsewhere.example"}))

    assert response["statusCode"] == 200
    assert "Access-Control-Allow-Origin" not in response["headers"]
    assert response["headers"]["Vary"] == "Origin"


def test_success_headers(app, seeded_state, make_event):
    response = app.handle(make_event())

    headers = response["headers"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_access_log_is_one_json_line(app, seeded_state, make_event, log_stream):
    body = body_of(app.handle(make_event(request_id="req-42")))

    lines = log_stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["request_id"] == "req-42"
    assert record["status"] == 200
    assert record["client_id"] == body["client_id"]
    assert record["duration_ms"] >= 0
    signature = dict(parse_qsl(urlsplit(body["iot"]["url"]).query))["X-Amz-Signature"]
    for secret in (
        body["credentials"]["secret_access_key"],
        body["credentials"]["session_token"],
        body["credentials"]["access_key_id"],
        signature,
    ):
        assert secret not in lines[0]


def test_lambda_context_request_id_wins(app, make_event, log_stream):
    class Context:
        aws_request_id = "lambda-7"

    app.handle(make_event("OPTIONS"), Context())

    assert json.loads(log_stream.getvalue())["request_id"] == "lambda-7"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/other", 404, "not_found"),
        ("POST", "/api/bootstrap", 405, "method_not_allowed"),
        ("DELETE", "/api/bootstrap", 405, "method_not_allowed"),
    ],
)
def test_routing_errors_are_json(app, make_event, method, path, status, code):
    response = app.handle(make_event(method, path))

    assert response["statusCode"] == status
    assert body_of(response)["error"] == code
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert response["headers"]["Cache-Control"] == "no-store"


def test_method_not_allowed_names_allowed(app, make_event):
    response = app.handle(make_event("PUT"))

    assert response["headers"]["Allow"] == "GET, OPTIONS"
