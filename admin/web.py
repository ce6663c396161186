"""Run the admin web app with uvicorn: `python -m admin.web --port 8001`."""

import argparse
import logging
import sys

import uvicorn

from admin.app import create_app
from admin.config import ADMIN_HOST, ADMIN_PORT, load_config
from admin.errors import ConfigError

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help=f"address to listen on (default: ${ADMIN_HOST})")
    parser.add_argument("--port", type=int, help=f"TCP port (default: ${ADMIN_PORT})")
    parser.add_argument(
        "--redis-url", help="Redis holding the data (default: $REDIS_URL)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the app and block until SIGINT or SIGTERM."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_config(host=args.host, port=args.port, redis_url=args.redis_url)
    except ConfigError as exc:
        print(f"admin: error: {exc}", file=sys.stderr)
        return 1
    logger.info("admin app starting on http://%s:%s/", config.host, config.port)
    uvicorn.run(
        create_app(config), host=config.host, port=config.port, log_level="info"
    )
    logger.info("admin app stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
