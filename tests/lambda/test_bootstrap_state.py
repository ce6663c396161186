"""Reading the state over rediss:// with a password, as from ElastiCache in transit."""

import json
import subprocess

import pytest
from bootstrap.app import BootstrapApp
from bootstrap.config import Config

from model import edits
from stack.services import HOST, RedisServer, free_port
from store import Store

PASSWORD = "tls-redis-password"


class TlsRedisServer(RedisServer):
    """redis-server that accepts only TLS connections and requires a password."""

    def __init__(self, workdir):
        super().__init__(workdir, appendonly=False)
        self.tls_port = free_port()

    def command(self):
        plain = super().command()
        return [
            *plain[: plain.index("--port")],
            "--port", "0",
            "--tls-port", str(self.tls_port),
            "--tls-cert-file", str(self.workdir / "cert.pem"),
            "--tls-key-file", str(self.workdir / "key.pem"),
            "--tls-ca-cert-file", str(self.workdir / "cert.pem"),
            "--tls-auth-clients", "no",
            "--requirepass", PASSWORD,
            *plain[plain.index("--dir"):],
        ]  # fmt: skip

    def ports(self):
        return [self.tls_port]

    def url(self, password=PASSWORD):
        certificate = self.workdir / "cert.pem"
        return (
            f"rediss://:{password}@{HOST}:{self.tls_port}/0?ssl_ca_certs={certificate}"
        )


def write_certificate(folder):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}"],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("redis-tls")
    write_certificate(workdir)
    server = TlsRedisServer(workdir).start()
    yield server
    server.stop()


def test_rediss_with_password(tls_redis, config, aws_clients, make_event):
    store = Store.from_url(tls_redis.url())
    state = store.apply(
        lambda state: edits.set_site(state, {"event": "TLS day"}), "setup", "site"
    )
    secure = Config(**{**config.__dict__, "redis_url": tls_redis.url()})
    app = BootstrapApp(secure, clients=aws_clients)

    response = app.handle(make_event())

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["state"] == state


def test_wrong_password_is_503(tls_redis, config, aws_clients, make_event, log_stream):
    secure = Config(**{**config.__dict__, "redis_url": tls_redis.url("wrong-password")})
    app = BootstrapApp(secure, clients=aws_clients, log_stream=log_stream)

    response = app.handle(make_event())

    assert response["statusCode"] == 503
    assert "wrong-password" not in response["body"]
    assert "wrong-password" not in log_stream.getvalue()
