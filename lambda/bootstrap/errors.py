"""Errors of the bootstrap function, each with the HTTP status and code sent to the page."""


class BootstrapError(Exception):
    """A request that ends without a bootstrap document."""

    status = 500
    code = "internal_error"
    # Text for the response body; the exception's own message goes to the log only.
    public_message = "The bootstrap function failed. Try again later."
    retry_after: int | None = None


class ConfigError(BootstrapError):
    """The function's environment variables are missing or invalid."""

    code = "misconfigured"
    public_message = (
        "The bootstrap function is misconfigured. Its operator must check the logs."
    )


class UpstreamUnavailable(BootstrapError):
    """A service that the response needs did not respond, so the page should retry soon."""

    status = 503
    retry_after = 5


class StateUnavailable(UpstreamUnavailable):
    code = "state_unavailable"
    public_message = "The current state could not be read. Retry in a few seconds."


class CredentialsUnavailable(UpstreamUnavailable):
    code = "credentials_unavailable"
    public_message = (
        "Temporary credentials could not be issued. Retry in a few seconds."
    )


class EndpointUnavailable(UpstreamUnavailable):
    code = "endpoint_unavailable"
    public_message = "The IoT endpoint could not be looked up. Retry in a few seconds."


class NotFound(BootstrapError):
    status = 404
    code = "not_found"
    public_message = "Not found. The bootstrap document is at /api/bootstrap."


class MethodNotAllowed(BootstrapError):
    status = 405
    code = "method_not_allowed"
    public_message = "Only GET and OPTIONS are allowed here."


class StateInvalid(BootstrapError):
    code = "state_invalid"
    public_message = "The stored state is invalid. Its operator must check the logs."
