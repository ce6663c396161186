"""The Redis store: current state, versions, change feed, pub/sub and audit log."""
