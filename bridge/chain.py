"""The unbroken chain of versions the bridge publishes, and the coalescing of changes.

Subscribers rebuild the state from a snapshot plus deltas that each continue the
previous one. The bridge keeps two states: `published`, what subscribers can have
now, and `current`, that plus every change read from the feed since. The next delta is
the difference between the two, however many changes lie in between.
"""

import logging

from model import delta as deltas
from model.errors import VersionError

logger = logging.getLogger(__name__)


class Chain:
    def __init__(self):
        self.published: dict | None = None
        self.current: dict | None = None
        self.entry_ids: list[
            str
        ] = []  # feed entries `current` contains, not yet published
        self.acks_due: list[
            str
        ] = []  # published entries, not yet acknowledged in Redis

    @property
    def version(self) -> int | None:
        return None if self.current is None else self.current["version"]

    @property
    def published_version(self) -> int | None:
        return None if self.published is None else self.published["version"]

    @property
    def pending(self) -> bool:
        """True when `current` holds changes subscribers do not have yet."""
        return self.current is not None and self.version != self.published_version

    def restore(self, published: dict | None) -> None:
        """Continue from `published`, the state stored with the last acknowledgement."""
        self.published = published
        self.current = published

    def reset(self, state: dict) -> None:
        """Jump `current` to `state`, read from the store, after the feed lost changes."""
        self.current = state

    def add(self, changes) -> list:
        """Apply the changes that continue `current`; return the rest, from the first gap on.

        Changes `current` already contains are only kept for acknowledgement.
        """
        run = []
        for index, change in enumerate(changes):
            if self.current is not None and change.end <= self._run_end(run):
                self.entry_ids.append(change.entry_id)
            elif (
                self.current is not None
                and change.delta
                and change.start == self._run_end(run)
            ):
                run.append(change)
            else:
                return self._apply(run) + list(changes[index:])
        return self._apply(run)

    def _run_end(self, run) -> int:
        return run[-1].end if run else self.current["version"]

    def _apply(self, run) -> list:
        """Apply a run of consecutive changes as one delta: one copy of the state, not one each."""
        if not run:
            return []
        ops = []
        for change in run:
            ops.extend(change.delta["ops"])
        merged = {"from": run[0].start, "to": run[-1].end, "ops": ops}
        try:
            self.current = deltas.apply(self.current, merged)
        except (VersionError, KeyError, IndexError, TypeError) as exc:
            logger.error(
                "changes from version %d to %d do not apply to the state: %s",
                run[0].start,
                run[-1].end,
                exc,
            )
            return run
        self.entry_ids.extend(change.entry_id for change in run)
        return []

    def delta(self) -> dict:
        """Return one delta from `published` to `current`."""
        return deltas.make_delta(self.published, self.current)

    def mark_published(self) -> None:
        """Record that subscribers now have `current`."""
        self.published = self.current
        self.acks_due.extend(self.entry_ids)
        self.entry_ids = []
