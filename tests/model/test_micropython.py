"""The model runs under MicroPython, the interpreter of the viewer page.

The checks in micropython/checks.py run inside the WebAssembly MicroPython build that
the page ships (through Node), and under CPython as a control.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("micropython") / "run_checks.mjs"
CHECKS = Path(__file__).with_name("micropython") / "checks.py"
MICROPYTHON = (
    ROOT / "node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs"
)
TIMEOUT_SECONDS = 120


def run_in_micropython(script):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found on PATH: run ./stack/install.sh")
    return subprocess.run(
        [node, str(RUNNER), str(MICROPYTHON), str(ROOT / "model"), str(script)],
        capture_output=True,
        check=False,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )


def test_model_checks_pass_in_micropython():
    result = run_in_micropython(CHECKS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 7 checks passed" in result.stdout


def test_model_checks_pass_in_cpython():
    result = subprocess.run(
        [sys.executable, str(CHECKS)],
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        timeout=TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 7 checks passed" in result.stdout


def test_runner_reports_failing_check(tmp_path):
    script = tmp_path / "failing.py"
    script.write_text(
        "from model import urls\nassert urls.display_url('https://a.b') == 'x'\n"
    )

    result = run_in_micropython(script)

    assert result.returncode == 1
    assert "AssertionError" in result.stderr


def test_runner_runs_micropython_not_cpython(tmp_path):
    script = tmp_path / "implementation.py"
    script.write_text("import sys\nprint(sys.implementation.name)\n")

    result = run_in_micropython(script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "micropython"
