"""Two web processes behind nginx: an incident posted to either reaches screens on both, the
screens of a killed web process reconnect through nginx to the other and resume without loss, and
nginx itself crashing and coming back loses nothing."""

from __future__ import annotations

import time

import pytest

from tests.fault.conftest import assert_no_loss, loss_report
from tests.fault.traffic import burst, in_background

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def test_an_incident_posted_to_either_web_process_reaches_screens_on_both(env):
    screens = [env.screen(1), env.screen(1, "second@web-1"), env.screen(2)]
    burst(env.poster, env.ledger, incidents=40)  # the poster alternates web-1 and web-2
    counts = loss_report("posted to both web processes", env, env.ledger, screens)
    assert_no_loss(counts)
    assert counts["transports"] == ["websocket"]  # the upgrade passes through nginx
    assert all(n == 0 for n in counts["reconnects"].values())


def test_screens_of_a_killed_web_process_resume_on_the_other_without_loss(env):
    doomed = [env.screen(1), env.screen(1, "second@web-1")]
    survivor = env.screen(2)
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=240, threads=3)
    for s in doomed:
        s.wait(lambda s=s: len(s.keys) >= 20, "the burst under way")
    env.topology.signal("web-1")  # kill -9
    thread.join(300)
    assert not errors, errors
    for s in doomed:  # reconnected (through nginx, to web-2) and resumed from their last ids
        s.wait(lambda s=s: s.connects >= 2 and len(s.resumes) >= 2, "a resume after the kill")
        assert not any(r["resynced"] for r in s.resumes)
    counts = loss_report("web-1 killed during a burst", env, env.ledger, [*doomed, survivor])
    assert_no_loss(counts)


def test_nginx_crashed_and_restarted_during_a_burst_loses_nothing(env):
    screens = [env.screen(1), env.screen(2)]
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=200, threads=3)
    screens[0].wait(lambda: len(screens[0].keys) >= 20, "the burst under way")
    env.topology.signal("nginx", group=True)  # kill -9 of master and workers: every connection drops
    time.sleep(2)  # reports meanwhile are refused (connection refused) and retried by their senders
    env.topology.start("nginx")
    thread.join(300)
    assert not errors, errors
    for s in screens:  # back through nginx to the same web process, resumed from their last ids
        s.wait(lambda s=s: s.connects >= 2 and len(s.resumes) >= 2, "a resume after nginx came back")
        assert not any(r["resynced"] for r in s.resumes)
    counts = loss_report("nginx kill -9 and restart during a burst", env, env.ledger, screens)
    assert_no_loss(counts)
    assert counts["retried_answers"], "the outage was not seen by the senders"
