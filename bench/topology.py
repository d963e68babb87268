"""The scale-out topology on one machine, laid out exactly as on several.

    python -m bench.topology up   [--workdir var/topology] [--port 8080] [--database-url URL]
    python -m bench.topology down [--workdir var/topology]
    python -m bench.topology status

nginx (sticky by a cookie hash, WebSocket upgrade) in front of two `serve` processes, two `ingest`
consumers in one group, one `supervise`, one `fanout`, its own redis-server with the AOF on, and
PostgreSQL (a database of its own, created if missing). Every process is started in its own
session with a pid file in <workdir>/run and a log in <workdir>/log, so `down` can stop them from
another shell; `up` returns once /healthz answers 200 through nginx.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from bench.topology_services import ROOT, nginx_argv, redis_argv, render_nginx

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/dashboard_topology"
WORKERS = ("ingest-1", "ingest-2", "supervise", "fanout")
STOP_WAIT_S = 15


@dataclass
class Topology:
    """Where everything lives and listens; the methods start and stop its processes."""

    workdir: Path
    port: int = 8080  # nginx; the web processes take port+1, port+2, Redis port+9
    database_url: str = DEFAULT_DB
    appendfsync: str = "everysec"
    claim_idle_ms: int = 15_000
    secret_key: str = field(default_factory=lambda: os.urandom(24).hex())

    @property
    def web_ports(self) -> list[int]:
        """Ports of the two web processes."""
        return [self.port + 1, self.port + 2]

    @property
    def redis_port(self) -> int:
        """Port of the topology's redis-server."""
        return self.port + 9

    @property
    def redis_url(self) -> str:
        """URL of the topology's Redis."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def url(self) -> str:
        """What users open: nginx."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def names(self) -> list[str]:
        """Every process, in start order."""
        return ["redis", *WORKERS, "web-1", "web-2", "nginx"]

    def env(self) -> dict[str, str]:
        """The environment every product process shares."""
        return dict(os.environ, DASHBOARD_REDIS_URL=self.redis_url,
                    DASHBOARD_DATABASE_URL=self.database_url, DASHBOARD_SECRET_KEY=self.secret_key,
                    DASHBOARD_DATA_DIR=str(self.workdir / "data"), PYTHONUNBUFFERED="1")

    def argv(self, name: str) -> list[str]:
        """The command line of one process."""
        verb = [sys.executable, "-m", "dashboard"]
        if name == "redis":
            return redis_argv(self.redis_port, self.workdir / "redis", self.appendfsync)
        if name == "nginx":
            return nginx_argv(self.workdir / "nginx" / "nginx.conf")
        if name.startswith("ingest-"):
            return [*verb, "ingest", "--name", name, "--claim-idle-ms", str(self.claim_idle_ms),
                    "--block-ms", "200"]
        if name.startswith("web-"):
            port = self.web_ports[int(name[-1]) - 1]
            return [*verb, "serve", "--host", "127.0.0.1", "--port", str(port)]
        return [*verb, name]

    def pid_file(self, name: str) -> Path:
        """Where a process's pid is kept."""
        return self.workdir / "run" / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        """Where a process's output goes."""
        return self.workdir / "log" / f"{name}.log"

    def pid(self, name: str) -> int | None:
        """The pid of a running process of that name, else None."""
        try:
            pid = int(self.pid_file(name).read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        # A reaped child of ours that is a zombie still answers kill(0); /proc tells.
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            return None
        return pid

    def start(self, name: str) -> int:
        """Start one process in its own session; its pid."""
        for sub in ("run", "log", "redis", "data"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        with open(self.log_file(name), "ab") as log:
            proc = subprocess.Popen(self.argv(name), cwd=ROOT, env=self.env(), stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.pid_file(name).write_text(str(proc.pid))
        self._children = getattr(self, "_children", {})
        self._children[proc.pid] = proc  # reaped by us when we are the parent
        if name == "redis":
            self.wait(lambda: _pings(self.redis_url), "redis-server", name)
        return proc.pid

    def signal(self, name: str, sig: int = signal.SIGKILL, group: bool = False) -> None:
        """Send a signal to one process (SIGKILL by default: no chance to clean up), or with group
        to everything it started as well (nginx's master and its workers, as when their machine
        dies): each process starts its own session, so its pid is its group's."""
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        (os.killpg if group else os.kill)(pid, sig)
        if sig == signal.SIGKILL:
            self._reap(pid, 10)

    def stop(self, name: str) -> None:
        """SIGTERM one process, SIGKILL it after STOP_WAIT_S."""
        pid = self.pid(name)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            if not self._reap(pid, STOP_WAIT_S):
                os.kill(pid, signal.SIGKILL)
                self._reap(pid, 5)
        self.pid_file(name).unlink(missing_ok=True)

    def _reap(self, pid: int, timeout_s: float) -> bool:
        proc = getattr(self, "_children", {}).get(pid)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return True
            try:
                os.kill(pid, 0)
            except OSError:
                return True
            time.sleep(0.05)
        return False

    def wait(self, predicate, what: str, name: str | None = None, timeout_s: float = 90) -> None:
        """Poll predicate until it holds; fail with the last log lines if it never does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        tail = self.log_file(name).read_text()[-2000:] if name and self.log_file(name).exists() else ""
        raise RuntimeError(f"timed out waiting for {what}\n{tail}")

    def web_ready(self, name: str) -> bool:
        """Whether a web process answers /healthz (any status) directly."""
        return _answers(f"http://127.0.0.1:{self.web_ports[int(name[-1]) - 1]}/healthz")

    def up(self, timeout_s: float = 120) -> None:
        """Start everything not yet running and wait for 200 on /healthz through nginx."""
        render_nginx(self.workdir, self.port, self.web_ports)
        for name in self.names:
            if self.pid(name) is None:
                self.start(name)
        for name in ("web-1", "web-2"):
            self.wait(lambda n=name: self.web_ready(n), f"{name} to answer", name, timeout_s)
        self.wait(lambda: _healthy(self.url), "/healthz 200 through nginx", "nginx", timeout_s)

    def down(self) -> None:
        """Stop everything: nginx and web first, the workers, Redis last (it saves its AOF)."""
        for name in reversed(self.names):
            self.stop(name)

    def status(self) -> dict[str, int | None]:
        """Pid of each process (None when not running)."""
        return {name: self.pid(name) for name in self.names}


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
        return True
    except requests.RequestException:
        return False


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def save(topology: Topology) -> None:
    """Remember the layout (and the shared secret) so `down` and `status` find it."""
    layout = {"port": topology.port, "database_url": topology.database_url,
              "appendfsync": topology.appendfsync, "claim_idle_ms": topology.claim_idle_ms,
              "secret_key": topology.secret_key}
    (topology.workdir / "topology.json").write_text(json.dumps(layout, indent=2))
    (topology.workdir / "topology.json").chmod(0o600)


def load(workdir: Path) -> Topology:
    """The topology saved in workdir by `up`."""
    path = workdir / "topology.json"
    if not path.exists():
        raise SystemExit(f"no topology in {workdir} (run `up` first)")
    return Topology(workdir=workdir, **json.loads(path.read_text()))


def main(argv: list[str] | None = None) -> int:
    """up, down or status."""
    from bench.topology_setup import prepare

    parser = argparse.ArgumentParser(prog="python -m bench.topology", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "topology")
    parser.add_argument("--port", type=int, default=8080, help="nginx port (web +1, +2; Redis +9)")
    parser.add_argument("--database-url", default=os.environ.get("DASHBOARD_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--appendfsync", choices=("always", "everysec"), default="everysec")
    parser.add_argument("--no-seed", action="store_true", help="do not seed an empty database")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    if args.action == "up":
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "topology.json"
        topology = load(workdir) if path.exists() else Topology(
            workdir=workdir, port=args.port, database_url=args.database_url, appendfsync=args.appendfsync)
        save(topology)
        tokens = prepare(topology, seed=not args.no_seed)
        topology.up()
        print(f"up: {topology.url} (logs in {workdir / 'log'})")
        if tokens.get("wall"):
            print(f"city wall: {topology.url}/wall/city?token={tokens['wall']}")
        return 0
    topology = load(workdir)
    if args.action == "down":
        topology.down()
        print("down")
    else:
        for name, pid in topology.status().items():
            print(f"{name:<10} {pid if pid else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
