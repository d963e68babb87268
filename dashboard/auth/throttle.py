"""Log-in throttling without lock-outs: failed attempts are counted per (account, address) pair, and
per address across accounts, in Redis; past a few free failures each further attempt from that pair
(or address) must wait a delay that doubles with every failure, up to MAX_DELAY_S. A correct
password from another address is never held up by someone else's guessing, and a success clears
its pair. Successful log-ins are never counted, so a whole shift logging in from one center at 08:00
waits for nothing.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

import redis

log = logging.getLogger(__name__)

PAIR_FREE = 3  # failures of one account from one address before delays begin
ADDRESS_FREE = 20  # failures from one address, any accounts (password spraying)
MAX_DELAY_S = 15 * 60
FORGET_S = 3600  # a counter is forgotten this long after its last failure (plus its delay)
PREFIX = "login:fail:"


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after this many failures: 0 while free, then 1, 2, 4 ... up to MAX_DELAY_S."""
    return 0 if failures < free else min(MAX_DELAY_S, 2 ** (failures - free))


def _keys(account: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
    name = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
    return (f"{PREFIX}pair:{name}:{address}", PAIR_FREE), (f"{PREFIX}addr:{address}", ADDRESS_FREE)


def wait_seconds(r: redis.Redis, account: str, address: str, now: float | None = None) -> int:
    """How long this account must still wait before trying from this address (0: go ahead)."""
    now = time.time() if now is None else now
    wait = 0.0
    try:
        for key, free in _keys(account, address):
            failures, last = r.hmget(key, "n", "at")
            if failures is not None and last is not None:
                wait = max(wait, float(last) + delay_after(int(failures), free) - now)
    except redis.RedisError:
        log.warning("log-in throttle unavailable (Redis); attempts pass unthrottled", exc_info=True)
        return 0
    return max(0, math.ceil(wait))


def note_failure(r: redis.Redis, account: str, address: str, now: float | None = None) -> None:
    """Count a failed attempt for the pair and for the address."""
    now = time.time() if now is None else now
    try:
        pipe = r.pipeline()
        for key, _free in _keys(account, address):
            pipe.hincrby(key, "n", 1)
            pipe.hset(key, "at", now)
            pipe.expire(key, FORGET_S + MAX_DELAY_S)
        pipe.execute()
    except redis.RedisError:
        log.warning("could not count a failed log-in (Redis)", exc_info=True)


def note_success(r: redis.Redis, account: str, address: str) -> None:
    """A correct password clears its pair's count (the address's count stays)."""
    try:
        r.delete(_keys(account, address)[0][0])
    except redis.RedisError:
        log.warning("could not clear a log-in throttle (Redis)", exc_info=True)
