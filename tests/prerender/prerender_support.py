"""Helpers for the prerender tests: the repository root and build.py as a module."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_build_module():
    """Import build.py by path; it is a script, not part of a package."""
    spec = importlib.util.spec_from_file_location(
        "qh_build_prerender", ROOT / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
