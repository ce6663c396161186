"""The store's change feed, read through a Redis consumer group.

Entries stay pending in the group until the bridge acknowledges them, which it does only
after the broker's PUBACK, so a crash loses nothing: pending entries are read again on
restart. With each acknowledgement the bridge also stores the state its subscribers
have now (the published state), so a restarted bridge can compute the next delta.
"""

import json
import logging
from dataclasses import dataclass

import redis

from bridge.errors import FeedReset, FeedUnavailable
from model.delta import validate_ops
from store import Store, StoreError
from store.keys import Keys

logger = logging.getLogger(__name__)

GROUP = "bridge"
READ_COUNT = 1000


@dataclass(frozen=True)
class Change:
    """One feed entry: the delta from version `start` to `end`.

    `delta` is None when the entry is unreadable: trimmed, malformed or with operations
    the model rejects. The bridge skips such an entry; if it was a real change, the next
    entry no longer continues the chain and the bridge resyncs.
    """

    entry_id: str
    start: int
    end: int
    delta: dict | None


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _decode_delta(fields) -> dict:
    """Return the entry's delta with validated operations; raise on anything malformed."""
    fields = {_text(key): _text(value) for key, value in fields.items()}
    delta = json.loads(fields["delta"])
    start, end = int(fields["from"]), int(fields["to"])
    if (
        not isinstance(delta, dict)
        or delta.get("from") != start
        or delta.get("to") != end
    ):
        raise ValueError(
            f"the delta's from and to differ from the entry's {start} and {end}"
        )
    return {"from": start, "to": end, "ops": validate_ops(delta.get("ops"))}


def parse_entry(entry_id, fields) -> Change:
    """Turn a raw stream entry into a Change, with delta None if it is unreadable."""
    entry_id = _text(entry_id)
    version = int(entry_id.split("-")[0])
    if not fields:  # a pending entry the stream has since trimmed
        logger.warning(
            "change feed entry %s was trimmed before it was published", entry_id
        )
        return Change(entry_id, version - 1, version, None)
    try:
        delta = _decode_delta(fields)
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        # ValueError covers invalid JSON, UnicodeDecodeError and ValidationError;
        # RecursionError comes from json.loads on deeply nested input.
        logger.error(
            "change feed entry %s is malformed and will be skipped: %.200s",
            entry_id,
            exc,
        )
        return Change(entry_id, version - 1, version, None)
    return Change(entry_id, delta["from"], delta["to"], delta)


class ChangeFeed:
    """Reads `<prefix>changes` as one consumer of the group `bridge`."""

    def __init__(self, client: redis.Redis, prefix: str, consumer: str):
        self.client = client
        self.keys = Keys(prefix)
        self.store = Store(client, prefix)
        self.consumer = consumer
        self.published_key = prefix + "bridge:published"
        # Version of the published state stored in Redis, None until read or written.
        self.stored_version: int | None = None

    def _call(self, operation, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except redis.ResponseError as exc:
            if str(exc).startswith("NOGROUP"):
                raise FeedReset(f"consumer group {GROUP!r} is gone: {exc}") from exc
            raise FeedUnavailable(f"{operation} failed: {exc}") from exc
        except redis.RedisError as exc:
            raise FeedUnavailable(f"{operation} failed: {exc}") from exc

    def ensure_group(self) -> bool:
        """Create the consumer group at the end of the feed; return True if it was new.

        A new group has missed whatever came before it, so the caller must resync.
        """
        try:
            self.client.xgroup_create(self.keys.changes, GROUP, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if str(exc).startswith("BUSYGROUP"):
                return False
            raise FeedUnavailable(
                f"creating consumer group {GROUP!r} failed: {exc}"
            ) from exc
        except redis.RedisError as exc:
            raise FeedUnavailable(
                f"creating consumer group {GROUP!r} failed: {exc}"
            ) from exc
        logger.info("created consumer group %r on %s", GROUP, self.keys.changes)
        return True

    def read_new(self, block_ms: int | None = None) -> list[Change]:
        """Return entries no consumer of the group has read yet, waiting up to `block_ms`.

        `block_ms` None returns at once; Redis treats 0 as "block forever".
        """
        return self._read(">", block_ms)

    def read_pending(self, after: str = "0") -> list[Change]:
        """Return this consumer's entries read but not acknowledged, after id `after`."""
        return self._read(after, None)

    def _read(self, start: str, block_ms: int | None) -> list[Change]:
        reply = self._call(
            "reading the change feed",
            self.client.xreadgroup,
            GROUP,
            self.consumer,
            {self.keys.changes: start},
            count=READ_COUNT,
            block=block_ms,
        )
        if not reply:
            return []
        entries = (
            reply[0][1] if isinstance(reply, list) else next(iter(reply.values()))[0]
        )
        return [parse_entry(entry_id, fields) for entry_id, fields in entries]

    def acknowledge(self, entry_ids: list[str], published: dict) -> None:
        """Acknowledge `entry_ids` and store `published`, in one transaction."""
        pipeline = self.client.pipeline(transaction=True)
        if entry_ids:
            pipeline.xack(self.keys.changes, GROUP, *entry_ids)
        pipeline.set(self.published_key, json.dumps(published, separators=(",", ":")))
        self._call("acknowledging feed entries", pipeline.execute)
        self.stored_version = published["version"]

    def published_state(self) -> dict | None:
        """Return the state stored with the last acknowledgement, None if there is none."""
        raw = self._call(
            "reading the published state", self.client.get, self.published_key
        )
        if raw is None:
            return None
        try:
            state = json.loads(raw)
            int(state["version"])
        except (KeyError, TypeError, ValueError) as exc:
            logger.error("ignoring unreadable %s: %s", self.published_key, exc)
            return None
        self.stored_version = state["version"]
        return state

    def current_state(self) -> dict:
        """Return the state stored now (the store validates it)."""
        try:
            return self.store.read()
        except StoreError as exc:
            raise FeedUnavailable(f"reading the current state failed: {exc}") from exc
