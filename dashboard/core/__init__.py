"""The core of the domain, which every other package builds on: the typed models of the unit tree,
people, incidents and alerts (models), the settings (config), the database and Redis handles
(db, services), the unit tree and its root (units), the caller (principal), the seven-step loop
(lifecycle), who may do what (policy), escalation policies,
time (timeutil), the words of both languages (i18n, i18n_messages, alert_titles) and the audit
chain (audit, audit_anchor). Nothing here imports another package of dashboard/."""
