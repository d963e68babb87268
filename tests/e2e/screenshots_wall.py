"""Screenshots of the city wall into docs/screens/ at 1080p, 1440p and 4K in Chinese and English
(`python -m tests.e2e.screenshots_wall`; `--spliced` adds a 2×2 wall of 4K panels, 7680×4320).

Uses the configured database and Redis (DASHBOARD_* variables, else the embedded defaults), seeded
first when empty, like tests/e2e/screenshots.py; runs the simulator for a short warm-up so the
lists hold today's incidents, and opens /wall/city with a wall token as a screen would.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from bench.browser import chromium
from dashboard.core.config import load_settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.principal import issue_token
from dashboard.ops.redis_server import ensure_redis
from tests.e2e.screenshots import OUT, credentials, ensure_seeded
from tests.e2e.stack import free_port, running, simulating, stack_env, wait_for_view

SIZES = {"1080p": (1920, 1080), "1440p": (2560, 1440), "4k": (3840, 2160)}
SPLICED = {"spliced": (7680, 4320)}


def wall_token(env: dict[str, str]) -> str:
    """A fresh wall token for /wall/city."""
    engine = engine_for(load_settings(env))
    try:
        with session_factory(engine).begin() as s:
            return issue_token(s, f"screenshots-wall-{secrets.token_hex(4)}", "wall", "putian",
                               wall_path="/wall/city")
    finally:
        engine.dispose()


def shoot(base: str, token: str, out: Path, sizes: dict[str, tuple[int, int]]) -> list[Path]:
    """The city wall at each size in both languages, once its lists are sized and the map drawn."""
    written = []
    with chromium() as browser:
        for name, (width, height) in sizes.items():
            for lang in ("zh", "en"):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{base}/wall/city?token={token}&lang={lang}")
                wait_for_view(page, "city", timeout=300_000)
                page.wait_for_selector("#unit-children[data-sized]", timeout=300_000)
                page.wait_for_timeout(4000)  # the map settles its colours, the charts their type
                written.append(out / f"wall-city-{name}-{lang}.png")
                page.screenshot(path=str(written[-1]), timeout=300_000)
                print(f"wrote {written[-1]}", flush=True)
                context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Seed if needed, start the stack, warm up live data, take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-up", type=float, default=30.0, help="seconds of simulator before shooting")
    parser.add_argument("--spliced", action="store_true", help="also a 2×2 wall of 4K panels (7680×4320)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    settings, embedded = ensure_redis(load_settings())
    try:
        env = stack_env(settings.effective_database_url, settings.redis_url, settings.data_dir.resolve(),
                        free_port())
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_seeded(env)
        sim_token, _, _ = credentials(env)
        token = wall_token(env)
        args.out.mkdir(parents=True, exist_ok=True)
        with running(env) as base, simulating(env, base, sim_token, args.warm_up, "--speed", "20"):
            shoot(base, token, args.out, {**SIZES, **(SPLICED if args.spliced else {})})
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
