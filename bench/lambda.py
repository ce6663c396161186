"""Benchmark the bootstrap function: cold import, warm handler time, package size.

    python -m bench lambda
    python bench/lambda.py [--runs 15] [--calls 500]

Cold imports run in fresh interpreters. Warm calls run in this process with a
botocore Stubber in place of STS, so they exclude network time to AWS but include
the Redis read from a local redis-server that contains the demo snapshot. A trivial
handler, measured the same way in the same run, gives the floor. Results go to
bench/results/lambda.md.
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "lambda.md"
SNAPSHOT = ROOT / "stack" / "demo" / "qualifier-day.snapshot.json"
GOAL_COLD_IMPORT_MS = 300
GOAL_WARM_P50_MS = 10
REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/qh-viewer"

IMPORT_PROBE = """
import sys, time
started = time.perf_counter()
__import__(sys.argv[1])
print((time.perf_counter() - started) * 1000)
"""
# Modules that the first GET of a container imports lazily, measured in one probe.
FIRST_CALL_IMPORTS = "import boto3, botocore.auth, botocore.awsrequest, store, redis\n"
TRIVIAL_HANDLER = """
import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"ok": True})}
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cold_import_ms(module: str, runs: int, path: Path | None = None) -> list[float]:
    """Import `module` in `runs` fresh interpreters; return each import's time."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    times = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE, module],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
        times.append(float(result.stdout))
    return times


def interpreter_start_ms(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append((time.perf_counter() - started) * 1000)
    return times


def stubbed_clients(calls: int):
    """Return AwsClients whose STS client returns `calls` stubbed AssumeRole responses."""
    import boto3
    from bootstrap.clients import AwsClients
    from botocore.stub import ANY, Stubber

    sts = boto3.client("sts", region_name=REGION, aws_access_key_id="AKIDBENCH",
                       aws_secret_access_key="bench")  # fmt: skip
    stubber = Stubber(sts)
    credentials = {
        "AccessKeyId": "ASIABENCHKEY00000001",
        "SecretAccessKey": "bench-secret",
        "SessionToken": "bench-token/" + "x" * 600,
        "Expiration": datetime.now(UTC) + timedelta(minutes=15),
    }
    expected = {"RoleArn": ROLE_ARN, "RoleSessionName": ANY, "Policy": ANY,
                "DurationSeconds": 900}  # fmt: skip
    for _ in range(calls):
        stubber.add_response("assume_role", {"Credentials": credentials}, expected)
    stubber.activate()
    return AwsClients(REGION, sts=sts)


def warm_handler_ms(redis_url: str, calls: int) -> tuple[list[float], int]:
    """Time `calls` GET requests through the real app; return times and body size."""
    import io

    from bootstrap.app import BootstrapApp
    from bootstrap.config import Config

    config = Config(viewer_role_arn=ROLE_ARN, redis_url=redis_url, region=REGION,
                    iot_endpoint="bench-ats.iot.eu-west-1.amazonaws.com",
                    allowed_origins=("https://viewer.example",))  # fmt: skip
    app = BootstrapApp(
        config, clients=stubbed_clients(calls + 1), log_stream=io.StringIO()
    )
    event = {"rawPath": "/api/bootstrap", "headers": {"origin": "https://viewer.example"},
             "requestContext": {"requestId": "bench", "http": {"method": "GET"}}}  # fmt: skip
    first = app.handle(event)
    if first["statusCode"] != 200:
        raise RuntimeError(f"bootstrap returned {first['statusCode']}: {first['body']}")
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        app.handle(event)
        times.append((time.perf_counter() - started) * 1000)
    return times, len(first["body"])


def trivial_handler_ms(folder: Path, calls: int) -> list[float]:
    spec = importlib.util.spec_from_file_location(
        "trivial_handler", folder / "trivial.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        module.handler({}, None)
        times.append((time.perf_counter() - started) * 1000)
    return times


def package_sizes(folder: Path) -> tuple[int, int]:
    """Build the deployment package from this environment; return zip and folder sizes."""
    spec = importlib.util.spec_from_file_location(
        "lambda_package", ROOT / "lambda" / "package.py"
    )
    package = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package)
    built = package.build(folder / "package", offline=True)
    unzipped = sum(path.stat().st_size for path in built.rglob("*") if path.is_file())
    return package.write_zip(built, folder / "lambda.zip"), unzipped


def seed_redis(redis_url: str) -> int:
    from store import Store

    store = Store.from_url(redis_url)
    state = store.replace(json.loads(SNAPSHOT.read_text()), user="bench")
    store.client.close()
    return state["version"]


def summary(values: list[float]) -> str:
    return (f"{statistics.median(values):.2f} | {min(values):.2f} | "
            f"{percentile(values, 0.99):.2f}")  # fmt: skip


def report(figures: dict) -> str:
    cold = figures["cold"]
    warm = figures["warm"]
    cold_p50 = statistics.median(cold["bootstrap.handler"])
    warm_p50 = statistics.median(warm["bootstrap"])
    lines = [
        "# Bootstrap function benchmark",
        "",
        f"Run {figures['date']} with `python -m bench lambda` on {figures['machine']}.",
        "Cold import: fresh interpreter per run, time of the import statement only.",
        "Warm: in-process handler calls; STS through a botocore Stubber, endpoint",
        "configured, state read from a local redis-server holding the demo snapshot.",
        "",
        "| measurement | runs | median ms | min ms | p99 ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, values in cold.items():
        lines.append(f"| cold import, {name} | {len(values)} | {summary(values)} |")
    lines.append(f"| interpreter start (`python -c pass`) | {len(figures['start'])} | "
                 f"{summary(figures['start'])} |")  # fmt: skip
    for name, values in warm.items():
        lines.append(
            f"| warm call, {name} handler | {len(values)} | {summary(values)} |"
        )
    lines += [
        "",
        f"- Goal cold import <= {GOAL_COLD_IMPORT_MS} ms: median {cold_p50:.1f} ms, "
        + ("met." if cold_p50 <= GOAL_COLD_IMPORT_MS else "NOT met."),
        f"- Goal warm p50 <= {GOAL_WARM_P50_MS} ms: {warm_p50:.2f} ms, "
        + ("met." if warm_p50 <= GOAL_WARM_P50_MS else "NOT met."),
        (
            f"- Response body: {figures['body_bytes']} bytes for the demo snapshot "
            f"(version {figures['version']})."
        ),
        (
            "- Deployment package (code + redis-py, without boto3): zip "
            f"{figures['zip_bytes'] / 1024:.0f} KiB, "
            f"unzipped {figures['unzipped_bytes'] / 1024:.0f} KiB."
        ),
        "",
        "The handler module imports boto3, botocore, redis-py and the store on the",
        "first request that needs them, so the first GET of a container pays for",
        "them: the row for the first request's lazy imports measures that import",
        "(`" + FIRST_CALL_IMPORTS.strip() + "`) the same way.",
        "",
    ]
    return "\n".join(lines)


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the bootstrap function.")
    parser.add_argument(
        "--runs", type=int, default=15, help="fresh interpreters per import"
    )
    parser.add_argument("--calls", type=int, default=500, help="warm handler calls")
    args = parser.parse_args(argv)

    from stack.services import RedisServer

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "trivial.py").write_text(TRIVIAL_HANDLER)
        (folder / "first_call_imports.py").write_text(FIRST_CALL_IMPORTS)
        cold = {
            "trivial handler module": cold_import_ms("trivial", args.runs, folder),
            "bootstrap.handler": cold_import_ms("bootstrap.handler", args.runs),
            "first request's lazy imports": cold_import_ms(
                "first_call_imports", args.runs, folder
            ),
        }
        redis = RedisServer(folder / "redis", appendonly=False).start()
        try:
            version = seed_redis(redis.url)
            warm_times, body_bytes = warm_handler_ms(redis.url, args.calls)
        finally:
            redis.stop()
        zip_bytes, unzipped_bytes = package_sizes(folder)
        figures = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "machine": machine(),
            "cold": cold,
            "start": interpreter_start_ms(args.runs),
            "warm": {
                "bootstrap": warm_times,
                "trivial": trivial_handler_ms(folder, args.calls),
            },
            "body_bytes": body_bytes,
            "version": version,
            "zip_bytes": zip_bytes,
            "unzipped_bytes": unzipped_bytes,
        }
    text = report(figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
