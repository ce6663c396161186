"""site/mqtt_shim.js and site/mqtt_worker.js, each in Node with stand-ins around it.

tests/site/js/shim_checks.mjs runs the shim with a fake Worker and WebSocket: the
early connection and its takeover by Python, and the relay between socket and
worker. tests/site/js/worker_checks.mjs runs the worker with a fake mqtt.js and a
fake worker scope: the socket it hands mqtt.js and the messages it posts. Each
script also runs on a broken copy, to show that its checks fail.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from page_support import ROOT

CHECKS = Path(__file__).with_name("js")
SHIM = ROOT / "site" / "mqtt_shim.js"
WORKER = ROOT / "site" / "mqtt_worker.js"


def run_checks(script, module):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found on PATH: run ./stack/install.sh")
    return subprocess.run(
        [node, str(CHECKS / script), str(module)],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def break_copy(source, text, replacement, folder):
    """Write `source` with its one occurrence of `text` replaced into `folder`."""
    original = source.read_text()
    assert original.count(text) == 1, f"expected {text!r} once in {source}"
    broken = folder / source.name
    broken.write_text(original.replace(text, replacement))
    return broken


def test_shim_checks_pass():
    result = run_checks("shim_checks.mjs", SHIM)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all shim checks passed" in result.stdout


def test_shim_checks_catch_lost_buffer(tmp_path):
    # Worker events for an early connection are dropped instead of kept for adopt().
    shim = break_copy(
        SHIM,
        "else if (client.handlers === null) client.pending.push(data);",
        "else if (client.handlers === null) void 0;",
        tmp_path,
    )

    result = run_checks("shim_checks.mjs", shim)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "AssertionError" in result.stderr


def test_worker_checks_pass():
    result = run_checks("worker_checks.mjs", WORKER)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all worker checks passed" in result.stdout


def test_worker_checks_catch_stale_ready_state(tmp_path):
    # The relayed socket stays OPEN after the page's socket closed.
    worker = break_copy(
        WORKER,
        'if (type === "close") this.readyState = CLOSED;',
        "void 0;",
        tmp_path,
    )

    result = run_checks("worker_checks.mjs", worker)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "AssertionError" in result.stderr
