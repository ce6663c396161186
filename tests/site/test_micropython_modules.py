"""The page's pure modules run under MicroPython, the interpreter of the viewer page."""

import shutil
import subprocess
from pathlib import Path

import pytest
from page_support import ROOT

HERE = Path(__file__).with_name("micropython")
MICROPYTHON = (
    ROOT / "node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs"
)


def run_in_micropython(script):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found on PATH: run ./stack/install.sh")
    return subprocess.run(
        [
            node,
            str(HERE / "run_site_checks.mjs"),
            str(MICROPYTHON),
            str(ROOT / "site"),
            str(script),
        ],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def test_site_checks_pass_in_micropython():
    result = run_in_micropython(HERE / "checks.py")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all site checks passed" in result.stdout


def test_runner_reports_failing_check(tmp_path):
    script = tmp_path / "failing.py"
    script.write_text("import tabs\nassert tabs.next_index('Home', 2, 3) == 1\n")

    result = run_in_micropython(script)

    assert result.returncode == 1
    assert "AssertionError" in result.stderr
