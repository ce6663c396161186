"""Run every benchmark in turn, or the ones named on the command line.

    python -m bench              # all
    python -m bench bridge relay # some
"""

import importlib
import sys
import time

BENCHMARKS = ["lambda", "bridge", "relay", "page", "latency"]


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or BENCHMARKS
    failed = []
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        try:
            module.main([])
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"bench {name} failed: {exc!r}", flush=True)
            failed.append(name)
        print(f"== bench {name} took {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print("failed benchmarks: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
