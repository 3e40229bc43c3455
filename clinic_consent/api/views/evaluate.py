"""POST /evaluate: the contract's facts in, the verdict out; the same core as the command line."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Blueprint

from clinic_consent.api.problems import abort_problem
from clinic_consent.api.schemas.facts import FACTS_SCHEMA, VERDICT
from clinic_consent.api.spec import error_responses
from clinic_consent.audit.access_log import note_access
from clinic_consent.domain import FactsError, evaluate_json

URL_PREFIX = "/api/v1"
blp = Blueprint("api_evaluate", __name__, description="The rule set")


@blp.route("/evaluate", methods=["POST"])
@blp.doc(
    summary="Evaluate the facts of a recording",
    description="Which consents the recording needs, by which rule, and its verdict.",
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Facts"}}},
    },
    **error_responses(400, 401, 415, 422),
)
@blp.response(200, "Verdict")
def evaluate() -> Response:
    if not request.is_json:
        abort_problem(415)
    facts = request.get_json(silent=True)
    if facts is None:
        abort_problem(400, "The body is not valid JSON.")
    # The facts hold birth dates: the call is logged, the facts are not.
    note_access("api.evaluate", object_type="facts", object_id=None, action="execute")
    try:
        return jsonify(evaluate_json(facts))
    except FactsError as error:
        abort_problem(422, str(error), field=error.field)


def register_schemas(spec: Any) -> None:
    spec.components.schema("Facts", FACTS_SCHEMA)
    spec.components.schema("Verdict", VERDICT)
