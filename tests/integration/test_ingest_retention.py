"""Position history: raw for a window, then PatrolDay summaries and a thinned track."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bench.intake_world import G1, G2, build_world
from dashboard.core.models import PatrolDay, Position
from dashboard.core.timeutil import LOCAL_TZ
from feeds import retention

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 local


def add_track(Session, staff: str, start: datetime, n: int, step_s: int = 10, grid: str = G1):  # noqa: N803
    with Session.begin() as s:
        for i in range(n):
            s.add(Position(staff_id=staff, ts=start + timedelta(seconds=i * step_s),
                           lat=25.435 + i * 1e-5, lon=119.005, grid_code=grid if i % 2 else G2))


def test_old_days_fold_into_patrol_days_and_thin(Session):
    build_world(Session)
    old_day = datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL_TZ)
    add_track(Session, "S0001", old_day, 360)  # one hour every 10 s
    add_track(Session, "S0002", old_day, 60)
    recent = NOW - timedelta(hours=2)
    add_track(Session, "S0001", recent, 30)
    result = retention.run_once(Session, now=NOW)
    assert result["folded"] == 420
    with Session() as s:
        days = {d.staff_id: d for d in s.scalars(select(PatrolDay))}
        kept_old = s.scalar(select(func.count()).select_from(Position)
                            .where(Position.ts < NOW - timedelta(days=2)))
        flagged = s.scalar(select(func.count()).select_from(Position).where(Position.downsampled))
        recent_rows = s.scalar(select(func.count()).select_from(Position)
                               .where(Position.ts >= recent))
    assert days["S0001"].positions == 360 and days["S0002"].positions == 60
    assert days["S0001"].day.isoformat() == "2026-06-05"
    assert set(days["S0001"].grids_visited.split(",")) == {G1, G2}
    assert 390 < days["S0001"].distance_m < 410  # 359 steps of 1e-5 degrees latitude, 1.11 m each
    # one position per person per 5 minutes: 12 for the hour, 2 for ten minutes
    assert kept_old == flagged == 14
    assert recent_rows == 30
    again = retention.run_once(Session, now=NOW)
    assert again["folded"] == 0
    with Session() as s:
        assert s.get(PatrolDay, ("S0001", old_day.date())).positions == 360


def test_late_positions_merge_and_thinned_tracks_expire(Session):
    build_world(Session)
    old_day = datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL_TZ)
    add_track(Session, "S0001", old_day, 30)
    retention.run_once(Session, now=NOW)
    add_track(Session, "S0001", old_day + timedelta(hours=3), 30)  # a phone that was offline
    retention.run_once(Session, now=NOW)
    with Session() as s:
        day = s.get(PatrolDay, ("S0001", old_day.date()))
        assert day.positions == 60
        assert day.first_ts == old_day and day.last_ts == old_day + timedelta(hours=3, seconds=290)
    later = retention.run_once(Session, now=NOW + timedelta(days=40))
    assert later["pruned"] > 0
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 0
        assert s.get(PatrolDay, ("S0001", old_day.date())).positions == 60
