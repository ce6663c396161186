"""`make run`: start the whole system on loopback in the foreground; Ctrl-C stops it."""

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from stack.local import LocalStack
from stack.services import ServiceError

logger = logging.getLogger("stack")

# How often the running stack checks that none of its parts has exited.
WATCH_SECONDS = 1.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(".stack"),
        help="folder for data, logs and the built site (default: .stack)",
    )
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="do not load the demo qualifier day into an empty Redis",
    )
    return parser.parse_args(argv)


def print_urls(stack: LocalStack, admin_password: str | None) -> None:
    if admin_password:
        login = f"log in as admin / {admin_password} (created now; shown once)"
    else:
        login = "log in with an existing account (new password: qualifiers user set-password NAME)"
    print(
        f"""
Qualifier Hub is running on loopback:
  viewer page   {stack.site_url}
  admin         {stack.admin_url}   {login}
  SSE relay     {stack.relay_url}
  Redis         {stack.redis_url}
  MQTT          tcp://127.0.0.1:{stack.ports.mqtt}  ws://127.0.0.1:{stack.ports.mqtt_ws}/mqtt
Animate a qualifier day:
  .venv/bin/qualifiers replay stack/demo/qualifier-day.edits.jsonl --speed 60
Logs are in {", ".join(str(folder) for folder in stack.log_folders())}.
Press Ctrl-C to stop.
""",
        flush=True,
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stack = LocalStack(args.workdir.resolve())
    failed = False
    try:
        stack.start(load_demo=not args.no_demo)
        print_urls(stack, stack.ensure_admin_account())
        while not stopping.wait(WATCH_SECONDS):
            exited = stack.exited_services()
            if exited:
                raise ServiceError(f"{', '.join(exited)} exited on its own")
    except KeyboardInterrupt:
        pass
    except ServiceError as exc:
        logger.error("%s", exc)
        failed = True
    finally:
        logger.info("stopping")
        stack.stop()
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
