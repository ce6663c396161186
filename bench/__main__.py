"""Run every benchmark in turn, or the ones named on the command line.

    python -m bench              # all
    python -m bench bridge relay # some

Each benchmark runs in its own process, so one that crashes does not stop the others.
At the end, bench.report collects bench/results/*.md into docs/benchmarks.md.
"""

import subprocess
import sys
import time

BENCHMARKS = ["lambda", "admin", "bridge", "relay", "page", "latency"]


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or BENCHMARKS
    failed = []
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        if result.returncode != 0:
            failed.append(name)
        print(
            f"== bench {name}: exit {result.returncode}, "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    report = subprocess.run([sys.executable, "-m", "bench.report"], check=False)
    if failed:
        print("failed benchmarks: " + ", ".join(failed))
    return 1 if failed or report.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
