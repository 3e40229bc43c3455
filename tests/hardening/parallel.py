"""Run functions in threads at the same moment, each with its own app context (so its own
database session and connection), released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from clinic_consent.extensions import db

WAIT_SECONDS = 60  # a deadlock or a lock never released fails the test instead of hanging


def run_together(app: Flask | None, *work: Callable[[threading.Barrier], Any]) -> list[Any]:
    """Call every ``work(barrier)`` in its own thread and return their results in order; an
    exception raised in a thread is raised here. Each function calls ``barrier.wait()`` at
    the moment it should race the others. With ``app``, each runs in its own app context."""
    barrier = threading.Barrier(len(work), timeout=WAIT_SECONDS)
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int, function: Callable[[threading.Barrier], Any]) -> None:
        try:
            if app is None:
                results[index] = function(barrier)
                return
            with app.app_context():
                try:
                    results[index] = function(barrier)
                finally:
                    db.session.rollback()
                    db.session.remove()
        except BaseException as error:  # handed to the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, f), daemon=True) for i, f in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (a deadlock?)"
    if errors:
        raise errors[0]
    return results
