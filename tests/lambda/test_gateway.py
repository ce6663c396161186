"""The local gateway: HTTP API events for the handler, and the built site's files."""

import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from lambda_support import ORIGIN, REGION, ROLE_ARN
from starlette.testclient import TestClient

from stack.gateway import StaticSite, accepted_encodings, cache_control, create_app
from stack.services import HOST, free_port, python_env, wait_for_port

ROOT = Path(__file__).resolve().parents[2]

INDEX = "<!doctype html><title>Qualifier Hub</title>"
SCRIPT = "console.log('qualifiers');" * 40


@pytest.fixture
def dist(tmp_path):
    site = tmp_path / "dist"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text(INDEX)
    (site / "assets" / "app.3f9a7c21.js").write_text(SCRIPT)
    (site / "assets" / "app.3f9a7c21.js.gz").write_bytes(gzip.compress(SCRIPT.encode()))
    (site / "assets" / "app.3f9a7c21.js.br").write_bytes(b"brotli stand-in")
    (site / "runtime.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "secret.txt").write_text("outside the site")
    return site


class RecordingHandler:
    def __init__(self, result):
        self.result = result
        self.events = []

    def __call__(self, event, context):
        self.events.append((event, context))
        return self.result


@pytest.fixture
def recorded(dist):
    handler = RecordingHandler({
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Test": "yes"},
        "body": base64.b64encode(b'{"ok":true}').decode(),
        "isBase64Encoded": True,
        "cookies": ["a=1; Path=/"],
    })  # fmt: skip
    return handler, TestClient(create_app(dist, handler))


def test_request_becomes_http_api_event(recorded):
    handler, client = recorded

    client.post(
        "/api/bootstrap?page=1&page=2",
        content=b"hello",
        headers={"Origin": ORIGIN, "X-Custom": "A", "Cookie": "s=1; t=2"},
    )

    event, context = handler.events[0]
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/api/bootstrap"
    assert event["rawQueryString"] == "page=1&page=2"
    assert event["queryStringParameters"] == {"page": "1,2"}
    assert event["headers"]["origin"] == ORIGIN
    assert event["headers"]["x-custom"] == "A"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["body"] == "hello"
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["path"] == "/api/bootstrap"
    assert event["requestContext"]["requestId"] == context.aws_request_id
    assert context.get_remaining_time_in_millis() > 0


def test_binary_body_is_base64(recorded):
    handler, client = recorded

    client.put("/api/bootstrap", content=b"\xff\xfe")

    event, _ = handler.events[0]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_handler_result_becomes_response(recorded):
    _, client = recorded

    response = client.get("/api/bootstrap")

    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert response.headers["x-test"] == "yes"
    assert response.headers["set-cookie"] == "a=1; Path=/"


def test_plain_result_is_json_200(dist):
    client = TestClient(create_app(dist, RecordingHandler({"hello": "world"})))

    response = client.get("/api/anything")

    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


def test_index_is_revalidated(recorded):
    _, client = recorded

    response = client.get("/")

    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/html")


def test_not_modified_on_matching_etag(recorded):
    _, client = recorded
    etag = client.get("/index.html").headers["etag"]

    response = client.get("/index.html", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""


def test_hashed_asset_cached_long(recorded):
    _, client = recorded

    response = client.get(
        "/assets/app.3f9a7c21.js", headers={"Accept-Encoding": "identity"}
    )

    assert response.text == SCRIPT
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"


def test_brotli_preferred(recorded):
    _, client = recorded

    response = client.get(
        "/assets/app.3f9a7c21.js",
        headers={"Accept-Encoding": "gzip, br"},
    )

    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"].startswith("text/javascript")


def test_gzip_sibling_served(recorded):
    _, client = recorded

    response = client.get(
        "/assets/app.3f9a7c21.js", headers={"Accept-Encoding": "gzip"}
    )

    assert response.headers["content-encoding"] == "gzip"
    assert response.text == SCRIPT  # httpx decodes it
    assert response.headers["content-type"].startswith("text/javascript")


def test_wasm_media_type(recorded):
    _, client = recorded

    response = client.get("/runtime.wasm")

    assert response.headers["content-type"] == "application/wasm"


@pytest.mark.parametrize(
    "path", ["/missing.js", "/../secret.txt", "/%2e%2e/secret.txt"]
)
def test_missing_or_outside_is_404(recorded, path):
    _, client = recorded

    response = client.get(path)

    assert response.status_code == 404
    assert "outside the site" not in response.text


def test_paths_outside_site_rejected(dist):
    site = StaticSite(dist)

    assert site.find("../secret.txt") is None
    assert site.find("assets/../../secret.txt") is None
    assert site.find("assets/app.3f9a7c21.js") == dist / "assets" / "app.3f9a7c21.js"
    assert site.find("") == dist / "index.html"


def test_head_has_no_body(recorded):
    _, client = recorded

    response = client.head("/index.html")

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(INDEX))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, br", {"gzip", "br"}),
        ("br;q=0, gzip;q=0.5", {"gzip"}),
        ("*", {"*", "br", "gzip"}),
        ("gzip;q=bad", set()),
        ("", set()),
    ],
)
def test_accepted_encodings(header, expected):
    assert accepted_encodings(header) == expected


@pytest.mark.parametrize(
    ("name", "hashed"),
    [
        ("app.3f9a7c21.js", True),
        ("core-DbZk3aO1.js", True),
        ("index.html", False),
        ("core-settings.js", False),
        ("micropython-1.27.0.wasm", False),
    ],
)
def test_cache_control_by_name(name, hashed):
    assert (cache_control(name) != "no-cache") is hashed


@pytest.fixture
def gateway_process(dist, moto_server, redis_url, seeded_state, tmp_path):
    port = free_port()
    env = python_env(
        VIEWER_ROLE_ARN=ROLE_ARN,
        REDIS_URL=redis_url,
        AWS_REGION=REGION,
        AWS_ENDPOINT_URL=moto_server.url,
        ALLOWED_ORIGINS=f"http://{HOST}:{port}",
        IOT_WEBSOCKET_URL_OVERRIDE="ws://127.0.0.1:9001/mqtt",
    )
    with open(tmp_path / "gateway.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stack.gateway",
                "--dist",
                str(dist),
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    wait_for_port(port, process=process)
    yield f"http://{HOST}:{port}", tmp_path / "gateway.log"
    process.terminate()
    process.wait(10)


def test_gateway_serves_real_handler(gateway_process, seeded_state):
    base_url, log_path = gateway_process
    origin = base_url

    response = httpx.get(f"{base_url}/api/bootstrap", headers={"Origin": origin})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == origin
    body = response.json()
    assert body["state"] == seeded_state
    assert body["iot"]["url"].startswith("ws://127.0.0.1:9001/mqtt?X-Amz-Algorithm=")
    records = [json.loads(line) for line in log_path.read_text().splitlines()
               if line.startswith("{")]  # fmt: skip
    assert [record["client_id"] for record in records] == [body["client_id"]]


def test_gateway_serves_site(gateway_process):
    base_url, _ = gateway_process

    response = httpx.get(f"{base_url}/")

    assert response.status_code == 200
    assert response.text == INDEX


def test_gateway_unknown_api_route_is_json(gateway_process):
    base_url, _ = gateway_process

    response = httpx.get(f"{base_url}/api/nothing")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
