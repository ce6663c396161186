"""Build the bootstrap function's deployment package as `sam build` and `sam deploy` do.

The package contains the bootstrap, store and model packages and the project's runtime
dependencies, except boto3 and what it needs, which the Lambda Python runtime provides.

    python lambda/package.py --output build/lambda [--zip build/lambda.zip] [--offline]

`sam build` runs this through lambda/Makefile. Without --offline, pip fetches wheels
for the function's runtime (Python 3.12 on arm64, as in deploy/template.yaml); with
--offline, the installed copies in the running environment are taken instead.
"""

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"bootstrap": ROOT / "lambda" / "bootstrap", "store": ROOT / "store",
            "model": ROOT / "model"}  # fmt: skip
# Shipped with the Lambda Python runtime; listed with their own dependencies.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil",
                    "six", "urllib3"}  # fmt: skip
TARGET_PYTHON = "3.12"
TARGET_PLATFORM = "manylinux2014_aarch64"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")
# Zip entries get a fixed time so that the same input gives the same archive.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """The package could not be built."""


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def requirements() -> list[str]:
    """Return the function's dependencies from pyproject.toml, minus the runtime's own."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["lambda"]
    return [item for item in listed if _name_of(item) not in RUNTIME_PROVIDED]


def _name_of(requirement: str) -> str:
    for separator in "<>=!~;[ ":
        requirement = requirement.split(separator)[0]
    return canonical(requirement)


def copy_code(output: Path) -> None:
    for name, source in PACKAGES.items():
        shutil.copytree(source, output / name, ignore=IGNORED)


def install_from_index(output: Path, needed: list[str]) -> None:
    """Install wheels built for the Lambda runtime with pip."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
        "--target", str(output), "--implementation", "cp",
        "--python-version", TARGET_PYTHON, "--platform", TARGET_PLATFORM,
        "--only-binary=:all:", *needed,
    ]  # fmt: skip
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackageError(f"pip install failed for {needed}: {result.stderr.strip()}")


def installed_closure(needed: list[str]) -> list[importlib.metadata.Distribution]:
    """Return the installed distributions for `needed` and what they require on 3.12."""
    from packaging.requirements import Requirement

    environment = {"python_version": TARGET_PYTHON, "python_full_version": TARGET_PYTHON + ".0",
                   "extra": ""}  # fmt: skip
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(needed)
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        name = canonical(requirement.name)
        if name in found or name in RUNTIME_PROVIDED:
            continue
        try:
            found[name] = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise PackageError(
                f"{name} is not installed; run without --offline"
            ) from None
        pending.extend(found[name].requires or [])
    return list(found.values())


def install_from_environment(output: Path, needed: list[str]) -> None:
    """Copy installed distributions, with their metadata, as pip would have laid them."""
    for distribution in installed_closure(needed):
        for file in distribution.files or []:
            source = Path(distribution.locate_file(file)).resolve()
            if file.suffix == ".pyc" or not source.is_file() or ".." in file.parts:
                continue
            target = output / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def write_zip(folder: Path, archive: Path) -> int:
    """Zip `folder` with sorted entries and fixed times; return the archive's size."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_TIME)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(entry, path.read_bytes())
    return archive.stat().st_size


def build(output: Path, offline: bool = False, clean: bool = False) -> Path:
    """Fill `output` with the function's code and dependencies; return it."""
    if clean and output.exists():
        shutil.rmtree(output)
    if output.exists() and any(output.iterdir()):
        raise PackageError(f"output folder {str(output)!r} is not empty; pass --clean")
    output.mkdir(parents=True, exist_ok=True)
    copy_code(output)
    needed = requirements()
    if offline:
        install_from_environment(output, needed)
    else:
        install_from_index(output, needed)
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True,
                        help="empty or new folder to fill")  # fmt: skip
    parser.add_argument("--clean", action="store_true",
                        help="delete the output folder's contents first")  # fmt: skip
    parser.add_argument("--zip", type=Path, help="also write the deployment zip here")
    parser.add_argument("--offline", action="store_true",
                        help="copy dependencies from this environment instead of pip")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        build(args.output, args.offline, args.clean)
    except PackageError as exc:
        parser.exit(1, f"error: {exc}\n")
    if args.zip:
        size = write_zip(args.output, args.zip)
        print(f"{args.zip}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
