"""`python -m prerender`: keep the page's index.html rendered with the current state.

Settings come from the environment (docs/site.md lists them). SIGTERM or Ctrl-C
stops the service after the render in progress.
"""

import logging
import os
import signal
import sys
import threading

from prerender.config import Config, ConfigError
from prerender.page import PageRenderer
from prerender.service import Follower, Prerenderer
from prerender.targets import BucketTarget, FolderTarget
from store import Store

logger = logging.getLogger("prerender")


def make_target(config: Config, s3_client=None):
    """Return the folder or bucket target; `s3_client` defaults to boto3's."""
    if config.dist is not None:
        return FolderTarget(config.dist, manifest=config.manifest)
    if s3_client is None:
        import boto3

        s3_client = boto3.client("s3")
    return BucketTarget(
        s3_client, config.bucket, config.key, config.manifest_key, config.manifest
    )


def run(config: Config, stop: threading.Event, s3_client=None) -> Prerenderer:
    """Follow the store until `stop` is set; return the prerenderer (for its counts)."""
    store = Store.from_url(config.redis_url, prefix=config.redis_prefix)
    target = make_target(config, s3_client)
    prerenderer = Prerenderer(store, PageRenderer(), target)
    follower = Follower(
        prerenderer,
        store.client,
        store.keys.notify,
        config.min_interval_seconds,
        config.recheck_seconds,
    )
    logger.info("prerender started: %s from %s", target.description, store.keys.notify)
    try:
        follower.run(stop)
    finally:
        store.client.close()
        logger.info(
            "prerender stopped after %d renders, %d writes",
            prerenderer.renders,
            prerenderer.writes,
        )
    return prerenderer


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        config = Config.from_env(os.environ)
    except ConfigError as exc:
        logger.error("%s", exc)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run(config, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
