"""The deployment package built from this environment, as `sam build` would lay it out."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package_module():
    spec = importlib.util.spec_from_file_location(
        "lambda_package", ROOT / "lambda" / "package.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(package_module, tmp_path_factory):
    return package_module.build(
        tmp_path_factory.mktemp("package") / "dist", offline=True
    )


def test_contains_code_and_redis(built):
    assert (built / "bootstrap" / "handler.py").is_file()
    assert (built / "store" / "commit.lua").is_file()
    assert (built / "model" / "validate.py").is_file()
    assert (built / "redis" / "__init__.py").is_file()


def test_leaves_out_runtime_and_tools(built):
    names = {path.name for path in built.iterdir()}
    assert "boto3" not in names
    assert "botocore" not in names
    assert "package.py" not in names
    assert list(built.rglob("__pycache__")) == []


def test_requirements_skip_boto3(package_module):
    needed = package_module.requirements()

    assert any(item.startswith("redis") for item in needed)
    assert not any(item.startswith(("boto3", "botocore")) for item in needed)


def test_handler_imports_without_site_packages(built):
    # -I -S: only the standard library and the package, as on Lambda minus boto3.
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import bootstrap.handler, bootstrap.state, store, redis;"
        "import importlib.util; print(importlib.util.find_spec('boto3'))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(built)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_zip_is_reproducible(package_module, built, tmp_path):
    first = tmp_path / "first.zip"
    second = tmp_path / "second.zip"

    size = package_module.write_zip(built, first)
    package_module.write_zip(built, second)

    assert size == first.stat().st_size
    assert first.read_bytes() == second.read_bytes()


def test_refuses_non_empty_output(package_module, tmp_path):
    (tmp_path / "keep.txt").write_text("not ours")

    with pytest.raises(package_module.PackageError, match="not empty"):
        package_module.build(tmp_path, offline=True)
    assert (tmp_path / "keep.txt").exists()
