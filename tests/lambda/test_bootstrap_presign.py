"""Presigned WebSocket URLs checked against awscrt's independent SigV4 signer."""

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
import pytest
from awscrt.auth import (
    AwsCredentialsProvider,
    AwsSignatureType,
    AwsSigningAlgorithm,
    AwsSigningConfig,
    aws_sign_request,
)
from awscrt.http import HttpHeaders, HttpRequest
from bootstrap.credentials import TemporaryCredentials
from bootstrap.presign import presign_websocket_url, replace_location

ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"
REGION = "eu-west-1"
FROZEN = datetime(2026, 5, 1, 12, 30, 45)
TEMPORARY = TemporaryCredentials(
    access_key_id="ASIAEXAMPLEKEYID0001",
    secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    # Tokens contain '/', '+' and '=', which must be percent-encoded in the URL.
    session_token="FwoGZXIvYXdzEJr//////////wEaDK+token/with+plus==",
)
LONG_LIVED = TemporaryCredentials("AKIAEXAMPLEKEYID0001", "long-lived-secret/key+1")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: FROZEN)


def crt_signed_query(credentials, expires_seconds):
    """Sign GET /mqtt with awscrt, leaving the session token out of the signature."""
    request = HttpRequest("GET", "/mqtt", HttpHeaders([("host", ENDPOINT)]))
    provider = AwsCredentialsProvider.new_static(
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
    )
    signing_config = AwsSigningConfig(
        algorithm=AwsSigningAlgorithm.V4,
        signature_type=AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS,
        credentials_provider=provider,
        region=REGION,
        service="iotdevicegateway",
        date=FROZEN.replace(tzinfo=UTC),
        expiration_in_seconds=expires_seconds,
        omit_session_token=True,
    )
    signed = aws_sign_request(request, signing_config).result(timeout=10)
    return dict(parse_qsl(urlsplit(signed.path).query))


def query_pairs(url):
    return parse_qsl(urlsplit(url).query)


def test_signature_matches_awscrt():
    url = presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300)

    ours = dict(query_pairs(url))
    theirs = crt_signed_query(TEMPORARY, 300)
    assert ours["X-Amz-Signature"] == theirs["X-Amz-Signature"]
    for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires"):
        assert ours[name] == theirs[name]
    assert ours["X-Amz-SignedHeaders"] == "host"
    assert ours["X-Amz-Date"] == "20260501T123045Z"


def test_token_once_after_signature():
    url = presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300)

    names = [name for name, _ in query_pairs(url)]
    assert names.count("X-Amz-Security-Token") == 1
    assert names.index("X-Amz-Security-Token") == names.index("X-Amz-Signature") + 1
    assert names[-1] == "X-Amz-Security-Token"
    assert dict(query_pairs(url))["X-Amz-Security-Token"] == TEMPORARY.session_token
    assert "+" not in urlsplit(url).query.split("X-Amz-Security-Token=")[1]


def test_url_shape():
    url = urlsplit(presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300))

    assert url.scheme == "wss"
    assert url.netloc == ENDPOINT
    assert url.path == "/mqtt"


def test_long_lived_keys_have_no_token():
    url = presign_websocket_url(ENDPOINT, REGION, LONG_LIVED, 120)

    ours = dict(query_pairs(url))
    assert "X-Amz-Security-Token" not in ours
    assert (
        ours["X-Amz-Signature"] == crt_signed_query(LONG_LIVED, 120)["X-Amz-Signature"]
    )
    assert ours["X-Amz-Expires"] == "120"


def test_signature_changes_with_clock(monkeypatch):
    first = dict(query_pairs(presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300)))
    later = FROZEN.replace(second=46)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: later)
    second = dict(query_pairs(presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300)))

    assert first["X-Amz-Signature"] != second["X-Amz-Signature"]


def test_replace_location_keeps_query():
    signed = presign_websocket_url(ENDPOINT, REGION, TEMPORARY, 300)

    local = replace_location(signed, "ws://127.0.0.1:9001/mqtt")

    assert local.startswith("ws://127.0.0.1:9001/mqtt?")
    assert urlsplit(local).query == urlsplit(signed).query
