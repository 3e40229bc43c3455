"""Recordings, their access lists and retention (R4, R8), and publication incidents (R9)."""
