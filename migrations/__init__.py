"""Alembic migrations of the store (`env.py`, `versions/`); run by `directory.db.migrate`."""
