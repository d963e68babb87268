"""Who is at the browser or the API and what they may reach: log-in sessions and wall tokens
(login, sessions, walls), accounts and their passwords (accounts), the gate in front of every
request that decides which pages a principal (dashboard.core.principal) may open (gate, guard),
trusted proxies, throttling and the log-in pages (views, words)."""
