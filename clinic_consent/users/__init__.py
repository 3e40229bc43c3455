"""Users of the application (clinicians, managers, administrators) and their API tokens."""
