"""Consents (granted or refused) and their withdrawal, with the terms they cover (R7)."""
