"""The Redis store: read the state, commit changes, read the change feed and audit log."""

import json
import logging
import time
from importlib import resources

import redis

from model import delta as deltas
from model.errors import ValidationError
from model.messages import encode, snapshot_message
from model.validate import validate_state
from store.errors import ConflictError, CorruptStateError, StoreUnavailable
from store.keys import AUDIT_MAXLEN, CHANGES_MAXLEN, DEFAULT_PREFIX, Keys

logger = logging.getLogger(__name__)

COMMIT_SCRIPT = resources.files("store").joinpath("commit.lua").read_text()
COMMIT_ATTEMPTS = 20
DEFAULT_TITLE = "Qualifier Hub"


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _describe(key):
    if key[0] == "site":
        return "the site details"
    if key[0] == "region":
        return "region " + repr(key[1])
    if key[0] == "order":
        return "the stream order in region " + repr(key[1])
    return "stream " + repr(key[2]) + " in region " + repr(key[1])


def _stored_version(raw):
    """Return the integer in the version key, None if unset; raise CorruptStateError."""
    if raw is None:
        return None
    try:
        version = int(raw)
    except ValueError:
        version = -1
    if version < 0:
        raise CorruptStateError(
            f"the stored version {_text(raw)!r} is invalid: expected a whole number"
        )
    return version


def _feed_delta(entry_id, fields):
    """Return the delta of a change feed entry, or None when the entry is malformed.

    Only the commit script writes the feed, but anything with write access to Redis
    can add to it. Callers treat None like a trimmed feed and fall back to a snapshot.
    """
    raw = fields.get(b"delta", fields.get("delta"))
    try:
        delta = json.loads(raw)
    except (TypeError, ValueError, RecursionError) as exc:
        problem = f"its delta is not JSON ({type(exc).__name__})"
    else:
        problem = _delta_problem(delta)
    if problem is not None:
        logger.error("change feed entry %s is malformed: %s", _text(entry_id), problem)
        return None
    return delta


def _delta_problem(delta):
    if not isinstance(delta, dict) or not isinstance(delta.get("ops"), list):
        return "its delta is not a JSON object with from, to and ops"
    for key in ("from", "to"):
        value = delta.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return f"its delta's {key} {value!r} is not a version number"
    return None


def _overlaps(mine, theirs):
    for key in mine:
        for other in theirs:
            if key == other:
                return True
            if other[0] == "region" and len(key) > 1 and key[1] == other[1]:
                return True  # a removed or renamed region touches all it contains
            if key[0] == "region" and len(other) > 1 and other[1] == key[1]:
                return True
    return False


class Store:
    """All state lives in Redis; one change is one atomic Lua script."""

    def __init__(self, client, prefix=DEFAULT_PREFIX):
        self.client = client
        self.keys = Keys(prefix)
        self._commit = client.register_script(COMMIT_SCRIPT)

    @classmethod
    def from_url(cls, url, prefix=DEFAULT_PREFIX, **options):
        options.setdefault("socket_timeout", 5)
        options.setdefault("socket_connect_timeout", 5)
        options.setdefault("health_check_interval", 10)
        return cls(redis.Redis.from_url(url, **options), prefix)

    # Reading

    def read(self):
        """Return the current state; an empty state at version 0 if none is stored."""
        try:
            raw, version = self.client.mget(self.keys.state, self.keys.version)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis read failed: {exc}") from exc
        version = _stored_version(version)
        if raw is None:
            state = validate_state({"site": {"title": DEFAULT_TITLE}, "regions": []})
            state["version"] = version or 0
            return state
        try:
            state = validate_state(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            raise CorruptStateError(f"the stored state is invalid: {exc}") from exc
        except RecursionError:
            raise CorruptStateError(
                "the stored state is invalid: JSON nested too deeply"
            ) from None
        if version is not None and version != state["version"]:
            raise CorruptStateError(
                f"stored version {version} differs from the state's {state['version']}"
            )
        return state

    def snapshot_message(self):
        return snapshot_message(self.read())

    def changes_since(self, version):
        """Return the deltas after `version` in order, or None if the feed lacks some."""
        try:
            # One MULTI/EXEC, so a commit cannot land between the two reads.
            pipeline = self.client.pipeline(transaction=True)
            pipeline.xrange(self.keys.changes, min=f"{version + 1}-0")
            pipeline.get(self.keys.version)
            entries, raw_version = pipeline.execute()
            current = _stored_version(raw_version) or 0
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis read failed: {exc}") from exc
        expected = version
        found = []
        for entry_id, fields in entries:
            delta = _feed_delta(entry_id, fields)
            if delta is None or delta["from"] != expected:
                return None
            expected = delta["to"]
            found.append(delta)
        if expected != current:
            return None
        return found

    # Writing

    def apply(self, edit, user, action, summary="", base_version=None):
        """Commit `edit(state) -> new state` on top of the current state.

        `base_version` is the version the moderator saw. If changes committed since then
        touched what this edit touches, raise ConflictError naming them. Unrelated
        changes are kept and the edit applies on top of them. Return the new state, or
        the current one when the edit changes nothing.
        """
        for _ in range(COMMIT_ATTEMPTS):
            state = self.read()
            new = validate_state(edit(deltas.copy_state(state)))
            new["version"] = state["version"] + 1
            ops = deltas.diff(state, new)
            if not ops:
                return state
            if base_version is not None and base_version < state["version"]:
                self._check_conflict(base_version, ops)
            if self._try_commit(state, new, ops, user, action, summary):
                return new
        raise ConflictError(f"{action} failed: the data kept changing; try again")

    def replace(
        self, new_state, user, action="import", summary="replaced the whole state"
    ):
        clean = validate_state(new_state)
        return self.apply(lambda state: clean, user, action, summary)

    def _try_commit(self, state, new, ops, user, action, summary):
        delta = {"from": state["version"], "to": new["version"], "ops": ops}
        undo = {
            "from": new["version"],
            "to": state["version"],
            "ops": deltas.diff(new, state),
        }
        args = [
            state["version"],
            encode(new),
            encode(delta),
            self.keys.notify,
            CHANGES_MAXLEN,
            AUDIT_MAXLEN,
            user,
            f"{time.time():.3f}",
            action,
            summary,
            encode(undo),
        ]
        keys = [self.keys.state, self.keys.version, self.keys.changes, self.keys.audit]
        try:
            status, version = self._commit(keys=keys, args=args)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis commit failed: {exc}") from exc
        if _text(status) == "ok":
            logger.debug("committed version %s by %s: %s", version, user, action)
            return True
        logger.info(
            "version moved to %s during %s by %s; retrying", version, action, user
        )
        return False

    def _check_conflict(self, base_version, ops):
        mine = deltas.touched(ops)
        entries = self.audit(after=base_version)
        if len(entries) < 1 or entries[0]["version"] != base_version + 1:
            raise ConflictError(
                f"the data changed since version {base_version} and the history no "
                "longer shows what; reload and try again"
            )
        clashes = []
        for entry in entries:
            theirs = deltas.touched(entry["redo"]["ops"])
            if _overlaps(mine, theirs):
                clashes.append(entry)
        if clashes:
            what = sorted(
                {
                    _describe(key)
                    for entry in clashes
                    for key in deltas.touched(entry["redo"]["ops"])
                }
            )
            who = ", ".join(sorted({entry["user"] for entry in clashes}))
            last = clashes[-1]["version"]
            raise ConflictError(
                f"{'; '.join(what)} changed since you loaded version {base_version} "
                f"(by {who}, latest at version {last}); reload and try again",
                clashes,
            )

    # History

    def audit(self, after=0, limit=None, newest_first=False):
        """Return audit entries with version > `after` as dicts."""
        try:
            if newest_first:
                rows = self.client.xrevrange(
                    self.keys.audit, min=f"{after + 1}-0", count=limit
                )
            else:
                rows = self.client.xrange(
                    self.keys.audit, min=f"{after + 1}-0", count=limit
                )
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis read failed: {exc}") from exc
        return [self._audit_entry(fields) for _, fields in rows]

    @staticmethod
    def _audit_entry(fields):
        entry = {_text(key): _text(value) for key, value in fields.items()}
        entry["version"] = int(entry["version"])
        entry["ts"] = float(entry["ts"])
        entry["redo"] = json.loads(entry["redo"])
        entry["undo"] = json.loads(entry["undo"])
        return entry

    def state_at(self, version):
        """Return the state as it was at `version`, rebuilt from the audit log."""
        state = self.read()
        if version > state["version"] or version < 0:
            raise ValidationError(
                "version", version, f"a version from 0 to {state['version']}"
            )
        entries = self.audit(after=version, newest_first=True)
        if len(entries) != state["version"] - version:
            raise ValidationError(
                "version", version, "a version the audit log still covers"
            )
        for entry in entries:
            state = deltas.apply(state, entry["undo"])
        return state

    def revert(self, version, user):
        old = self.state_at(version)
        return self.apply(
            lambda state: old, user, "revert", f"reverted to version {version}"
        )
