import json
import signal
import urllib.error
import urllib.request

import pytest

from bridge.health import Health, HealthServer
from bridge.service import main


def test_invalid_setting_exits_with_status_2(monkeypatch, capsys):
    monkeypatch.setenv("BRIDGE_TRANSPORT", "udp")

    status = main([])

    assert status == 2
    assert "invalid BRIDGE_TRANSPORT 'udp'" in capsys.readouterr().err


def test_argument_overrides_environment_in_checks(monkeypatch, capsys):
    monkeypatch.setenv("BRIDGE_MAX_PUBLISH_RATE", "5")

    status = main(["--max-publish-rate", "500"])

    assert status == 2
    assert "invalid BRIDGE_MAX_PUBLISH_RATE 500.0" in capsys.readouterr().err


def test_missing_certificate_exits_with_status_2(monkeypatch, caplog):
    monkeypatch.setenv("BRIDGE_TRANSPORT", "mtls")
    monkeypatch.setenv("BRIDGE_CERT", "/nonexistent/bridge.pem")
    monkeypatch.setenv("BRIDGE_KEY", "/nonexistent/bridge.key")

    status = main([])

    assert status == 2
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert (
        "loading the TLS files failed (BRIDGE_CERT=/nonexistent/bridge.pem"
        in caplog.text
    )


@pytest.fixture
def health_server():
    health = Health()
    server = HealthServer(health, "127.0.0.1", 0).start()
    yield health, f"http://127.0.0.1:{server.port}"
    server.stop()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_health_is_503_until_both_connections_are_up(health_server):
    health, base = health_server
    health.update(redis_connected=True)

    status, body = get(base + "/health")

    assert status == 503
    assert json.loads(body)["ok"] is False


def test_health_reports_published_versions(health_server):
    health, base = health_server
    health.update(redis_connected=True, broker_connected=True)
    health.published(41, snapshot=True)
    health.published(42, snapshot=False)

    status, body = get(base + "/health")

    report = json.loads(body)
    assert status == 200
    assert report["published_version"] == 42
    assert report["snapshot_version"] == 41
    assert report["publishes"] == 2


def test_health_serves_only_its_path(health_server):
    _, base = health_server

    status, _ = get(base + "/metrics")

    assert status == 404
