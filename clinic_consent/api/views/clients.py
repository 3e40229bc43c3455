"""Clients: list (or find by health-record id), register, read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload

from clinic_consent import access
from clinic_consent.api.loading import clinicians_only
from clinic_consent.api.paging import LINK_DESCRIPTION, keyset_page
from clinic_consent.api.problems import refusals
from clinic_consent.api.schemas.clients import ClientInputSchema, ClientQuerySchema, ClientSchema
from clinic_consent.api.spec import error_responses
from clinic_consent.audit.access_log import note_access
from clinic_consent.clients import operations
from clinic_consent.clients.models import Client
from clinic_consent.keyset import Keyset, id_key
from clinic_consent.recordings.facts import representative_key

URL_PREFIX = "/api/v1/clients"
blp = Blueprint("api_clients", __name__, description="Clients")


def client_body(client: Client) -> dict[str, Any]:
    capacity = client.current_recording_capacity()
    return {
        "id": client.id,
        "given_name": client.given_name,
        "family_name": client.family_name,
        "birth_date": client.birth_date,
        "language": client.language,
        "external_ref": client.external_ref,
        "erased": client.erased_at is not None,
        "recording_capacity": (
            {"has_capacity": capacity.has_capacity, "judged_at": capacity.judged_at}
            if capacity is not None
            else None
        ),
        "representatives": [
            {
                "id": r.id,
                "key": representative_key(r),
                "name": r.name,
                "relation": r.relation,
                "has_authority": r.has_authority,
                "ended_at": r.ended_at,
            }
            for r in client.representatives
        ],
    }


# What client_body reads, in the client's own query (a few rows each, so joined).
CLIENT_BODY_LOADING = (joinedload(Client.representatives), joinedload(Client.capacity_judgements))
BY_ID = Keyset((Client.id,), id_key, lambda client: str(client.id))


@blp.route("")
class Clients(MethodView):
    @blp.doc(
        summary="The clients you may see, by id",
        description=LINK_DESCRIPTION,
        **error_responses(401, 404, 422),
    )
    @blp.arguments(ClientQuerySchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    def get(self, query: dict[str, Any]) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
        who = access.require_clinical_reader()
        statement = access.visible_clients(who).order_by(None)
        if "external_ref" in query:
            statement = statement.where(Client.external_ref == query["external_ref"])
        clients, headers = keyset_page(statement, BY_ID, query)
        note_access("clients.list", object_type="clients", object_id=None)
        return [client_body(c) for c in clients], 200, headers

    @blp.doc(summary="Register a client", **error_responses(400, 401, 403, 404, 409, 422))
    @clinicians_only
    @blp.arguments(ClientInputSchema)
    @blp.response(201, ClientSchema)
    def post(self, values: dict[str, Any]) -> dict[str, Any]:
        who = access.require_clinician()
        with refusals():
            client = operations.create_client(actor=who, **values)
        note_access(
            "clients.create",
            object_type="clients",
            object_id=client.id,
            client_id=client.id,
            action="create",
        )
        return client_body(client)


@blp.route("/<int:client_id>")
@blp.doc(summary="One client", **error_responses(401, 404))
@blp.response(200, ClientSchema)
def get_client(client_id: int) -> dict[str, Any]:
    return client_body(access.load_client(client_id, options=CLIENT_BODY_LOADING))
