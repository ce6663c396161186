"""Constants and helpers shared by the bootstrap function's tests."""

ROLE_ARN = "arn:aws:iam::123456789012:role/qh-viewer"
REGION = "eu-west-1"
ORIGIN = "https://viewer.example"
RELAY_URL = "https://relay.example/events"


class CallRecorder:
    """Record the parameters and parsed responses of one client's API calls."""

    def __init__(self, client, operation: str):
        self.params = []
        self.responses = []
        service = client.meta.service_model.service_name
        events = client.meta.events
        events.register(f"provide-client-params.{service}.{operation}", self._on_params)
        events.register(f"after-call.{service}.{operation}", self._on_response)

    def _on_params(self, params, **kwargs):
        self.params.append(dict(params))

    def _on_response(self, parsed, **kwargs):
        self.responses.append(parsed)


def http_event(method="GET", path="/api/bootstrap", headers=None, request_id="req-1"):
    """Build an API Gateway HTTP API payload 2.0 event with lower-case headers."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"origin": ORIGIN, **(headers or {})},
        "requestContext": {
            "requestId": request_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
        },
        "isBase64Encoded": False,
    }
