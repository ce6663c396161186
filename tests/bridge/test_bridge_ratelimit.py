from bridge.ratelimit import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_first_publish_needs_no_wait():
    limiter = RateLimiter(10, FakeClock())

    assert limiter.delay() == 0.0


def test_next_publish_waits_one_interval():
    clock = FakeClock()
    limiter = RateLimiter(10, clock)
    limiter.record()

    clock.now += 0.04

    assert abs(limiter.delay() - 0.06) < 1e-9


def test_publishing_at_every_slot_keeps_rate_per_second():
    clock = FakeClock()
    limiter = RateLimiter(10, clock)
    times = []
    while clock.now < 103.0:
        if limiter.delay() == 0:
            limiter.record()
            times.append(clock.now)
        clock.now = round(clock.now + 0.01, 6)

    max_in_one_second = max(
        sum(1 for other in times if start <= other < start + 1.0) for start in times
    )
    assert max_in_one_second == 10
