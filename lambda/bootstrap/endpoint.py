"""The AWS IoT data endpoint, from configuration or looked up once per container."""

import logging

from bootstrap.errors import EndpointUnavailable

logger = logging.getLogger(__name__)

# The ATS endpoint serves certificates that browsers trust; the legacy
# `iot:Data` endpoint uses a VeriSign certificate.
ENDPOINT_TYPE = "iot:Data-ATS"


class EndpointResolver:
    """Return the configured endpoint, or call DescribeEndpoint on the first request."""

    def __init__(self, clients, configured: str | None = None):
        self._clients = clients
        self._endpoint = configured

    def endpoint(self) -> str:
        if self._endpoint is None:
            self._endpoint = self._describe()
            logger.info("IoT data endpoint is %s", self._endpoint)
        return self._endpoint

    def _describe(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._clients.iot.describe_endpoint(endpointType=ENDPOINT_TYPE)
        except (BotoCoreError, ClientError) as exc:
            raise EndpointUnavailable(
                f"DescribeEndpoint ({ENDPOINT_TYPE}) failed: {exc}"
            ) from exc
        return response["endpointAddress"]
