"""Delays between reconnect attempts: exponential growth with jitter.

Thousands of viewers lose the connection at the same moment when the broker
restarts; random jitter spreads their reconnects (and bootstrap calls) out.
"""

import random


class Backoff:
    """Exponential backoff with "equal jitter": each delay is drawn between half and
    all of the current step, and the step doubles up to `maximum` seconds."""

    def __init__(self, first=1.0, maximum=30.0, rand=random.random):
        if first <= 0 or maximum < first:
            raise ValueError(
                "invalid backoff "
                + repr((first, maximum))
                + ": need 0 < first <= maximum"
            )
        self.first = first
        self.maximum = maximum
        self.attempt = 0
        self._rand = rand

    def next_delay(self, at_least=0):
        """Return the seconds to wait before the next attempt, and count the attempt.

        `at_least` is a server's Retry-After hint, which wins when it is longer.
        """
        step = min(self.maximum, self.first * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        delay = step / 2 + self._rand() * step / 2
        return max(delay, at_least)

    def reset(self):
        self.attempt = 0
