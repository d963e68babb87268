"""How every process starts: one log format, and for the stream workers (ingest, supervise, fanout)
the Redis the web processes share, named by DASHBOARD_REDIS_URL, and a stop event that SIGINT and
SIGTERM set. A worker on a Redis of its own would see no stream and reach no screen, so a worker
started without the variable stops at once with one line naming it (`python -m dashboard run`
starts an embedded Redis and hands its URL to every child)."""

from __future__ import annotations

import logging
import signal
import threading

from dashboard.core.config import Settings, SettingsError

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

def configure_logging() -> None:
    """The one log format of every process (INFO to stderr)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def start(verb: str, settings: Settings) -> threading.Event:
    """Prepare a stream worker: logging, the shared Redis checked as configured, and the stop event.
    Without the Redis it raises SettingsError, which `python -m dashboard` reports as for any setting."""
    configure_logging()
    if not settings.redis_url:
        raise SettingsError("DASHBOARD_REDIS_URL", f"not set; {verb} must use the Redis the web processes "
                            "use (`python -m dashboard run` starts one for every process)")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
