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
        # Changes that continue `current`, not applied yet.
        self.run: list = []
        # Feed entries that `current` contains, not published yet.
        self.entry_ids: list[str] = []
        # Published feed entries, not acknowledged in Redis yet.
        self.acks_due: list[str] = []

    @property
    def version(self) -> int | None:
        """The version of `current` once the waiting run of changes is applied."""
        if self.run:
            return self.run[-1].end
        return None if self.current is None else self.current["version"]

    @property
    def published_version(self) -> int | None:
        return None if self.published is None else self.published["version"]

    @property
    def pending(self) -> bool:
        """True when the feed has delivered changes that subscribers do not have yet."""
        return self.current is not None and self.version != self.published_version

    def restore(self, published: dict | None) -> None:
        """Continue from `published`, the state stored with the last acknowledgement."""
        self.published = published
        self.current = published
        self.run = []

    def reset(self, state: dict) -> None:
        """Jump `current` to `state`, read from the store after the feed lost changes.

        The waiting changes were read before `state`, so `state` contains them.
        """
        self.entry_ids.extend(change.entry_id for change in self.run)
        self.run = []
        self.current = state

    def add(self, changes) -> list:
        """Queue the changes that continue the chain; return the rest, from the first gap on.

        Unreadable changes and changes already contained are only kept for
        acknowledgement. Only versions are checked here; apply() does the work once per
        publish, not once per read.
        """
        for index, change in enumerate(changes):
            version = self.version
            if version is not None and (change.delta is None or change.end <= version):
                self.entry_ids.append(change.entry_id)
            elif version is not None and change.start == version:
                self.run.append(change)
            else:
                return list(changes[index:])
        return []

    def apply(self) -> list:
        """Apply the waiting changes as one delta; return them if they do not apply.

        One merged delta copies the state once instead of once per change.
        """
        run, self.run = self.run, []
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
        """Return one delta from `published` to `current`; call apply() first."""
        return deltas.make_delta(self.published, self.current)

    def mark_published(self) -> None:
        """Record that subscribers now have `current`."""
        self.published = self.current
        self.acks_due.extend(self.entry_ids)
        self.entry_ids = []
