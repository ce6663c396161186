"""The transport modules run under MicroPython, the interpreter of the viewer page."""

from test_micropython_modules import HERE, run_in_micropython


def test_transport_checks_pass_in_micropython():
    result = run_in_micropython(HERE / "transport_checks.py")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all transport checks passed" in result.stdout
