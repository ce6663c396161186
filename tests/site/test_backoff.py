"""site/backoff.py: reconnect delays."""

import pytest


@pytest.fixture
def backoff_class(site_modules):
    return site_modules["backoff"].Backoff


def test_delays_double_up_to_maximum(backoff_class):
    backoff = backoff_class(first=1, maximum=8, rand=lambda: 1.0)

    delays = [backoff.next_delay() for _ in range(6)]

    assert delays == [1, 2, 4, 8, 8, 8]


def test_jitter_keeps_at_least_half(backoff_class):
    backoff = backoff_class(first=2, maximum=30, rand=lambda: 0.0)

    assert backoff.next_delay() == 1
    assert backoff.next_delay() == 2


def test_reset_starts_over(backoff_class):
    backoff = backoff_class(first=1, maximum=30, rand=lambda: 1.0)
    for _ in range(4):
        backoff.next_delay()

    backoff.reset()

    assert backoff.next_delay() == 1


def test_retry_after_wins_when_longer(backoff_class):
    backoff = backoff_class(first=1, maximum=30, rand=lambda: 1.0)

    assert backoff.next_delay(at_least=7) == 7
    assert backoff.next_delay(at_least=1) == 2


def test_real_jitter_stays_in_range(backoff_class):
    backoff = backoff_class(first=1, maximum=4)

    for step in (1, 2, 4, 4):
        delay = backoff.next_delay()
        assert step / 2 <= delay <= step


@pytest.mark.parametrize(("first", "maximum"), [(0, 5), (5, 1), (-1, 1)])
def test_invalid_settings_rejected(backoff_class, first, maximum):
    with pytest.raises(ValueError, match="invalid backoff"):
        backoff_class(first=first, maximum=maximum)
