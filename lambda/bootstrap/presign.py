"""Presigned `wss://<endpoint>/mqtt` URLs for MQTT over WebSockets to AWS IoT Core."""

from urllib.parse import quote, urlsplit, urlunsplit

from bootstrap.credentials import TemporaryCredentials

SERVICE = "iotdevicegateway"
WEBSOCKET_PATH = "/mqtt"


def presign_websocket_url(
    endpoint: str, region: str, credentials: TemporaryCredentials, expires_seconds: int
) -> str:
    """Sign a WebSocket URL with SigV4 query parameters for `credentials`.

    The IoT device gateway expects X-Amz-Security-Token outside the signed query
    string, appended after X-Amz-Signature, so the signer gets the keys without the
    token and the token is added afterwards.
    """
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"wss://{endpoint}{WEBSOCKET_PATH}")
    keys = Credentials(credentials.access_key_id, credentials.secret_access_key)
    SigV4QueryAuth(keys, SERVICE, region, expires=expires_seconds).add_auth(request)

    url = request.url
    if credentials.session_token:
        url += "&X-Amz-Security-Token=" + quote(credentials.session_token, safe="")
    return url


def replace_location(url: str, override: str) -> str:
    """Swap the scheme, host, port and path of `url` for those of `override`.

    The local stack points pages at Mosquitto's WebSockets listener this way; the
    query string stays as signed, and Mosquitto ignores it.
    """
    signed = urlsplit(url)
    target = urlsplit(override)
    return urlunsplit((target.scheme, target.netloc, target.path, signed.query, ""))
