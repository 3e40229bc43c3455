"""Sessions (list, create, read) and their recordings with the verdict of each."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_consent import access
from clinic_consent.api.loading import clinicians_only
from clinic_consent.api.paging import LINK_DESCRIPTION, keyset_page
from clinic_consent.api.problems import abort_problem, refusals
from clinic_consent.api.schemas.recordings import RecordingSchema
from clinic_consent.api.schemas.sessions import (
    SessionInputSchema,
    SessionQuerySchema,
    SessionSchema,
)
from clinic_consent.api.spec import error_responses
from clinic_consent.audit.access_log import note_access
from clinic_consent.keyset import Keyset, date_id, date_id_key
from clinic_consent.recordings.facts import current_terms, participant_key, verdict_for_recording
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import participant_name
from clinic_consent.sessions import operations
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession

URL_PREFIX = "/api/v1"
blp = Blueprint("api_sessions", __name__, description="Sessions and their recordings")


def participant_body(participant: SessionParticipant) -> dict[str, Any]:
    return {
        "id": participant.id,
        "key": participant_key(participant),
        "role": participant.role,
        "client_id": participant.client_id,
        "user_id": participant.user_id,
        "name": participant_name(participant),
    }


def session_body(session: TreatmentSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "kind": session.kind,
        "date": session.date,
        "starts_at": session.starts_at,
        "title": session.title,
        "group_id": session.group_treatment_id,
        "created_at": session.created_at,
        "participants": [participant_body(p) for p in session.participants],
        "recording_ids": [r.id for r in session.recordings],
    }


def recording_body(recording: Recording) -> dict[str, Any]:
    """The consent workflow's view of a recording: never its storage location."""
    return {
        "id": recording.id,
        "session_id": recording.session_id,
        "made_by": recording.made_by,
        "recorder": participant_key(recording.recorder),
        "medium": recording.medium,
        "covert": recording.covert,
        "public": recording.public,
        "scope": recording.scope,
        "scope_description": recording.scope_description,
        "purpose": recording.purpose,
        "retention_until": recording.retention_until,
        "status": recording.status,
        "made_at": recording.made_at,
        "destroyed_at": recording.destroyed_at,
        "access_list": sorted(current_terms(recording).access_list),
        "verdict": verdict_for_recording(recording).to_json(),
    }


NEWEST_FIRST = Keyset(
    (TreatmentSession.date, TreatmentSession.id),
    date_id_key,
    lambda session: date_id(session.date, session.id),
    descending=True,
)


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.doc(
        summary="The sessions you may see, newest first (by date, then id)",
        description=LINK_DESCRIPTION,
        **error_responses(401, 404, 422),
    )
    @blp.arguments(SessionQuerySchema, location="query")
    @blp.response(200, SessionSchema(many=True))
    def get(self, query: dict[str, Any]) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
        who = access.require_clinical_reader()
        statement = (
            select(TreatmentSession)
            .where(access.sessions_visible_to(who))
            .options(
                selectinload(TreatmentSession.participants).options(
                    selectinload(SessionParticipant.client),
                    selectinload(SessionParticipant.user),
                ),
                selectinload(TreatmentSession.recordings),
            )
        )
        if "from_" in query:
            statement = statement.where(TreatmentSession.date >= query["from_"])
        if "until" in query:
            statement = statement.where(TreatmentSession.date <= query["until"])
        if "client_id" in query:
            # A client you may not see is a 404; one you may, a logged read of their data.
            access.load_client(query["client_id"])
            statement = statement.where(
                TreatmentSession.id.in_(
                    select(SessionParticipant.session_id).where(
                        SessionParticipant.client_id == query["client_id"]
                    )
                )
            )
        sessions, headers = keyset_page(statement, NEWEST_FIRST, query)
        note_access("treatment_sessions.list", object_type="treatment_sessions", object_id=None)
        return [session_body(s) for s in sessions], 200, headers

    @blp.doc(
        summary="Create a session",
        description="An individual session with its one client, or a session of a group "
        "treatment with the group's current members and facilitators. You take part as staff, "
        "as on the web page.",
        **error_responses(400, 401, 403, 404, 409, 422),
    )
    @clinicians_only
    @blp.arguments(SessionInputSchema)
    @blp.response(201, SessionSchema)
    def post(self, values: dict[str, Any]) -> dict[str, Any]:
        who = access.user()  # a clinician: @clinicians_only checked
        group = access.load_group(values["group_id"]) if values["group_id"] is not None else None
        clients = [access.load_client(client_id) for client_id in values["client_ids"]]
        if any(client.erased_at is not None for client in clients):
            abort_problem(422, "This client's personal data has been erased.", field="client_ids")
        with refusals(client="client_ids", user="group_id"):
            session = operations.create_session(
                kind=values["kind"],
                on=values["date"],
                group=group,
                title=values["title"],
                starts_at=values["starts_at"],
                actor=who,
            )
            # A group's facilitators already take part; you do, as on the web page.
            if not any(p.user_id == who.id for p in session.participants):
                operations.add_staff_participant(session, who, actor=who)
            for client in clients:
                operations.add_client_participant(session, client, actor=who)
        note_access(
            "treatment_sessions.create",
            object_type="treatment_sessions",
            object_id=session.id,
            client_id=clients[0].id if len(clients) == 1 else None,
            action="create",
        )
        return session_body(session)


@blp.route("/sessions/<int:session_id>")
@blp.doc(summary="One session with its participants", **error_responses(401, 404))
@blp.response(200, SessionSchema)
def get_session(session_id: int) -> dict[str, Any]:
    return session_body(access.load_session(session_id))


@blp.route("/sessions/<int:session_id>/recordings")
@blp.doc(summary="A session's recordings, each with its verdict", **error_responses(401, 404))
@blp.response(200, RecordingSchema(many=True))
def session_recordings(session_id: int) -> list[dict[str, Any]]:
    return [recording_body(r) for r in access.load_session(session_id).recordings]


@blp.route("/recordings/<int:recording_id>")
@blp.doc(
    summary="One recording with its verdict",
    description="Its terms as the consents cover them; where the file is kept is not shown.",
    **error_responses(401, 404),
)
@blp.response(200, RecordingSchema)
def get_recording(recording_id: int) -> dict[str, Any]:
    return recording_body(access.load_recording(recording_id))
