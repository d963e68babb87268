"""Read-side queries: each takes a Session and returns plain data for the API and the screens
(units and their figures, incidents, patrol, statistics, the catalogue, the duty queue's order,
an alert's story, the roster, the briefing and the audit export). Nothing here writes."""
