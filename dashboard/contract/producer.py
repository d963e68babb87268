"""Writing to the streams: XADD with approximate trimming, dead letters, and the incident sequencer.

The intake API is the sequencer of every incident: each open incident's state and version live in
the hash ``live:incident:<id>``, and a Lua script checks the expected version, appends the entry
to ``feed:incidents`` and moves the hash forward in one atomic step. Two concurrent requests on one
incident therefore can never both apply, and a transition is validated before the persister has
caught up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from dashboard.contract import keys, schema

# Closed and cancelled incidents can take no further step; their sequencer hash only has to
# answer repeats for a while, after which the database answers.
TERMINAL_TTL_S = 2 * 24 * 3600

_SEQUENCE_LUA = """
local cur = redis.call('HGET', KEYS[1], 'version')
if ARGV[5] ~= '' then
  local seen = redis.call('HGET', KEYS[1], 'key:' .. ARGV[5])
  if seen then return {'dup', seen} end
end
if ARGV[1] == '0' then
  if cur then return {'dup', redis.call('HGET', KEYS[1], 'stream_id') or ''} end
elseif cur ~= ARGV[1] then
  return {'conflict', cur or ''}
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'type', ARGV[3], 'data', ARGV[4])
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'stream_id', id)
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'key:' .. ARGV[5], id) end
if tonumber(ARGV[6]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[6])
else
  redis.call('PERSIST', KEYS[1])
end
return {'ok', id}
"""

_LOAD_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""


@dataclass(frozen=True)
class Sequenced:
    """Outcome of a sequencer call: ``ok`` (appended), ``dup`` (seen before) or ``conflict``."""

    status: str
    value: str  # the stream id for ok/dup; the current version ('' when unknown) for conflict


def add(client: redis.Redis, stream: str, type_: str, data: dict, maxlen: int | None = None) -> str:
    """Append one entry, trimming the stream approximately (by age or by count); returns its id."""
    fields = schema.encode(type_, data)
    age = schema.RETENTION_MS.get(stream)
    if age and maxlen is None:
        oldest = int(time.time() * 1000) - age
        return client.xadd(stream, fields, minid=f"{oldest}-0", approximate=True)
    return client.xadd(stream, fields, maxlen=maxlen or schema.MAXLEN[stream], approximate=True)


def dead_letter(client: redis.Redis, stream: str, entry_id: str, fields: dict, reason: str,
                group: str) -> str:
    """Park a rejected entry in feed:dead with the reason it was rejected."""
    payload = {"stream": stream, "id": entry_id, "reason": reason[:2000],
               "fields": schema.dumps(fields), "group": group}
    return client.xadd(schema.DEAD, payload, maxlen=schema.MAXLEN[schema.DEAD], approximate=True)


def _flatten(fields: dict) -> list[str]:
    flat: list[str] = []
    for name, value in fields.items():
        flat += [name, "" if value is None else str(value)]
    return flat


def sequence(client: redis.Redis, incident_id: str, expected_version: int, type_: str,
             data: dict, state_fields: dict, request_key: str = "", terminal: bool = False,
             maxlen: int | None = None) -> Sequenced:
    """Append an incident entry if the incident is at ``expected_version`` (0: must not exist)."""
    script = client.register_script(_SEQUENCE_LUA)
    args = [str(expected_version), str(maxlen or schema.MAXLEN[schema.INCIDENTS]), type_,
            schema.encode(type_, data)["data"], request_key, str(TERMINAL_TTL_S if terminal else 0),
            *_flatten(state_fields)]
    status, value = script(keys=[keys.INCIDENT.format(incident_id), schema.INCIDENTS], args=args)
    return Sequenced(status=status, value=value)


def load_state(client: redis.Redis, incident_id: str, state_fields: dict, terminal: bool) -> bool:
    """Seed the sequencer hash from the database if Redis lacks it; False if it was present."""
    script = client.register_script(_LOAD_LUA)
    args = [str(TERMINAL_TTL_S if terminal else 0), *_flatten(state_fields)]
    return bool(script(keys=[keys.INCIDENT.format(incident_id)], args=args))


def incident_state(client: redis.Redis, incident_id: str) -> dict[str, str]:
    """The sequencer hash of an incident (empty when Redis does not know it)."""
    return client.hgetall(keys.INCIDENT.format(incident_id))
