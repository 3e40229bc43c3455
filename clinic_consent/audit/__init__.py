"""The tamper-evident audit trail of changes, and the NEN 7513 log of access to client data."""
