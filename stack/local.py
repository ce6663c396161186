"""The whole system on loopback: the servers it needs and every service of its own.

`make run` starts one with the fixed ports below; the end-to-end tests start one per
test session on free ports.
"""

import json
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from stack.services import (
    HOST,
    MosquittoBroker,
    MotoServer,
    PythonService,
    RedisServer,
    free_port,
)

logger = logging.getLogger(__name__)

ROOT = Path(__file__).parents[1]
DEMO_SNAPSHOT = Path(__file__).parent / "demo" / "qualifier-day.snapshot.json"
TOPIC_PREFIX = "qualifiers"
VIEWER_ROLE_ARN = "arn:aws:iam::123456789012:role/qualifiers-viewer"
AWS_REGION = "us-east-1"


@dataclass(frozen=True)
class Ports:
    gateway: int = 8000
    admin: int = 8001
    relay: int = 8002
    bridge_health: int = 8003
    redis: int = 6385
    mqtt: int = 1885
    mqtt_ws: int = 9005
    moto: int = 5005

    @classmethod
    def free(cls) -> "Ports":
        return cls(**{name: free_port() for name in cls.__dataclass_fields__})


@dataclass
class LocalStack:
    workdir: Path
    ports: Ports = field(default_factory=Ports)
    admin_secret: str = "local-stack-secret-key-not-for-production"
    bridge_rate: float = 10.0
    services: dict = field(default_factory=dict)

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.ports.redis}/0"

    @property
    def site_url(self) -> str:
        return f"http://{HOST}:{self.ports.gateway}/"

    @property
    def admin_url(self) -> str:
        return f"http://{HOST}:{self.ports.admin}/"

    @property
    def relay_url(self) -> str:
        return f"http://{HOST}:{self.ports.relay}/events"

    @property
    def dist(self) -> Path:
        return self.workdir / "dist"

    def start(self, load_demo: bool = True) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._start_servers()
        if load_demo:
            self.load_demo_if_empty()
        self.build_site()
        for name, service in self._project_services().items():
            self.services[name] = service.start()
        return self

    def stop(self) -> None:
        for name in reversed(list(self.services)):
            self.services[name].stop()

    def exited_services(self) -> list[str]:
        """Return "name (exit code N, log PATH)" for each started service that is
        not running."""
        return [
            f"{name} (exit code {service.process.returncode}, log {service.log_path})"
            for name, service in self.services.items()
            if service.process is not None and not service.running
        ]

    def log_folders(self) -> list[Path]:
        """Return the folders that hold the services' logs, each once."""
        return sorted({service.log_path.parent for service in self.services.values()})

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _start_servers(self) -> None:
        self.services["redis"] = RedisServer(
            self.workdir / "redis", port=self.ports.redis
        ).start()
        self.services["mosquitto"] = MosquittoBroker(
            self.workdir / "mosquitto",
            TOPIC_PREFIX,
            tcp_port=self.ports.mqtt,
            ws_port=self.ports.mqtt_ws,
        ).start()
        self.services["moto"] = MotoServer(
            self.workdir / "moto", port=self.ports.moto
        ).start()

    def load_demo_if_empty(self) -> None:
        from store import Store

        store = Store.from_url(self.redis_url)
        try:
            if store.read()["version"] == 0:
                store.replace(
                    json.loads(DEMO_SNAPSHOT.read_text()),
                    user="demo",
                    action="import",
                    summary="loaded the demo qualifier day",
                )
                logger.info("loaded the demo snapshot into an empty Redis")
        finally:
            store.client.close()

    def ensure_admin_account(self) -> str | None:
        """Create an `admin` account when there is none; return its new password."""
        import secrets

        import redis

        from admin.users import UserStore

        client = redis.Redis.from_url(self.redis_url)
        try:
            users = UserStore(client)
            if users.list_users():
                return None
            password = secrets.token_urlsafe(12)
            users.add("admin", "admin", password)
            return password
        finally:
            client.close()

    def build_site(self) -> None:
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "build.py"),
                "--out",
                str(self.dist),
                "--bootstrap-url",
                "/api/bootstrap",
                "--connect-src",
                f"ws://{HOST}:{self.ports.mqtt_ws}",
                "--connect-src",
                f"http://{HOST}:{self.ports.relay}",
            ],
            check=True,
            cwd=ROOT,
        )

    def _common_env(self) -> dict[str, str]:
        return {"REDIS_URL": self.redis_url, "TOPIC_PREFIX": TOPIC_PREFIX}

    def _project_services(self) -> dict[str, PythonService]:
        logs = self.workdir / "logs"
        broker = self.services["mosquitto"]
        return {
            "bridge": PythonService(
                "bridge",
                logs,
                ["-m", "bridge"],
                {
                    **self._common_env(),
                    "BRIDGE_TRANSPORT": "tcp",
                    "BRIDGE_ENDPOINT": HOST,
                    "BRIDGE_PORT": str(self.ports.mqtt),
                    "BRIDGE_USERNAME": broker.bridge_user,
                    "BRIDGE_PASSWORD": broker.bridge_password,
                    "BRIDGE_MAX_PUBLISH_RATE": str(self.bridge_rate),
                    "BRIDGE_HEALTH_HOST": HOST,
                    "BRIDGE_HEALTH_PORT": str(self.ports.bridge_health),
                },
                port=self.ports.bridge_health,
            ),
            "relay": PythonService(
                "relay",
                logs,
                ["-m", "relay"],
                {
                    **self._common_env(),
                    "RELAY_HOST": HOST,
                    "RELAY_PORT": str(self.ports.relay),
                    "RELAY_ALLOWED_ORIGINS": self.site_url.rstrip("/"),
                },
                port=self.ports.relay,
            ),
            "admin": PythonService(
                "admin",
                logs,
                ["-m", "admin.web"],
                {
                    **self._common_env(),
                    "ADMIN_HOST": HOST,
                    "ADMIN_PORT": str(self.ports.admin),
                    "ADMIN_SECRET_KEY": self.admin_secret,
                },
                port=self.ports.admin,
            ),
            "prerender": PythonService(
                "prerender",
                logs,
                ["-m", "prerender"],
                {
                    **self._common_env(),
                    "PRERENDER_DIST": str(self.dist),
                },
            ),
            "gateway": PythonService(
                "gateway",
                logs,
                [
                    "-m",
                    "stack.gateway",
                    "--dist",
                    str(self.dist),
                    "--host",
                    HOST,
                    "--port",
                    str(self.ports.gateway),
                ],
                self._gateway_env(),
                port=self.ports.gateway,
            ),
        }

    def _gateway_env(self) -> dict[str, str]:
        return {
            **self._common_env(),
            "VIEWER_ROLE_ARN": VIEWER_ROLE_ARN,
            "AWS_REGION": AWS_REGION,
            "AWS_DEFAULT_REGION": AWS_REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ENDPOINT_URL": f"http://{HOST}:{self.ports.moto}",
            "IOT_WEBSOCKET_URL_OVERRIDE": f"ws://{HOST}:{self.ports.mqtt_ws}/mqtt",
            "ALLOWED_ORIGINS": self.site_url.rstrip("/"),
            "RELAY_URLS": self.relay_url,
        }
