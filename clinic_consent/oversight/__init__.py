"""Oversight for practice managers: the dashboard, its lists and reports."""
