"""The live handles a process needs (settings, database, Redis), built once per process."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core.config import Settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.units import root_code


def redis_client(url: str) -> redis.Redis:
    """The one way a process connects to the shared Redis: strings, keep-alive, and a health check
    before reusing a connection idle for 30 s (a restarted Redis is noticed, not written into)."""
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=30, socket_keepalive=True)


@dataclass
class Services:
    """Settings plus the database engine, session factory and Redis client built from them."""

    settings: Settings
    engine: Engine
    Session: sessionmaker[Session]
    redis: redis.Redis

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Connect to what the settings name (the Redis URL must be resolved by then)."""
        if not settings.redis_url:
            raise RuntimeError("redis_url must be resolved (embedded server started) first")
        engine = engine_for(settings)
        client = redis_client(settings.redis_url)
        return cls(settings=settings, engine=engine, Session=session_factory(engine, settings.audit_key()),
                   redis=client)

    def root(self) -> str:
        """The code of the unit tree's root, the city (dashboard.core.units caches it per database)."""
        with self.Session() as s:
            return root_code(s)

    def close(self) -> None:
        """Release connections."""
        self.redis.close()
        self.engine.dispose()
