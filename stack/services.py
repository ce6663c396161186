"""Start and stop the servers the system talks to: Redis, Mosquitto and moto.

Each server runs as a child process on loopback with its own configuration in a work
folder, so tests and the local stack never touch the machine's shared instances.
"""

import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
IOT_MAX_PAYLOAD_BYTES = 128 * 1024


class ServiceError(RuntimeError):
    """A local server failed to start."""


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def check_port_free(name: str, port: int) -> None:
    """Raise ServiceError if something already listens on `port`.

    Without this, a service that fails to bind would look ready, because the
    readiness check only tries to connect.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise ServiceError(
                f"cannot start {name}: {HOST}:{port} is in use ({exc.strerror}). "
                "Is another Qualifier Hub stack running? Stop it, or choose other ports."
            ) from None


def wait_for_port(port: int, timeout: float = 15.0, process=None) -> None:
    """Block until something accepts TCP connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(
                f"process {process.args[0]} exited with {process.returncode}"
            )
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
            return
        time.sleep(0.05)
    raise ServiceError(f"nothing listens on {HOST}:{port} after {timeout:.0f} s")


class Service:
    """A server process with a fixed port list, restartable in place."""

    name = "service"
    # Seconds a fresh process has to start listening on its ports.
    start_timeout = 15.0

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        """The file that receives the process's output."""
        return self.workdir / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def ports(self) -> list[int]:
        raise NotImplementedError

    def start(self) -> "Service":
        self._check_ports_free()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        self._wait_until_serving()
        logger.info(
            "%s started, pid %s, ports %s", self.name, self.process.pid, self.ports()
        )
        return self

    def _check_ports_free(self) -> None:
        for port in self.ports():
            check_port_free(self.name, port)

    def _wait_until_serving(self) -> None:
        """Wait until the process listens on its ports, and stop it if it does not."""
        try:
            for port in self.ports():
                wait_for_port(port, timeout=self.start_timeout, process=self.process)
        except ServiceError:
            self.stop(kill=True)
            raise

    def stop(self, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop the process: SIGTERM (clean) or SIGKILL (`kill=True`)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        logger.info("%s stopped (%s)", self.name, "SIGKILL" if kill else "SIGTERM")

    def restart(self, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class RedisServer(Service):
    """redis-server with append-only persistence, so data survives a restart or a kill."""

    name = "redis"

    def __init__(self, workdir: Path, port: int | None = None, appendonly: bool = True):
        super().__init__(workdir)
        self.port = port or free_port()
        self.appendonly = appendonly

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            # Every acknowledged commit is on disk, so a killed Redis never comes back
            # at an older version than viewers have already seen.
            "--appendfsync",
            "always",
            "--protected-mode",
            "yes",
        ]

    def ports(self) -> list[int]:
        return [self.port]


class MosquittoBroker(Service):
    """Mosquitto with a TCP listener for the bridge and a WebSockets one for browsers.

    Anonymous clients may only subscribe to and receive the site's topics, as the
    viewer's IAM policy allows on AWS IoT; the bridge logs in as a named user that
    may publish there. `message_size_limit` matches AWS IoT's 128 KB payload limit.

    Mosquitto 2.0.11 (Debian 12) ignores the address of a WebSockets listener and
    listens on every interface. So the bridge's password is new for every broker
    unless given: only the bridge may publish, from any host.
    """

    name = "mosquitto"

    def __init__(
        self,
        workdir: Path,
        topic_prefix: str = "qualifiers",
        tcp_port: int | None = None,
        ws_port: int | None = None,
        bridge_user: str = "bridge",
        bridge_password: str | None = None,
    ):
        super().__init__(workdir)
        self.topic_prefix = topic_prefix
        self.tcp_port = tcp_port or free_port()
        self.ws_port = ws_port or free_port()
        self.bridge_user = bridge_user
        self.bridge_password = bridge_password or secrets.token_urlsafe(24)

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.ws_port}/mqtt"

    def command(self) -> list[str]:
        return [
            shutil.which("mosquitto") or "/usr/sbin/mosquitto",
            "-c",
            str(self._write_config()),
        ]

    def ports(self) -> list[int]:
        return [self.tcp_port, self.ws_port]

    @staticmethod
    def _user() -> str:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name

    def _write_config(self) -> Path:
        acl = self.workdir / "acl"
        acl.write_text(
            f"topic read {self.topic_prefix}/#\n"
            f"\nuser {self.bridge_user}\ntopic readwrite {self.topic_prefix}/#\n"
        )
        # For running the bridge by hand against this broker (docs/bridge.md).
        secret = self.workdir / "bridge-password"
        secret.touch(mode=0o600)
        secret.write_text(self.bridge_password + "\n")
        passwords = self.workdir / "passwords"
        passwords.write_text(f"{self.bridge_user}:{self.bridge_password}\n")
        subprocess.run(
            ["mosquitto_passwd", "-U", str(passwords)], check=True, capture_output=True
        )
        for path in (acl, passwords):
            path.chmod(0o644)
        config = self.workdir / "mosquitto.conf"
        config.write_text(
            # Run as root, Mosquitto drops to the mosquitto user, which cannot read a
            # private work folder; keep the invoking user instead.
            f"user {self._user()}\n"
            "per_listener_settings false\n"
            "allow_anonymous true\n"
            f"acl_file {acl}\n"
            f"password_file {passwords}\n"
            f"message_size_limit {IOT_MAX_PAYLOAD_BYTES}\n"
            "persistence false\n"
            "log_dest stdout\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            f"listener {self.tcp_port} {HOST}\n"
            f"listener {self.ws_port} {HOST}\nprotocol websockets\n"
        )
        return config


class MotoServer(Service):
    """moto's server mode, standing in for STS and the IoT control plane."""

    name = "moto"

    def __init__(self, workdir: Path, port: int | None = None):
        super().__init__(workdir)
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        moto_server = Path(sys.executable).with_name("moto_server")
        return [str(moto_server), "-H", HOST, "-p", str(self.port)]

    def ports(self) -> list[int]:
        return [self.port]


def python_env(**overrides: str) -> dict[str, str]:
    """Return this process's environment with `overrides`, for child Python services."""
    env = dict(os.environ)
    env.update(overrides)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class PythonService(Service):
    """One of the project's own services, run as `python -m MODULE ARGS`."""

    start_timeout = 30.0

    def __init__(
        self,
        name: str,
        workdir: Path,
        args: list[str],
        env: dict[str, str],
        port: int | None = None,
    ):
        super().__init__(workdir)
        self.name = name
        self.args = args
        self.env = env
        self.port = port

    def command(self) -> list[str]:
        return [sys.executable, *self.args]

    def ports(self) -> list[int]:
        return [self.port] if self.port else []

    def start(self) -> "PythonService":
        self._check_ports_free()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=python_env(**self.env),
                cwd=Path(__file__).parents[1],
            )
        self._wait_until_serving()
        logger.info("%s started, pid %s", self.name, self.process.pid)
        return self

    def log_text(self) -> str:
        path = self.log_path
        return path.read_text(errors="replace") if path.exists() else ""
