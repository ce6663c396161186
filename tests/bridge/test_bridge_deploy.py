"""The deploy files agree with the bridge's defaults."""

import configparser
import json
from pathlib import Path

from bridge.config import BridgeConfig

DEPLOY = Path(__file__).parents[2] / "deploy"
ARN = "arn:aws:iot:eu-west-1:123456789012:"


def load_policy():
    text = (DEPLOY / "bridge-iot-policy.json").read_text()
    text = text.replace("REGION", "eu-west-1").replace("ACCOUNT_ID", "123456789012")
    return json.loads(text)


def resources(policy, action):
    found = []
    for statement in policy["Statement"]:
        if statement["Action"] == action:
            found.extend(
                [statement["Resource"]]
                if isinstance(statement["Resource"], str)
                else statement["Resource"]
            )
    return found


def test_policy_allows_exactly_the_bridge_topics():
    config = BridgeConfig()
    policy = load_policy()

    actions = {statement["Action"] for statement in policy["Statement"]}
    assert actions == {"iot:Connect", "iot:Publish", "iot:RetainPublish"}
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])
    assert resources(policy, "iot:Connect") == [f"{ARN}client/{config.client_id}"]
    assert resources(policy, "iot:Publish") == [
        f"{ARN}topic/{config.snapshot_topic}",
        f"{ARN}topic/{config.updates_topic}",
    ]
    assert resources(policy, "iot:RetainPublish") == [
        f"{ARN}topic/{config.snapshot_topic}"
    ]
    assert "*" not in json.dumps(policy)


def test_systemd_unit_runs_bridge_module():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "bridge.service")

    assert unit["Service"]["ExecStart"].endswith("python -m bridge")
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Service"]["Restart"] == "always"
    assert unit["Service"]["EnvironmentFile"] == "/etc/qualifier-hub/bridge.env"
