"""Alembic migrations of the whole schema (every part's tables)."""
