"""What the scale-out topology needs besides the product: argv of redis-server and nginx, the
rendered nginx.conf, and a throwaway PostgreSQL cluster (for tests that restart the database
without touching a server other people share)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_argv(port: int, folder: Path, appendfsync: str) -> list[str]:
    """redis-server with the AOF on (the streams are the only copy of what is not yet persisted)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not on PATH (apt-get install redis-server)")
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
            "--appendonly", "yes", "--appendfsync", appendfsync, "--save", "",
            "--protected-mode", "no", "--loglevel", "warning"]


def nginx_argv(conf: Path) -> list[str]:
    """nginx in the foreground (its own pid file is also written) with this configuration."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    return [binary, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]


def render_nginx(workdir: Path, listen_port: int, web_ports: list[int], diagnostic: bool = True) -> Path:
    """Write workdir/nginx/nginx.conf from deploy/nginx.conf.template; its path."""
    folder = workdir / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;"
                        for port in web_ports)
    values = {
        # As root nginx would drop its workers to `nobody`, who cannot write our temp folders.
        "user_line": "user root;" if os.geteuid() == 0 else "",
        "run_dir": str(workdir / "run"), "log_dir": str(workdir / "log"),
        "var_dir": str(folder / "tmp"), "listen": f"127.0.0.1:{listen_port}",
        "web_servers": servers,
        # Which web process answered: lets tests place screens on a chosen process.
        "diagnostic_header": "add_header X-Upstream $upstream_addr always;" if diagnostic else "",
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return conf


class PgCluster:
    """A private PostgreSQL cluster in a folder, on a spare port (initdb + pg_ctl)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port or free_port()
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = found[-1].parent

    @property
    def url(self) -> str:
        """Admin URL (trust auth, user postgres) of the cluster's `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        # initdb refuses to run as root; the cluster then belongs to the postgres account.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        """Create the cluster (trust auth for the postgres user)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.folder.chmod(0o755)
            for parent in self.folder.parents:  # postgres must be able to walk down to it
                if parent == Path("/") or parent.stat().st_mode & 0o001:
                    continue
                parent.chmod(parent.stat().st_mode | 0o011)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-instructions")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "pg.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: fast (clean) or immediate (a crash: recovery replays the WAL)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        """Whether the cluster's postmaster is alive."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
            return True
        except (OSError, ValueError):
            return False

    def destroy(self) -> None:
        """Stop the server if it runs, then delete the folder."""
        if self.running():
            self.stop("immediate")
        deadline = time.monotonic() + 10
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)
