"""`clinic-consent audit verify`: an intact chain passes; any changed, inserted or deleted row
is named; appends from several writers at once leave one unbroken chain."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry, AuditVerification
from clinic_consent.audit.verification import last_verification
from clinic_consent.extensions import db
from tests.builders import client, individual_session, make_staff

ENTRIES = 9  # the chain the tests tamper with
MIDDLE = 5  # the position (1-based) of the row they tamper with


@pytest.fixture
def chain_ids(app: Flask) -> list[int]:
    """A committed chain of audit entries made by the operations, as the app makes them."""
    staff = make_staff()
    setting = individual_session(staff.therapist, client(staff.therapist))
    for number in range(ENTRIES):
        chain.append(
            "test.noted",
            "session_participants",
            setting.client.id,
            actor_user_id=staff.therapist.id,
            details={"number": number},
        )
    db.session.commit()
    return list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def _execute(sql: str, **params: object) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def _change(ids: list[int]) -> int:
    victim = ids[MIDDLE - 1]
    _execute("UPDATE audit_entries SET object_id = object_id + 1 WHERE id = :id", id=victim)
    return victim


def _change_hash_too(ids: list[int]) -> int:
    """Content changed and its own hash recomputed: the next entry no longer follows."""
    victim = ids[MIDDLE - 1]
    _change(ids)
    db.session.expire_all()
    entry = db.session.get_one(AuditEntry, victim)
    content = chain.canonical_content(
        occurred_at=entry.occurred_at,
        actor_user_id=entry.actor_user_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        client_id=entry.client_id,
        details=entry.details,
    )
    forged = chain.entry_hash(entry.prev_hash, content)
    db.session.rollback()
    _execute("UPDATE audit_entries SET entry_hash = :hash WHERE id = :id", hash=forged, id=victim)
    return ids[MIDDLE]


def _insert(ids: list[int]) -> int:
    """Make room in the ids after the middle row (ids are not hashed) and insert a row there."""
    after = ids[MIDDLE - 1]
    _execute("UPDATE audit_entries SET id = id + 1000 WHERE id > :id", id=after)
    _execute(
        "INSERT INTO audit_entries (id, occurred_at, actor_user_id, action, object_type,"
        " object_id, client_id, details, prev_hash, entry_hash)"
        " SELECT :new_id, occurred_at, actor_user_id, action, object_type, object_id,"
        " client_id, details, :prev, :own FROM audit_entries WHERE id = :id",
        new_id=after + 1,
        prev="a" * 64,
        own="b" * 64,
        id=after,
    )
    return after + 1


def _delete(ids: list[int]) -> int:
    _execute("DELETE FROM audit_entries WHERE id = :id", id=ids[MIDDLE - 1])
    return ids[MIDDLE]  # the row after the gap


def _swap(ids: list[int]) -> int:
    first, second = ids[MIDDLE - 1], ids[MIDDLE]
    _execute("UPDATE audit_entries SET id = -1 WHERE id = :id", id=first)
    _execute("UPDATE audit_entries SET id = :to WHERE id = :id", to=first, id=second)
    _execute("UPDATE audit_entries SET id = :to WHERE id = -1", to=second)
    return first  # now holds the later entry, which does not follow the one before


def test_an_intact_chain_verifies_and_the_run_is_stored(
    runner: FlaskCliRunner, chain_ids: list[int]
) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert result.output.strip() == f"intact: {total} entries"
    db.session.expire_all()
    run = last_verification()
    assert run is not None
    assert (run.entries_checked, run.first_broken_id, run.verified_by_id) == (total, None, None)


def test_an_empty_chain_is_intact(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert (result.exit_code, result.output.strip()) == (0, "intact: 0 entries")


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_change, "its content does not match its hash"),
        (_change_hash_too, "does not follow the entry before it"),
        (_insert, "does not follow the entry before it"),
        (_delete, "does not follow the entry before it"),
        (_swap, "does not follow the entry before it"),
    ],
    ids=["changed", "changed-with-its-hash", "inserted", "deleted", "reordered"],
)
def test_tampering_with_a_row_is_named_by_audit_verify(
    runner: FlaskCliRunner,
    chain_ids: list[int],
    tamper: Callable[[list[int]], int],
    reason: str,
) -> None:
    named = tamper(chain_ids)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.strip() == f"broken at entry #{named}: {reason}"
    db.session.expire_all()
    run = last_verification()
    assert run is not None and (run.first_broken_id, run.reason) == (named, reason)


def test_entries_cut_off_the_end_are_noticed_against_the_last_verification(
    runner: FlaskCliRunner, chain_ids: list[int]
) -> None:
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _execute("DELETE FROM audit_entries WHERE id >= :id", id=chain_ids[-2])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert result.output.strip() == (
        f"broken at entry #{chain_ids[-3]}: entries after it are missing since the last"
        f" verification ({total + 2} entries then, {total} now)"
    )


def test_a_broken_run_does_not_become_the_count_to_compare_with(
    runner: FlaskCliRunner, chain_ids: list[int]
) -> None:
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _change(chain_ids)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    _execute("DELETE FROM audit_entries WHERE id >= :id", id=chain_ids[MIDDLE - 1])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entries after it are missing since the last verification" in result.output
    assert db.session.scalar(select(func.count()).select_from(AuditVerification)) == 3


# --- several writers at once -----------------------------------------------------------------

WRITERS = 4
APPENDS_EACH = 25


def test_writers_appending_at_once_leave_one_unbroken_chain(app: Flask) -> None:
    """Each writer has its own app context, session and connection; a barrier starts them
    together and each commits every append on its own, so their transactions interleave."""
    staff = make_staff()
    db.session.commit()
    actor_id = staff.therapist.id
    before = db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    db.session.commit()  # end this transaction: the writers need the database to themselves
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for number in range(APPENDS_EACH):
                    chain.append(
                        "test.concurrent",
                        "users",
                        actor_id,
                        actor_user_id=actor_id,
                        details={"writer": writer, "number": number},
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = chain.verify()
    assert report.intact, report
    assert report.entries_checked == before + WRITERS * APPENDS_EACH
    prev_hashes = list(db.session.scalars(select(AuditEntry.prev_hash)))
    assert len(set(prev_hashes)) == len(prev_hashes)
