"""The simulator's clock: shifts, the day/hour rhythm and the yearly rate it adds up to."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.core.timeutil import LOCAL_TZ
from feeds.sim_rhythm import (
    DAY_WEIGHTS,
    HOUR_WEIGHTS,
    INCIDENTS_PER_DAY,
    draw_bursts,
    incident_rate,
    on_shift,
    poisson,
    rhythm,
)

MONDAY = datetime(2026, 11, 23, tzinfo=LOCAL_TZ)


def test_rhythm_averages_to_one_over_a_week():
    hours = [MONDAY + timedelta(hours=h) for h in range(7 * 24)]
    assert sum(rhythm(t) for t in hours) / len(hours) == pytest.approx(1.0)
    assert sum(HOUR_WEIGHTS) == pytest.approx(24) and sum(DAY_WEIGHTS) == pytest.approx(7)


def test_a_week_of_rate_is_a_week_of_2018_incidents():
    # Integrate the rate minute by minute over a week: 7 days of the 2018 average.
    minutes = [MONDAY + timedelta(minutes=m) for m in range(7 * 24 * 60)]
    total = sum(incident_rate(t, scale=1) * 60 for t in minutes)
    assert total == pytest.approx(7 * 576_647 / 365, rel=1e-6)
    assert sum(incident_rate(t, scale=20) * 60 for t in minutes) == pytest.approx(20 * total)


def test_office_hours_busier_than_the_night_and_weekdays_than_sundays():
    assert rhythm(MONDAY.replace(hour=10)) > 5 * rhythm(MONDAY.replace(hour=3))
    assert rhythm(MONDAY.replace(hour=10)) > rhythm((MONDAY + timedelta(days=6)).replace(hour=10))


@pytest.mark.parametrize(("shift", "hour", "working"), [
    ("day", 8, True), ("day", 15, True), ("day", 16, False), ("day", 3, False),
    ("evening", 16, True), ("evening", 23, True), ("evening", 7, False),
    ("night", 0, True), ("night", 7, True), ("night", 8, False), ("night", 20, False),
    ("unknown", 10, True), ("unknown", 22, False),
])
def test_shifts_follow_local_time(shift, hour, working):
    moment = MONDAY.replace(hour=hour, minute=30)
    assert on_shift(shift, moment) is working
    # The same instant expressed in UTC gives the same answer.
    assert on_shift(shift, moment.astimezone(UTC)) is working


def test_every_hour_has_exactly_one_shift_on_duty():
    for h in range(24):
        moment = MONDAY.replace(hour=h)
        assert sum(on_shift(s, moment) for s in ("day", "evening", "night")) == 1


def test_poisson_mean_and_bursts_per_day():
    rng = random.Random(5)
    draws = [poisson(rng, 3.0) for _ in range(20_000)]
    assert sum(draws) / len(draws) == pytest.approx(3.0, rel=0.05)
    assert poisson(rng, 0) == 0
    bursts = [b for _ in range(200) for b in draw_bursts(rng, 86_400, scale=1)]
    assert 200 * 4 < len(bursts) < 200 * 8  # about six a day
    assert all(b.size >= 8 and 300 <= b.spread_s <= 1800 for b in bursts)
    assert INCIDENTS_PER_DAY == pytest.approx(1580, abs=1)
