"""Events through nginx configured from deploy/nginx-relay.conf, over HTTP/2 and TLS."""

import os
import pwd
import re
import subprocess
import threading

import pytest
from conftest import add_stream, bump
from relay_support import ROOT, WAIT_SECONDS

from stack.services import HOST, free_port, wait_for_port

NGINX = "/usr/sbin/nginx"


def site_config(relay_ports, port, cert, key):
    """Return deploy/nginx-relay.conf rewritten for loopback test ports."""
    text = (ROOT / "deploy" / "nginx-relay.conf").read_text()
    servers = "".join(
        f"    server {HOST}:{relay} max_fails=1 fail_timeout=5s;\n"
        for relay in relay_ports
    )
    text, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text)
    assert count == 1, "expected one block of upstream servers"
    text = text.replace("listen 443 ssl http2;", f"listen {HOST}:{port} ssl http2;")
    text = text.replace("listen [::]:443 ssl http2;\n", "")
    text = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {cert};", text)
    return re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", text)


@pytest.fixture
def nginx(tmp_path, start_relay, store):
    relays = [start_relay(), start_relay()]

    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    cert, key = prefix / "relay.pem", prefix / "relay.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )

    port = free_port()
    (prefix / "relay.conf").write_text(
        site_config([r.port for r in relays], port, cert, key)
    )
    (prefix / "nginx.conf").write_text(
        f"user {pwd.getpwuid(os.getuid()).pw_name};\n"
        "daemon off;\nworker_processes 1;\n"
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log info;\n"
        "events { worker_connections 256; }\n"
        "http {\n    access_log off;\n"
        + "".join(
            f"    {kind}_temp_path {prefix}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {prefix}/relay.conf;\n}}\n"
    )

    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "logs" / "error.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process=process)
    yield port
    process.terminate()
    process.wait(WAIT_SECONDS)


class CurlStream:
    """`curl --http2 -N` reading /events; lines arrive in `lines` as curl prints them."""

    def __init__(self, port):
        self.lines = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [
                "curl",
                "-sSN",
                "-i",
                "--http2",
                "-k",
                "--max-time",
                "60",
                f"https://{HOST}:{port}/events",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\r\n"))
                self.changed.notify_all()

    def wait_for(self, text):
        with self.changed:
            found = self.changed.wait_for(lambda: text in self.lines, WAIT_SECONDS)
        assert found, f"{text!r} not received; got {self.lines[-8:]}"

    def close(self):
        self.process.terminate()
        self.process.wait(WAIT_SECONDS)
        self.process.stdout.close()
        self.thread.join(WAIT_SECONDS)


def test_nginx_passes_events_unbuffered(nginx, store):
    stream = CurlStream(nginx)
    version = store.read()["version"]
    stream.wait_for(f"id: {version}")

    assert stream.lines[0].startswith("HTTP/2 200")
    assert "event: snapshot" in stream.lines

    # Each small event must come through on its own: a buffering proxy would hold
    # it until kilobytes more arrived or the stream ended.
    add_stream(store, "europe", "ThroughNginx")
    stream.wait_for(f"id: {version + 1}")
    bump(store, "europe", "throughnginx")
    stream.wait_for(f"id: {version + 2}")
    stream.close()
