"""Client ids and the session policy that scopes a viewer's credentials to them."""

import json
import secrets

from bootstrap.config import Config


def new_client_id(prefix: str) -> str:
    """Return a random MQTT client id; AWS IoT allows one connection per id at a time."""
    return prefix + secrets.token_hex(16)


def iot_arn(config: Config, resource: str) -> str:
    return f"arn:{config.partition}:iot:{config.region}:{config.account_id}:{resource}"


def session_policy(config: Config, client_id: str) -> dict:
    """Build the IAM policy that narrows the viewer role to one client id and the topics.

    A session policy can only narrow the role's own policy, so the role still needs
    these actions on `client/<prefix>*` and the topics.
    """
    topics = list(config.topics.values())
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": iot_arn(config, f"client/{client_id}"),
            },
            {
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": [
                    iot_arn(config, f"topicfilter/{topic}") for topic in topics
                ],
            },
            {
                "Effect": "Allow",
                "Action": "iot:Receive",
                "Resource": [iot_arn(config, f"topic/{topic}") for topic in topics],
            },
        ],
    }


def session_policy_json(config: Config, client_id: str) -> str:
    # AssumeRole caps the packed policy size, so send it without spaces.
    return json.dumps(session_policy(config, client_id), separators=(",", ":"))
