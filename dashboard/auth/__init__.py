"""Who is at the browser or the API and what they may reach: log-in sessions and wall tokens
(login, sessions, walls), accounts and their passwords (accounts), the gate in front of every
request (gate, guard), trusted proxies, throttling, the log-in pages (views, words) and the
principal every read and action is scoped by (principal)."""
