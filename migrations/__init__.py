"""Alembic migrations of the conceptkg schema, one revision per change."""
