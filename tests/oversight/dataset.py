"""A practice whose dashboard counts are known by construction.

Dates are relative to today; every recording but K is made by a clinician in an individual
session of its own. Letters name the recordings in the expectations below.

    rec  by     session    destroy-by   state      consents           access
    A    T      -400       -10          overdue    granted (old form) active
    B    T      -400       -1           overdue    withdrawn          active
    C    T      0          0            due-30     granted            active
    D    T      0          +30          due-30     granted            active
    E    T      0          +31          due-90     granted            active
    F    T      0          +90          due-90     granted            active
    G    T      0          +91          ok         granted            revoked
    H    O      -200       -5           overdue    granted            active
    I    O      -30        +10          due-30     granted            expired (until -1)
    J    T      -400       +300         planned    refused            active
    K    T      -400       -100         destroyed  granted            active
    L    T      -400       (client's recording, planned, needs no consent; one open and one
                           closed publication incident)

T is the therapist, O the other therapist; A's consent was given on a form version that a
later material change needs re-consent for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.operations import latest_version, save_template_version
from clinic_consent.recordings.incidents import StepInput, add_incident_step, register_incident
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import (
    RecordingPlan,
    grant_access,
    mark_recording_made,
    plan_recording,
    register_destruction,
    revoke_access,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests import builders

# Counts per list, without filters, for the other therapist only, and for sessions 450 to 300
# days ago (A, B, J, K, L).
EXPECTED = {
    "overdue": 3,  # A B H
    "due-30": 3,  # C D I
    "due-90": 2,  # E F
    "withdrawn": 1,  # B
    "missing-consents": 3,  # B (withdrawn: refused), G (revoked list: incomplete), J (refused)
    "access-lapsed": 2,  # G I
    "reconsent": 1,  # A's consent
    "incidents": 1,  # L's open one
}
EXPECTED_OTHER_THERAPIST = {
    "overdue": 1,
    "due-30": 1,
    "due-90": 0,
    "withdrawn": 0,
    "missing-consents": 0,
    "access-lapsed": 1,
    "reconsent": 0,
    "incidents": 0,
}
EXPECTED_LONG_AGO = {
    "overdue": 2,
    "due-30": 0,
    "due-90": 0,
    "withdrawn": 1,
    "missing-consents": 2,  # B J
    "access-lapsed": 0,
    "reconsent": 1,
    "incidents": 1,
}
LONG_AGO = (-450, -300)
# The kept recordings and their states, as the retention report gives them.
KEPT_STATES = {
    "A": "overdue",
    "B": "overdue",
    "C": "due-30",
    "D": "due-30",
    "E": "due-90",
    "F": "due-90",
    "G": "ok",
    "H": "overdue",
    "I": "due-30",
}
CONSENTS = {"granted": 9, "refused": 1, "withdrawn": 1}  # standing grants: A C-I K


@dataclass
class Practice:
    staff: builders.Staff
    recordings: dict[str, Recording]


def days(n: int) -> date:
    return today_utc() + timedelta(days=n)


def _clinician_recording(
    therapist: User, session_day: int, until_day: int, *, access: bool = True
) -> tuple[Recording, builders.IndividualSession]:
    patient = builders.client(therapist)
    setting = builders.individual_session(therapist, patient, on=days(session_day))
    recording = plan_recording(
        setting.session,
        RecordingPlan(
            made_by="clinician",
            recorder=setting.staff,
            medium="audio",
            purpose="supervision",
            retention_until=days(max(until_day, session_day)),
        ),
        actor=therapist,
    )
    if access:
        grant_access(recording, user=therapist, purpose="Supervision", actor=therapist)
    return recording, setting


def build() -> Practice:
    builders.practice_defaults()
    staff = builders.make_staff()
    for user in vars(staff).values():
        user.language = "en"  # the tests read English text
    t, o = staff.therapist, staff.other_therapist
    plan = {
        "A": (t, -400, -10),
        "B": (t, -400, -1),
        "C": (t, 0, 0),
        "D": (t, 0, 30),
        "E": (t, 0, 31),
        "F": (t, 0, 90),
        "G": (t, 0, 91),
        "H": (o, -200, -5),
        "I": (o, -30, 10),
        "J": (t, -400, 300),
        "K": (t, -400, -100),
    }
    form = latest_version("clinician_recording", "en")
    recordings: dict[str, Recording] = {}
    for letter, (who, session_day, until_day) in plan.items():
        recording, setting = _clinician_recording(who, session_day, until_day, access=True)
        if letter == "I":
            # Replace the open-ended entry by one that expired yesterday.
            revoke_access(recording.access_entries[0], actor=who)
            grant_access(
                recording, user=who, purpose="Supervision", actor=who, valid_until=days(-1)
            )
        register_consent(
            recording,
            party=setting.client,
            for_participant=setting.client,
            decision="refused" if letter == "J" else "granted",
            method="paper_form",
            actor=who,
            template_version=form if letter == "A" else None,
        )
        if letter != "J":
            mark_recording_made(recording, actor=who)
        recordings[letter] = recording
    db.session.flush()
    withdraw_consent(recordings["B"].consents[0], actor=t)
    revoke_access(recordings["G"].access_entries[0], actor=t)
    register_destruction(
        recordings["K"], actor=t, method="Deleted from the practice drive", witness="Mark Dekker"
    )
    # A's form text changed materially after A's consent: A's client is to be asked again.
    save_template_version(
        form.template,
        title=form.title,
        body=form.body + "\n\nA new paragraph.",
        material=True,
        change_note="New paragraph",
        actor=staff.manager,
    )
    # L: a recording the client made, published without consent; one incident stays open.
    patient = builders.client(t, name="Publisher")
    setting = builders.individual_session(t, patient, on=days(-400))
    client_recording = plan_recording(
        setting.session,
        RecordingPlan(
            made_by="client",
            recorder=setting.client,
            medium="audio",
            purpose="private",
            motive="To listen again",
        ),
        actor=t,
    )
    recordings["L"] = client_recording
    db.session.flush()
    register_incident(client_recording, discovered_on=days(-10), actor=t)
    closed = register_incident(client_recording, discovered_on=days(-20), actor=t)
    add_incident_step(closed, StepInput(step="closed"), actor=t)
    # The overdue ones: retention dates set before today (operations plan from the session on,
    # which already allows them; this keeps the data set honest if that ever changes).
    # Set through the ORM, as a change of terms is, so the stored verdict follows (R7).
    for letter, (_who, _s, until_day) in plan.items():
        recordings[letter].retention_until = days(until_day)
    db.session.commit()
    return Practice(staff, recordings)
