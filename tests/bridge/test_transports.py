"""The AWS transports (mutual TLS, signed WebSockets) against a TLS-enabled Mosquitto.

awsiotsdk's connection builders always use TLS, so this Mosquitto gets a test CA and a
server certificate for localhost. The mutual TLS listener takes the client
certificate's common name as the user name, as AWS IoT maps a certificate to a thing.
The WebSockets listener ignores the SigV4 query string, so the test shows that the
builder connects and publishes, not that AWS would accept the signature.
"""

import getpass
import subprocess
from pathlib import Path

import pytest
from bridge_support import HOST, Viewer, wait_until

from model import edits
from stack.services import Service, free_port

TOPIC_PREFIX = "qualifiers"
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder: Path) -> None:
    """Write ca.pem, server.pem/key (localhost) and client.pem/key (CN=bridge)."""
    openssl(
        "req",
        "-x509",
        *EC_KEY,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=qualifier-hub-test-ca",
        cwd=folder,
    )
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, subject in (("server", "/CN=localhost"), ("client", "/CN=bridge")):
        openssl(
            "req",
            *EC_KEY,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            subject,
            cwd=folder,
        )
        openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            cwd=folder,
        )


class TlsMosquitto(Service):
    """Mosquitto with plain TCP for viewers, mutual TLS and WSS for the bridge."""

    name = "mosquitto-tls"

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        self.tcp_port = free_port()
        self.mtls_port = free_port()
        self.wss_port = free_port()

    def ports(self):
        return [self.tcp_port, self.mtls_port, self.wss_port]

    def command(self):
        return ["mosquitto", "-c", str(self._write_config())]

    def _write_config(self) -> Path:
        folder = self.workdir
        make_certificates(folder)
        (folder / "read.acl").write_text(f"topic read {TOPIC_PREFIX}/#\n")
        (folder / "bridge.acl").write_text(
            f"user bridge\ntopic readwrite {TOPIC_PREFIX}/#\n"
        )
        # Stands in for an IAM policy that lets the signed identity publish. A pattern
        # applies to every client, and awsiotsdk sends SDK metrics as the user name.
        (folder / "signed.acl").write_text(f"pattern readwrite {TOPIC_PREFIX}/#\n")
        tls = f"cafile {folder}/ca.pem\ncertfile {folder}/server.pem\nkeyfile {folder}/server.key\n"
        config = folder / "mosquitto.conf"
        config.write_text(
            f"user {getpass.getuser()}\nper_listener_settings true\npersistence false\nlog_dest stdout\n"
            f"listener {self.tcp_port} {HOST}\nallow_anonymous true\n"
            f"acl_file {folder}/read.acl\n"
            f"listener {self.mtls_port} {HOST}\n{tls}require_certificate true\n"
            f"use_identity_as_username true\nacl_file {folder}/bridge.acl\n"
            f"listener {self.wss_port} {HOST}\nprotocol websockets\n{tls}"
            f"allow_anonymous true\nacl_file {folder}/signed.acl\n"
        )
        return config


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    broker = TlsMosquitto(tmp_path_factory.mktemp("mosquitto-tls")).start()
    yield broker
    broker.stop()


@pytest.fixture
def fake_aws_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTINGONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def edit_reaches_viewer(store, tls_broker, start_bridge, topic_prefix, **settings):
    bridge = start_bridge(
        topic_prefix=topic_prefix,
        endpoint="localhost",
        ca_path=str(tls_broker.workdir / "ca.pem"),
        **settings,
    )
    viewer = Viewer(tls_broker.tcp_port, topic_prefix)
    try:
        assert wait_until(lambda: viewer.state == store.read())
        stream_id = store.read()["regions"][2]["streams"][0]["id"]
        state = store.apply(
            lambda s: edits.update_stream(s, "europe", stream_id, {"score": [3, 2]}),
            user="mod",
            action="score",
        )
        assert wait_until(lambda: viewer.state == state)
        assert bridge.health.report()["published_version"] == state["version"]
    finally:
        viewer.close()


def test_mutual_tls_connects_and_publishes(
    store, tls_broker, start_bridge, topic_prefix
):
    folder = tls_broker.workdir
    edit_reaches_viewer(
        store,
        tls_broker,
        start_bridge,
        topic_prefix,
        transport="mtls",
        port=tls_broker.mtls_port,
        cert_path=str(folder / "client.pem"),
        key_path=str(folder / "client.key"),
    )


def test_signed_websockets_connect_and_publish(
    store, tls_broker, start_bridge, topic_prefix, fake_aws_credentials
):
    edit_reaches_viewer(
        store,
        tls_broker,
        start_bridge,
        topic_prefix,
        transport="websockets",
        port=tls_broker.wss_port,
        signing_region="eu-west-1",
    )
