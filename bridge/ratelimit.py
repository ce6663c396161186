"""Spacing of publishes, so the bridge stays under AWS IoT's per-connection rate."""

import time


class RateLimiter:
    """Allows one publish per `1 / rate` seconds.

    Publishes spaced at least that far apart mean any one-second interval contains at
    most `rate` of them. A burst waits for the next slot instead of going over.
    """

    def __init__(self, rate: float, clock=time.monotonic):
        self.interval = 1.0 / rate
        self.clock = clock
        self.last: float | None = None

    def delay(self) -> float:
        """Return the seconds until the next publish is allowed, 0 when it is now."""
        if self.last is None:
            return 0.0
        return max(0.0, self.last + self.interval - self.clock())

    def record(self) -> None:
        """Count a publish made now."""
        self.last = self.clock()
