"""Security tests: the shared fixtures of tests/conftest.py (real Redis, SQLite and PostgreSQL)."""
