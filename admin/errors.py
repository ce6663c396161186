"""Errors of the admin app and CLI; each message is one sentence a moderator can act on."""


class AdminError(Exception):
    """Base class of the admin errors."""


class ConfigError(AdminError):
    """A setting in the environment or on the command line is invalid."""


class LoginRateLimited(AdminError):
    """Too many failed logins from one address or for one user name."""

    def __init__(self, retry_after: int):
        super().__init__(
            f"too many failed logins: try again in {max(retry_after, 1)} seconds"
        )
        self.retry_after = retry_after


class CsrfError(AdminError):
    """A form arrived without the session's CSRF token."""


class PermissionDenied(AdminError):
    """The logged-in user's role does not allow the action."""


class NotFound(AdminError):
    """A region, stream, user or version named in a request does not exist."""


class InputError(AdminError):
    """A file or command-line value cannot be read or parsed."""
