"""`simulate`: drive the real intake API with a believable Putian.

The 5,722 staff walk their grids during their shifts and report a position every 10 s, forwarded
in batches once a second the way a device gateway would; incidents arrive at the 2018 rate with
its day/hour rhythm and occasional bursts; departments accept and resolve them, grid staff close
(and sometimes reopen) them, with delays drawn from each business item's stage limits.

`--scale k` multiplies the load: each phone reports every 10/k s (the intake accepts only staff it
knows, so more positions come from the same people) and incidents arrive k times as often.
`--speed` runs the city's clock faster (rhythm, shifts, lifecycle delays); positions keep their
wall-clock cadence. A step drawn late still lands past its real limit, so supervision has work.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import sys
from datetime import datetime

from dashboard.core.config import Settings
from dashboard.core.timeutil import LOCAL_TZ, utcnow
from dashboard.ops.worker import configure_logging

TOKEN_ENV = "DASHBOARD_SIM_TOKEN"
log = logging.getLogger("feeds.simulator")


def _ranged(kind, low: float, high: float | None, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {text}")
        return value

    return parse


def _local_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a local time like 2026-11-24T10:00, "
                                         f"got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of simulate."""
    parser.add_argument("--scale", type=_ranged(float, 1, 20, "a number"), default=1.0,
                        help="load multiplier, 1 to 20: positions/s and incident rate (default 1)")
    parser.add_argument("--speed", type=_ranged(float, 0.01, 10_000, "a number"), default=1.0,
                        help="time compression of the city's clock: incident rhythm, shifts and "
                             "lifecycle delays (default 1 = real time)")
    parser.add_argument("--duration", type=_ranged(float, 0, None, "seconds"), default=0.0,
                        help="stop after this many seconds (0 = run until interrupted)")
    parser.add_argument("--url", help="base URL of the intake API (default: http://HOST:PORT from settings)")
    parser.add_argument("--token", help=f"bearer token of a system account (default: ${TOKEN_ENV}; "
                                        "if unset, one is issued in the database)")
    parser.add_argument("--seed", type=_ranged(int, 0, None, "an integer"), default=None,
                        help="random seed, for a repeatable city (default: random)")
    parser.add_argument("--unit", help="simulate only the staff and grids under this unit code "
                                       "(default: the whole city)")
    parser.add_argument("--report-period", type=_ranged(float, 0.1, 3600, "seconds"), default=10.0,
                        help="wall seconds between one phone's reports at scale 1 (default 10)")
    parser.add_argument("--city-start", type=_local_time, default=None,
                        help="the city's clock at start, local time YYYY-MM-DDTHH:MM (default: now); "
                             "pins the day/hour rhythm and shifts for repeatable runs")
    parser.add_argument("--everyone-on-duty", action="store_true",
                        help="every staff member reports regardless of shift (the design load of "
                             "DESIGN.md §4 counts all 5,722)")
    parser.add_argument("--incidents-per-day", type=_ranged(float, 0, 10_000_000, "a number"),
                        default=None, help="base incidents per simulated day before --scale "
                                           "(default 1,580: the 2018 average)")
    parser.add_argument("--late-fraction", type=_ranged(float, 0, 1, "a fraction"), default=None,
                        help="share of lifecycle steps that overrun their limit (default 0.05)")
    parser.add_argument("--batch", type=_ranged(int, 1, 5000, "an integer"), default=2000,
                        help="most positions in one POST, at most the API's 5000 (default 2000)")
    parser.add_argument("--senders", type=_ranged(int, 1, 32, "an integer"), default=2,
                        help="concurrent position POSTs, like several gateways (default 2)")
    parser.add_argument("--status-every", type=_ranged(float, 0.5, None, "seconds"), default=10.0,
                        help="seconds between status lines (default 10)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the simulator until its duration passes or it is interrupted."""
    from sqlalchemy.exc import SQLAlchemyError

    from dashboard.core.db import engine_for, session_factory
    from dashboard.core.units import root_code
    from feeds.sim_city import City
    from feeds.sim_engine import Simulation
    from feeds.sim_lifecycle import LATE_FRACTION
    from feeds.sim_rhythm import INCIDENTS_PER_DAY
    from feeds.sim_world import load_world, restrict

    configure_logging()
    engine = engine_for(settings)
    Session = session_factory(engine)  # noqa: N806 - a session factory
    try:
        with Session() as session:
            root = root_code(session)
            world = restrict(load_world(session), args.unit or root, root)
        token = args.token or os.environ.get(TOKEN_ENV) or _issue_token(Session)
    except (RuntimeError, ValueError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"simulate: cannot read the city from the database: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    url = args.url or f"http://{_client_host(settings.host)}:{settings.port}"
    per_day = INCIDENTS_PER_DAY if args.incidents_per_day is None else args.incidents_per_day
    city = City(world, start=utcnow(), scale=args.scale, speed=args.speed, seed=seed,
                late_fraction=LATE_FRACTION if args.late_fraction is None else args.late_fraction,
                report_period_s=args.report_period, city_start=args.city_start,
                everyone_on_duty=args.everyone_on_duty,
                incidents_per_day=per_day)
    sim = Simulation(city, url, token, duration_s=args.duration, status_every_s=args.status_every,
                     batch=args.batch, position_workers=args.senders,
                     out=lambda line: print(line, flush=True))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sim.stop())
    print(f"simulate: {len(world.staff_ids)} staff, {len(world.grids)} grids, {len(world.items)} items; "
          f"scale {args.scale:g}, speed {args.speed:g}, seed {seed}; posting to {url}", flush=True)
    totals = sim.run()
    print("simulate: done " + " ".join(f"{k}={v}" for k, v in sorted(totals.items())), flush=True)
    return 0


def _client_host(host: str) -> str:
    # A server bound to every interface is reached on loopback.
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _issue_token(Session) -> str:  # noqa: N803 - a session factory
    from dashboard.core.principal import issue_token, revoke_token
    from dashboard.core.units import root_code

    with Session.begin() as session:
        # One live simulator token at a time: an earlier run's is revoked.
        revoke_token(session, "simulator", utcnow())
        token = issue_token(session, "simulator", "system", root_code(session))
    log.info("no %s given: issued a system token named 'simulator'", TOKEN_ENV)
    return token
