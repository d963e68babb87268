"""An incident's life after its report: which steps follow and how long each takes.

Delays are drawn from the business item's stage limits. Most steps finish well inside their limit;
a `late_fraction` of them overrun it, so the supervisor has overdue items to open and escalate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LATE_FRACTION = 0.05  # per stage
REOPEN_FRACTION = 0.04  # the on-site check fails and the item goes back to the department
CANCEL_FRACTION = 0.015  # duplicates and invalid reports, cancelled by the center

NOTES = {
    "dispatch": "网格吹哨，派发责任部门",
    "accept": "部门报到，已受理",
    "resolve": "已处置完毕",
    "close": "现场核查通过，结案",
    "reopen": "现场核查未通过，退回重办",
    "cancel": "重复上报，作废",
}
# The stage whose limit bounds the delay before each action.
STAGE_OF = {"dispatch": "dispatch", "cancel": "dispatch", "accept": "accept", "resolve": "resolve",
            "close": "check", "reopen": "check"}


@dataclass(frozen=True)
class Limits:
    """A business item's stage limits, in minutes."""

    dispatch: int
    accept: int
    resolve: int
    check: int

    def of(self, stage: str) -> int:
        """The limit of one stage, in minutes."""
        return getattr(self, stage)


@dataclass(frozen=True)
class Step:
    """One transition to post: the action, its delay after the previous step, and whether late."""

    action: str
    delay_s: float  # simulated seconds after the previous step
    limit_s: float  # the stage limit this delay is measured against
    late: bool

    def wall_delay(self, speed: float) -> float:
        """Wall seconds to wait: compressed by speed, but a late step still lands past its limit."""
        if not self.late:
            return self.delay_s / speed
        return self.limit_s + (self.delay_s - self.limit_s) / speed


def draw_delay(rng: random.Random, limit_min: int, late_fraction: float) -> tuple[float, bool]:
    """Seconds a stage takes: mostly well within the limit, sometimes past it."""
    limit_s = max(limit_min, 1) * 60.0
    if rng.random() < late_fraction:
        return limit_s * (1.02 + rng.expovariate(1 / 0.5)), True
    # Skewed towards the early part of the allowed time, never at zero.
    return limit_s * (0.03 + 0.9 * rng.betavariate(1.6, 3.0)), False


def plan(rng: random.Random, limits: Limits, late_fraction: float = LATE_FRACTION,
         reopen_fraction: float = REOPEN_FRACTION,
         cancel_fraction: float = CANCEL_FRACTION) -> list[Step]:
    """The steps after a report, in order, with their delays."""

    def step(action: str) -> Step:
        limit_min = limits.of(STAGE_OF[action])
        delay, late = draw_delay(rng, limit_min, late_fraction)
        return Step(action, delay, limit_min * 60.0, late)

    if rng.random() < cancel_fraction:
        return [step("cancel")]
    steps = [step("dispatch"), step("accept"), step("resolve")]
    # At most two failed checks: a third visit gets it right.
    for _ in range(2):
        if rng.random() >= reopen_fraction:
            break
        steps += [step("reopen"), step("accept"), step("resolve")]
    steps.append(step("close"))
    return steps
