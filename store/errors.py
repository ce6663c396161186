"""The store's error family; redis-py exceptions are translated at the boundary."""


class StoreError(Exception):
    """Base class for store errors."""


class StoreUnavailable(StoreError):
    """Redis could not be reached or returned an error."""


class ConflictError(StoreError):
    """An edit was based on a version that has since changed the same items."""

    def __init__(self, message, changes=()):
        super().__init__(message)
        self.changes = list(changes)


class CorruptStateError(StoreError):
    """The state stored in Redis is not valid JSON or breaks the model's rules."""
