"""Temporary viewer credentials from STS AssumeRole, scoped by a session policy."""

from dataclasses import dataclass
from datetime import datetime

from bootstrap.config import Config
from bootstrap.errors import CredentialsUnavailable
from bootstrap.policy import session_policy_json


@dataclass(frozen=True)
class TemporaryCredentials:
    """AWS credentials; `session_token` is None for long-lived keys."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None


def assume_viewer_role(sts, config: Config, client_id: str) -> TemporaryCredentials:
    """Call AssumeRole on the viewer role, narrowed to `client_id` and the site's topics."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = sts.assume_role(
            RoleArn=config.viewer_role_arn,
            # The session name shows up in CloudTrail, tying each call to its page.
            RoleSessionName=client_id,
            Policy=session_policy_json(config, client_id),
            DurationSeconds=config.credentials_seconds,
        )
    except (BotoCoreError, ClientError) as exc:
        raise CredentialsUnavailable(
            f"AssumeRole on {config.viewer_role_arn} failed: {exc}"
        ) from exc
    issued = response["Credentials"]
    return TemporaryCredentials(
        access_key_id=issued["AccessKeyId"],
        secret_access_key=issued["SecretAccessKey"],
        session_token=issued["SessionToken"],
        expiration=issued["Expiration"],
    )
