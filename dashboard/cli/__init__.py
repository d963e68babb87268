"""The command line's verbs that manage the database, the escalation policies, accounts and
tokens (python -m dashboard init-db | escalation | users)."""
