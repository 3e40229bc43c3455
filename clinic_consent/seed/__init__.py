"""Bulk seed data at practice-group scale, for benchmarks: ``clinic-consent seed --sessions N``.

The rows are written with the database driver's bulk paths (``executemany`` on SQLite, ``COPY``
on PostgreSQL) instead of the operations, which take milliseconds a row. They are still real
data: who must consent comes from the rule core itself (``domain.evaluate``), every consent
carries its terms snapshot, the derived verdict columns are what the rule core says, and the
audit entries form an unbroken hash chain that ``clinic-consent audit verify`` accepts.

- ``scale``: how many of everything a number of sessions brings.
- ``people``: users, clients, representatives, capacity judgements and groups.
- ``schedule``: the sessions, day by day, with their participants.
- ``recordings``: recordings, access lists and consents of one session.
- ``trail``: audit chain entries and access log entries.
- ``bulk``: ids, value formats and the two databases' bulk writes.
- ``command``: the click command with its progress bar.
"""
