"""Imports every model module, so that Base.metadata is complete (app start, Alembic)."""
