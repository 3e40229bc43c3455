"""The seed in three processes on two cores: two generate rows, this one writes them.

Generating (the rule core, hashing, formatting) costs more than SQLite's writing, so the
sessions are shared out between two generators, alternate weeks each, with ids from their own
blocks (``Ids``). Both first make the same people (staff, clients, groups) from the same
random seed; the first sends them. Each generator sends batches of rows over one queue with
room for a few, so that neither side runs far ahead; the writer writes the people before any
session (the sessions refer to them, and PostgreSQL checks each foreign key as a row is
copied in), and links the audit entries into the chain in the order it writes them. The
generators need nothing of the database but the plain values in ``Start``.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from clinic_consent.seed.bulk import Batch, Ids, Rows
from clinic_consent.seed.people import PeopleBuilder, Staff
from clinic_consent.seed.recordings import Catalogue, SessionRecordings
from clinic_consent.seed.scale import Scale
from clinic_consent.seed.schedule import Schedule
from clinic_consent.seed.trail import Trail

GENERATORS: Final = 2
BATCH_ROWS: Final = 50_000
QUEUE_BATCHES: Final = 4
WAIT_SECONDS: Final = 5.0
DAYS_A_WEEK: Final = 5  # the schedule's days are weekdays


@dataclass(frozen=True)
class Start:
    """What the generators need to know of the database and the run, as plain values."""

    scale: Scale
    random_seed: int
    now: datetime  # naive UTC
    first_ids: dict[str, int]
    retention_classes: dict[str, int]
    template_versions: dict[tuple[str, str], int]
    password_hash: str


@dataclass(frozen=True)
class People:
    """The rows of the people every session refers to: written before any session."""

    batch: Batch


@dataclass(frozen=True)
class Done:
    """A generator's last message, with some seeded logins to print."""

    logins: list[Staff]


@dataclass(frozen=True)
class Failed:
    traceback: str


class SeedFailed(RuntimeError):
    """A generator stopped with an error; nothing was committed."""


Message = People | Batch | Done | Failed


def generate(
    start: Start, worker: int, workers: int, send: Callable[[People | Batch | Done], None]
) -> None:
    """Generator ``worker`` of ``workers``: the people (every generator makes the same ones,
    from the same random seed; only the first sends them), then the sessions of every
    ``workers``-th week from week ``worker`` on, in batches."""
    ids = Ids(start.first_ids)
    rows = Rows()
    people = PeopleBuilder(
        start.scale, random.Random(start.random_seed), ids, rows, Trail(ids, rows)
    ).build(start.password_hash)
    people_rows = rows.take(0)
    if worker == 0:
        send(People(people_rows))
    rng = random.Random(start.random_seed * workers + worker + 1)
    ids = Ids(ids.unused(), worker, workers)
    trail = Trail(ids, rows)
    schedule = Schedule(start.scale, people, rng, ids, rows, trail)
    labels = {staff.id: staff.name for staff in people.staff}
    catalogue = Catalogue(start.retention_classes, start.template_versions, labels)
    recordings = SessionRecordings(catalogue, start.now, rng, ids, rows, trail)
    done = 0
    for day_number in range(len(schedule.days)):
        if (day_number // DAYS_A_WEEK) % workers != worker:
            continue
        day_sessions = schedule.sessions_on(day_number)
        for session in day_sessions:
            recordings.record(session)
        done += len(day_sessions)
        if rows.count >= BATCH_ROWS:
            send(rows.take(done))
            done = 0
    send(rows.take(done))
    send(Done([people.therapists[0], people.facilitators[0], people.managers[0]]))


def _produce(start: Start, worker: int, out: multiprocessing.Queue[Message]) -> None:
    try:
        generate(start, worker, GENERATORS, out.put)
    except BaseException:
        out.put(Failed(traceback.format_exc()))
        raise


def run(start: Start, write: Callable[[Batch], None]) -> list[Staff]:
    """Generate in child processes and ``write`` every batch here; returns some seeded logins
    to print."""
    context = multiprocessing.get_context("fork")
    channel: multiprocessing.Queue[Message] = context.Queue(QUEUE_BATCHES)
    producers = [
        context.Process(target=_produce, args=(start, worker, channel), daemon=True)
        for worker in range(GENERATORS)
    ]
    for producer in producers:
        producer.start()
    try:
        return _receive(channel, producers, write)
    finally:
        for producer in producers:
            producer.join(timeout=WAIT_SECONDS)
            if producer.is_alive():
                producer.terminate()


def _receive(
    channel: multiprocessing.Queue[Message],
    producers: Sequence[multiprocessing.process.BaseProcess],
    write: Callable[[Batch], None],
) -> list[Staff]:
    working = len(producers)
    logins: list[Staff] = []
    people_written = False
    held: list[Batch] = []  # sessions that came before the people they refer to
    while working:
        try:
            message = channel.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            if not all(p.is_alive() or p.exitcode == 0 for p in producers):
                raise SeedFailed("a generator stopped without a word") from None
            continue
        if isinstance(message, Failed):
            raise SeedFailed(message.traceback)
        if isinstance(message, Done):
            working -= 1
            logins = message.logins
        elif isinstance(message, People):
            write(message.batch)
            people_written = True
            for batch in held:
                write(batch)
            held.clear()
        elif people_written:
            write(message)
        else:
            held.append(message)
    if held:
        raise SeedFailed("the people never came")
    return logins
