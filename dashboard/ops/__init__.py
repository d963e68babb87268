"""Running and watching the product: the web process (server), the whole product in one process
tree (runner, runner_setup), how every process starts and logs (worker), the embedded Redis
(redis_server), /healthz and /metrics (health, metrics) and the fan-out counters every web
process reads (fanout_stats)."""
