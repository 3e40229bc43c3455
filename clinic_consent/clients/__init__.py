"""Clients (patients), their capacity judgements and their representatives (R6)."""
