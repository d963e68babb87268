"""Screenshots of every screen in both languages into docs/screens/ (`make screenshots`).

Uses the configured database (DASHBOARD_* variables, else the embedded defaults), seeding it
first when empty; starts serve + ingest + fanout and, for live dots on the maps, the simulator
(a warm-up, then all through the shots); then, logged in as a city administrator (every screen is
open to them), photographs each view, the duty desk, the briefing and the audit log in Chinese and
in English at each of `--sizes` (1080p by default, named `<screen>-<lang>.png`; 4k (a 4K monitor at 200 %),
tablet-landscape and tablet-portrait (touch on), named `<screen>-<size>-<lang>.png`). The walls
have their own script (tests/e2e/screenshots_wall.py, with the 2×2 spliced wall).
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
from pathlib import Path

from bench.browser import chromium, log_in
from dashboard.core.config import load_settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.principal import issue_token
from dashboard.ops.redis_server import ensure_redis
from tests.e2e.stack import ROOT, free_port, running, simulating, stack_env, wait_for_view

OUT = ROOT / "docs" / "screens"
GRID = "licheng-zhenhai-changshou-g01"
VIEWS = [  # name, path, level
    ("city", "/city", "city"),
    ("city-2018", "/city?from=2018-01-01&to=2018-12-31", "city"),
    ("district", "/unit/licheng", "district"),
    ("town", "/unit/licheng-zhenhai", "town"),
    ("village", "/unit/licheng-zhenhai-changshou", "village"),
    ("grid", f"/unit/{GRID}", "grid"),
]
PAGES = [  # name, path, what shows it is drawn
    ("duty", "/duty", "#duty-queue .ag-row"),
    ("briefing", "/briefing", ".briefing-card"),
    ("audit", "/audit", "#chain"),
]
# A 4K desk monitor runs at 200 % (the system's scaling): the 1080p layout in 3840×2160 pixels.
# Walls draw 4K at 100 % and scale their own text (tests/e2e/screenshots_wall.py).
SIZES = {"1080p": {"width": 1920, "height": 1080}, "4k": {"width": 1920, "height": 1080, "scale": 2},
         "tablet-landscape": {"width": 1280, "height": 800},
         "tablet-portrait": {"width": 800, "height": 1280}}


def ensure_seeded(env: dict[str, str]) -> None:
    """Create and seed the database if it holds no world yet."""
    from dashboard.demo.seed import world_is_seeded

    settings = load_settings(env)
    engine = engine_for(settings)
    try:
        if world_is_seeded(engine):
            return
    finally:
        engine.dispose()
    for verb in ("init-db", "seed"):
        subprocess.run([sys.executable, "-m", "dashboard", verb], cwd=ROOT, env=env, check=True)


def credentials(env: dict[str, str], role: str = "leader") -> tuple[str, str, str]:
    """A system token for the simulator and a fresh log-in for the browser (a city leader, or
    ``role`` of the city)."""
    from dashboard.auth.accounts import create_user

    engine = engine_for(load_settings(env))
    username, password = f"screenshots-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    try:
        with session_factory(engine).begin() as s:
            create_user(s, username, password, role, "putian", actor="screenshots")
            return issue_token(s, "screenshots-sim", "system", "putian"), username, password
    finally:
        engine.dispose()


def shoot(base: str, username: str, password: str, out: Path, sizes: list[str]) -> list[Path]:
    """Photograph every screen at each size in both languages; returns the files written."""
    written = []
    with chromium() as browser:
        for size in sizes:
            touch = size.startswith("tablet")
            for lang in ("zh", "en"):
                screen = SIZES[size]
                context = browser.new_context(viewport={"width": screen["width"], "height": screen["height"]},
                                              has_touch=touch, is_mobile=touch,
                                              device_scale_factor=screen.get("scale", 1))
                context.add_init_script(f"window.localStorage.setItem('shell-lang', '\"{lang}\"');")
                page = context.new_page()
                log_in(page, base, username, password)
                suffix = "" if size == "1080p" else f"-{size}"
                for name, path, level in VIEWS:
                    page.goto(f"{base}{path}")
                    wait_for_view(page, level, timeout=180_000)
                    page.wait_for_load_state("networkidle", timeout=180_000)
                    page.wait_for_timeout(1500)  # let the map settle its tiles of colour
                    written.append(out / f"{name}{suffix}-{lang}.png")
                    page.screenshot(path=str(written[-1]), full_page=size == "1080p")
                    print(f"wrote {written[-1]}", flush=True)
                for name, path, drawn in PAGES:
                    page.goto(f"{base}{path}?lang={lang}")
                    page.locator(drawn).first.wait_for(timeout=180_000)
                    page.wait_for_timeout(1500)
                    written.append(out / f"{name}{suffix}-{lang}.png")
                    page.screenshot(path=str(written[-1]))
                    print(f"wrote {written[-1]}", flush=True)
                context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Seed if needed, start the stack, warm up live data, take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-up", type=float, default=20.0, help="seconds of simulator before shooting")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--sizes", default="1080p",
                        help=f"comma-separated, of {', '.join(SIZES)} (default 1080p)")
    args = parser.parse_args(argv)
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    if unknown := [size for size in sizes if size not in SIZES]:
        parser.error(f"--sizes: unknown {', '.join(unknown)}; known: {', '.join(SIZES)}")
    settings, embedded = ensure_redis(load_settings())
    try:
        env = stack_env(settings.effective_database_url, settings.redis_url, settings.data_dir.resolve(),
                        free_port())
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_seeded(env)
        sim_token, username, password = credentials(env, "admin")
        args.out.mkdir(parents=True, exist_ok=True)
        with running(env) as base, simulating(env, base, sim_token, args.warm_up, "--everyone-on-duty"):
            shoot(base, username, password, args.out, sizes)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
