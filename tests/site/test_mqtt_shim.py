"""site/mqtt_shim.js: the early connection and its takeover by Python, in Node."""

import shutil
import subprocess
from pathlib import Path

import pytest
from page_support import ROOT

CHECKS = Path(__file__).with_name("js") / "shim_checks.mjs"


def run_checks(shim):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found on PATH: run ./stack/install.sh")
    return subprocess.run(
        [node, str(CHECKS), str(shim)],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def test_shim_checks_pass():
    result = run_checks(ROOT / "site" / "mqtt_shim.js")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all shim checks passed" in result.stdout


def test_shim_checks_catch_lost_buffer(tmp_path):
    broken = (ROOT / "site" / "mqtt_shim.js").read_text()
    broken = broken.replace("record.events.push([name, args])", "void 0")
    assert "void 0" in broken
    shim = tmp_path / "mqtt_shim.js"
    shim.write_text(broken)

    result = run_checks(shim)

    assert result.returncode == 1
    assert "AssertionError" in result.stderr
