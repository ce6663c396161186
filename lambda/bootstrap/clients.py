"""boto3 clients for STS and IoT, created on first use and kept for the container's life."""

import threading

# Short timeouts and one retry: a viewer page waits for this response, and it retries
# on a 503 itself.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3
MAX_ATTEMPTS = 2


class AwsClients:
    """STS and IoT clients; pass ready clients (moto, Stubber) to skip creating them."""

    def __init__(
        self, region: str, endpoint_url: str | None = None, sts=None, iot=None
    ):
        self._region = region
        self._endpoint_url = endpoint_url
        self._clients = {"sts": sts, "iot": iot}
        self._lock = threading.Lock()

    @property
    def sts(self):
        return self._get("sts")

    @property
    def iot(self):
        return self._get("iot")

    def _get(self, service: str):
        # boto3's default session is not thread-safe while it creates clients, and the
        # local gateway calls the handler from several threads.
        with self._lock:
            if self._clients[service] is None:
                self._clients[service] = self._create(service)
            return self._clients[service]

    def _create(self, service: str):
        # Imported here because boto3 takes about 0.2 s to import, which preflight,
        # 404 and 405 responses need not pay.
        import boto3
        from botocore.config import Config as BotoConfig

        config = BotoConfig(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        )
        return boto3.client(
            service,
            region_name=self._region,
            endpoint_url=self._endpoint_url,
            config=config,
        )
