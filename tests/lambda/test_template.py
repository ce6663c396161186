"""The SAM template passes cfn-lint and wires the function as the code expects."""

import subprocess
import sys
from pathlib import Path

import yaml
from bootstrap.app import ROUTE_PATH

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation's short-form tags as plain data."""


def _tag(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {tag_suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {tag_suffix: loader.construct_sequence(node, deep=True)}
    return {tag_suffix: loader.construct_mapping(node, deep=True)}


CloudFormationLoader.add_multi_constructor("!", _tag)


def load_template():
    return yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)


def test_cfn_lint_passes():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")

    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_function_points_at_handler():
    function = load_template()["Resources"]["BootstrapFunction"]

    assert function["Properties"]["Handler"] == "bootstrap.handler.handler"
    assert function["Metadata"]["BuildMethod"] == "makefile"
    assert (ROOT / "lambda" / "Makefile").read_text().count(
        "build-BootstrapFunction:"
    ) == 1


def test_environment_uses_config_names():
    from bootstrap import config

    variables = load_template()["Resources"]["BootstrapFunction"]["Properties"][
        "Environment"
    ]
    names = set(variables["Variables"])
    known = {value for name, value in vars(config).items() if name.isupper() and
             isinstance(value, str)}  # fmt: skip

    assert names <= known
    assert {"VIEWER_ROLE_ARN", "REDIS_URL", "ALLOWED_ORIGINS", "TOPIC_PREFIX"} <= names


def test_route_takes_every_method():
    events = load_template()["Resources"]["BootstrapFunction"]["Properties"]["Events"]

    assert events["Bootstrap"]["Properties"]["Path"] == ROUTE_PATH
    assert events["Bootstrap"]["Properties"]["Method"] == "ANY"


def test_credentials_range_matches_config():
    from bootstrap.config import MAX_CREDENTIALS_SECONDS, MIN_CREDENTIALS_SECONDS

    parameter = load_template()["Parameters"]["ViewerCredentialsSeconds"]

    assert parameter["MinValue"] == MIN_CREDENTIALS_SECONDS
    assert parameter["MaxValue"] == MAX_CREDENTIALS_SECONDS
