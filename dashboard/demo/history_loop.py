"""Each demo incident's walk through the seven-step loop, as events, and its row derived from them.

An incident's would-be timeline is drawn in full (stage durations scaled to its business item's
limits, with some late stages, bounces and reopens); the events up to a moment `now` are kept and
the incident row (state, step timestamps, counters) is derived from those events, so the row and
its timeline always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.core.models import STATES
from dashboard.demo.history import World

ACTIONS = np.array(["report", "dispatch", "accept", "resolve", "close", "reopen", "cancel"],
                   dtype=object)
REPORT, DISPATCH, ACCEPT, RESOLVE, CLOSE, REOPEN, CANCEL = range(7)
STATE = {name: i for i, name in enumerate(STATES)}
STATE_NAMES = np.array(list(STATES) + [None], dtype=object)  # index -1 is "none"
NOTES = np.array(["重复上报，已合并处理", "经核实不属于网格事项", "经核实信息不实", "当事人已自行整改到位",
                  "超出本辖区范围，已转交", "非本部门职责，退回重新派遣", "现场核查未通过，问题仍存在",
                  "", None], dtype=object)
CANCEL_REASONS = 5
NOTE_BOUNCE, NOTE_REOPEN, NOTE_NONE = 5, 6, 7
BOUNCE_P = 0.04
REOPEN_P = 0.03


@dataclass
class Events:
    """Flat event arrays, sorted by incident then step."""

    inc: np.ndarray
    seq: np.ndarray
    at: np.ndarray
    action: np.ndarray
    frm: np.ndarray
    to: np.ndarray
    dept: np.ndarray  # index into World.enforcement_depts, -1 none
    note: np.ndarray

    def upto(self, now: int) -> Events:
        """Only the events that happened by `now`."""
        return self._where(self.at <= now)

    def only(self, incidents: np.ndarray) -> Events:
        """Only the events of incidents marked True in a per-incident mask."""
        return self._where(incidents[self.inc])

    def _where(self, keep: np.ndarray) -> Events:
        return Events(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


# Late fraction: stages take a lognormal share of their limit (medians 0.25-0.35, sigma 0.55), so
# about 6.9 % of the 2018 closures ran past a limit in some stage (dispatch and resolve most often):
# an on-time rate of 93.1 % against the published 95.3 % closure rate, a believable year of work.
def _stage(rng: np.random.Generator, limit_s: np.ndarray, median: float, sigma: float) -> np.ndarray:
    """Stage durations: lognormal around a fraction of the limit, so a few run late."""
    return np.maximum(limit_s * median * rng.lognormal(0.0, sigma, len(limit_s)), 60).astype(np.int64)


def walk(world: World, rng: np.random.Generator, reported: np.ndarray, attrs: dict,
         fate: np.ndarray, stall_p: float = 0.0) -> Events:
    """Every incident's events; fate 0 closes, 1 is cancelled, 2 sticks with the department.

    `stall_p` is the share of incidents with one stage stuck well past its limit (the backlog
    that supervision exists for).
    """
    n = len(reported)
    lim = world.item_limits[attrs["item"]].astype(np.int64) * 60
    durations = [_stage(rng, lim[:, 0], 0.25, 0.55), _stage(rng, lim[:, 1], 0.30, 0.55),
                 _stage(rng, lim[:, 2], 0.35, 0.55), _stage(rng, lim[:, 3], 0.30, 0.55)]
    stalled = np.flatnonzero(rng.random(n) < stall_p)
    stage_of = rng.integers(0, 4, size=len(stalled))
    for s in range(4):
        rows = stalled[stage_of == s]
        durations[s][rows] = (lim[rows, s] * rng.uniform(1.1, 5.8, size=len(rows))).astype(np.int64)
    cancelled, stuck = fate == 1, fate == 2
    bounce = (rng.random(n) < BOUNCE_P) & ~cancelled
    reopen = (rng.random(n) < REOPEN_P) & (fate == 0)
    late_cancel = cancelled & (rng.random(n) < 0.2)
    early_cancel = cancelled & ~late_cancel

    t_disp1 = reported + durations[0]
    t_disp = t_disp1 + np.where(bounce, _stage(rng, lim[:, 1], 0.5, 0.6), 0)
    t_acc = t_disp + durations[1]
    t_res = t_acc + durations[2]
    t_reopen = t_res + _stage(rng, lim[:, 3], 0.3, 0.6)
    t_acc2 = t_reopen + _stage(rng, lim[:, 1], 0.3, 0.7)
    t_res2 = t_acc2 + _stage(rng, lim[:, 2], 0.25, 0.7)
    t_close = np.where(reopen, t_res2, t_res) + durations[3]
    t_cancel = np.where(late_cancel, t_disp1 + _stage(rng, lim[:, 1], 0.4, 0.6),
                        reported + rng.integers(600, 4 * 3600, size=n))

    dept_index = {d: i for i, d in enumerate(world.enforcement_depts.tolist())}
    own = np.array([dept_index[d] for d in world.item_depts.tolist()])[attrs["item"]]
    wrong = (own + rng.integers(1, len(dept_index), size=n)) % len(dept_index)
    reason = rng.integers(0, CANCEL_REASONS, size=n)
    everyone = np.ones(n, dtype=bool)
    walking = ~cancelled
    parts = [
        (everyone, 0, reported, REPORT, -1, STATE["reported"], -1, NOTE_NONE),
        (early_cancel, 1, t_cancel, CANCEL, STATE["reported"], STATE["cancelled"], -1, reason),
        (~early_cancel, 1, t_disp1, DISPATCH, STATE["reported"], STATE["dispatched"],
         np.where(bounce, wrong, own), NOTE_NONE),
        (bounce, 2, t_disp, DISPATCH, STATE["dispatched"], STATE["dispatched"], own, NOTE_BOUNCE),
        (late_cancel, 3, t_cancel, CANCEL, STATE["dispatched"], STATE["cancelled"], -1, reason),
        (walking, 4, t_acc, ACCEPT, STATE["dispatched"], STATE["accepted"], own, NOTE_NONE),
        (walking & ~stuck, 5, t_res, RESOLVE, STATE["accepted"], STATE["resolved"], own, NOTE_NONE),
        (reopen, 6, t_reopen, REOPEN, STATE["resolved"], STATE["dispatched"], own, NOTE_REOPEN),
        (reopen, 7, t_acc2, ACCEPT, STATE["dispatched"], STATE["accepted"], own, NOTE_NONE),
        (reopen, 8, t_res2, RESOLVE, STATE["accepted"], STATE["resolved"], own, NOTE_NONE),
        (fate == 0, 9, t_close, CLOSE, STATE["resolved"], STATE["closed"], -1, NOTE_NONE),
    ]
    chunks = []
    for mask, seq, at, action, frm, to, dept, note in parts:
        rows = np.flatnonzero(mask)
        k = len(rows)

        def pick(value, rows=rows, k=k):
            return value[rows] if isinstance(value, np.ndarray) else np.full(k, value)

        chunks.append((rows, np.full(k, seq), at[rows], np.full(k, action), np.full(k, frm),
                       np.full(k, to), pick(dept), pick(note)))
    columns = [np.concatenate(c) for c in zip(*chunks, strict=True)]
    order = np.lexsort((columns[1], columns[0]))
    inc, seq, at, action, frm, to, dept, note = (c[order] for c in columns)
    return Events(inc.astype(np.int64), seq.astype(np.int8), at.astype(np.int64),
                  action.astype(np.int8), frm.astype(np.int8), to.astype(np.int8),
                  dept.astype(np.int64), note.astype(np.int64))


def derive(events: Events, n: int) -> dict:
    """The incident columns implied by each incident's events (which must include its report)."""
    last = np.r_[np.flatnonzero(np.diff(events.inc)), len(events.inc) - 1]
    if len(last) != n:
        raise ValueError("every incident needs its report event")
    out = {"state": events.to[last], "updated_at": events.at[last], "stage_started_at": events.at[last]}
    for name, actions in (("dispatched_at", (DISPATCH, REOPEN)), ("accepted_at", (ACCEPT,)),
                          ("resolved_at", (RESOLVE,)), ("closed_at", (CLOSE,)),
                          ("cancelled_at", (CANCEL,))):
        value = np.full(n, -1, dtype=np.int64)
        mask = np.isin(events.action, actions)
        np.maximum.at(value, events.inc[mask], events.at[mask])
        out[name] = value
    reopens = events.action == REOPEN
    bounces = (events.action == DISPATCH) & (events.frm == STATE["dispatched"])
    out["reopen_count"] = np.bincount(events.inc[reopens], minlength=n)
    out["bounce_count"] = np.bincount(events.inc[bounces], minlength=n)
    # The department is the one of the latest dispatch (events are in step order).
    dept = np.full(n, -1, dtype=np.int64)
    dispatches = np.flatnonzero(np.isin(events.action, (DISPATCH, REOPEN)))
    dept[events.inc[dispatches]] = events.dept[dispatches]
    out["dept"] = dept
    return out
