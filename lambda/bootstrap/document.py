"""The bootstrap document: everything a viewer page needs to render and connect."""

from datetime import UTC, datetime, timedelta

from bootstrap.config import Config
from bootstrap.credentials import TemporaryCredentials


def iso_time(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def transports(config: Config) -> list[dict]:
    """List the self-hosted alternatives to AWS IoT, in the configured order."""
    return [{"type": "sse", "url": url} for url in config.relay_urls]


def bootstrap_document(
    config: Config,
    *,
    client_id: str,
    endpoint: str,
    url: str,
    credentials: TemporaryCredentials,
    state: dict,
    issued_at: datetime,
) -> dict:
    """Assemble the response body; docs/lambda.md describes each field."""
    expires_at = issued_at + timedelta(seconds=config.response_ttl_seconds)
    expiration = credentials.expiration
    return {
        "client_id": client_id,
        "iot": {
            "endpoint": endpoint,
            "region": config.region,
            "url": url,
            "topics": config.topics,
        },
        "credentials": {
            "access_key_id": credentials.access_key_id,
            "secret_access_key": credentials.secret_access_key,
            "session_token": credentials.session_token,
            "expiration": iso_time(expiration) if expiration is not None else None,
        },
        "site": state["site"],
        "version": state["version"],
        "state": state,
        "transports": transports(config),
        "issued_at": iso_time(issued_at),
        "ttl": config.response_ttl_seconds,
        "expires_at": iso_time(expires_at),
    }
