"""Redis key names. Every component derives them from one prefix."""

DEFAULT_PREFIX = "qh:"
CHANGES_MAXLEN = 10_000
AUDIT_MAXLEN = 100_000


class Keys:
    def __init__(self, prefix=DEFAULT_PREFIX):
        self.prefix = prefix
        self.state = prefix + "state"
        self.version = prefix + "version"
        self.changes = prefix + "changes"
        self.notify = prefix + "notify"
        self.audit = prefix + "audit"
        self.users = prefix + "users"
