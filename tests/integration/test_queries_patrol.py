"""Patrol hours per region: folded days from PatrolDay, recent days from raw positions, on both DBs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.core.models import PatrolDay, Position, Unit
from dashboard.core.timeutil import Period
from dashboard.queries.patrol import patrol_hours_by_child
from tests.integration import ui_world

G1, V = ui_world.GRID, ui_world.V
G2 = f"{V}-g02"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(Session):  # noqa: N803 - the fixture is a session factory
    """The tiny world with a folded day, a raw day over two grids and a shift across midnight."""
    with Session.begin() as s:
        ui_world.build(s)
        # 26 Nov, folded: 4 hours, all counted in the person's main grid.
        s.add(PatrolDay(staff_id="s001", day=date(2026, 11, 26), grid_code=G1, positions=100,
                        first_ts=_at(26, 1), last_ts=_at(26, 5), grids_visited=f"{G1},{G2}"))
        # 27 Nov, raw: 2 hours, 2 reports in each grid, so 1 hour each; a thinned row is ignored.
        raw = ((_at(27, 2), G1), (_at(27, 2, 30), G1), (_at(27, 3), G2), (_at(27, 4), G2))
        s.add_all([Position(staff_id="s001", ts=ts, lat=25.41, lon=119.01, grid_code=g) for ts, g in raw])
        s.add(Position(staff_id="s001", ts=_at(26, 12), lat=25.41, lon=119.01, grid_code=G1,
                       downsampled=True))
        # A night shift: 23:00 on the 27th, then 01:00 and 02:00 on the 28th, Putian time.
        s.add_all([Position(staff_id="s002", ts=ts, lat=25.41, lon=119.03, grid_code=G2)
                   for ts in (_at(27, 15), _at(27, 17), _at(27, 18))])


def test_hours_per_child_at_every_level(world, Session):  # noqa: N803
    with Session() as s:
        town, village, grid = (s.get(Unit, c) for c in (ui_world.T, V, G1))
        city = s.get(Unit, "putian")
        three_days = Period(date(2026, 11, 26), date(2026, 11, 28))
        # 4 folded + 2 raw + 1 (the night shift's hour after midnight; its lone report before is 0 h).
        assert patrol_hours_by_child(s, city, three_days) == {"licheng": pytest.approx(7.0)}
        assert patrol_hours_by_child(s, town, three_days) == {V: pytest.approx(7.0)}
        hours = patrol_hours_by_child(s, village, Period(date(2026, 11, 27), date(2026, 11, 27)))
        assert hours == {G1: pytest.approx(1.0), G2: pytest.approx(1.0)}
        assert patrol_hours_by_child(s, grid, Period(date(2026, 11, 26), date(2026, 11, 26))) == {
            G1: pytest.approx(4.0)}
        assert patrol_hours_by_child(s, grid, Period(date(2026, 11, 1), date(2026, 11, 2))) == {}
