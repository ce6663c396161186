"""The Redis store: current state, versions, change feed, pub/sub and audit log."""

from store.errors import ConflictError, CorruptStateError, StoreError, StoreUnavailable
from store.store import Store

__all__ = [
    "ConflictError",
    "CorruptStateError",
    "Store",
    "StoreError",
    "StoreUnavailable",
]
