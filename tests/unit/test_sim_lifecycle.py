"""Incident lifecycles: steps in a legal order, delays drawn from the item's limits, some late."""

import random

import pytest

from dashboard.core.lifecycle import STEPS
from feeds.sim_lifecycle import Limits, Step, draw_delay, plan

LIMITS = Limits(dispatch=30, accept=60, resolve=2880, check=1440)


def _plans(n: int, **kw) -> list[list[Step]]:
    rng = random.Random(11)
    return [plan(rng, LIMITS, **kw) for _ in range(n)]


def test_every_plan_is_a_legal_walk_through_the_loop():
    for steps in _plans(3000):
        state = "reported"
        for step in steps:
            sources, target = STEPS[step.action]
            assert state in sources, [s.action for s in steps]
            state = target
        assert state in ("closed", "cancelled")


def test_late_fraction_is_honoured_and_late_means_past_the_limit():
    steps = [s for p in _plans(4000, late_fraction=0.1) for s in p]
    late = [s for s in steps if s.late]
    assert len(late) / len(steps) == pytest.approx(0.1, abs=0.015)
    assert all(s.delay_s > s.limit_s for s in late)
    assert all(0 < s.delay_s < s.limit_s for s in steps if not s.late)


def test_no_late_steps_when_asked_for_none():
    assert not any(s.late for p in _plans(500, late_fraction=0.0) for s in p)


def test_delays_follow_each_stage_limit():
    rng = random.Random(2)
    short = [draw_delay(rng, 30, 0.0)[0] for _ in range(500)]
    long = [draw_delay(rng, 2880, 0.0)[0] for _ in range(500)]
    assert max(short) < 30 * 60 < min(long) * 10
    assert sum(long) / len(long) > 50 * sum(short) / len(short)


def test_reopens_and_cancels_happen_but_rarely():
    plans = _plans(5000)
    cancelled = sum(p[-1].action == "cancel" for p in plans) / len(plans)
    reopened = sum(any(s.action == "reopen" for s in p) for p in plans) / len(plans)
    assert 0.005 < cancelled < 0.03 and 0.02 < reopened < 0.07


def test_speed_compresses_on_time_steps_but_late_ones_still_pass_their_limit():
    on_time = Step("accept", delay_s=1800, limit_s=3600, late=False)
    late = Step("accept", delay_s=5400, limit_s=3600, late=True)
    assert on_time.wall_delay(60) == pytest.approx(30)
    assert late.wall_delay(1) == pytest.approx(5400)
    assert late.wall_delay(60) == pytest.approx(3600 + 30)
