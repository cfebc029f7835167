"""schemathesis against /api/openapi.json (issue 7): requests generated from the API's own OpenAPI
document, fitting it and not, sent to the Flask app through WSGI; no server error is found, and every
status and content type that comes back is one the document names.

Its Python API with hypothesis (bounded examples, a few seconds), not its pytest plugin."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Not the checks that the document's validation rules mirror the server's exactly (positive data
# accepted, negative data rejected): whitespace differs between JSON Schema's regex and str.strip.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Negative cases need something to spoil: a request body (any string is a valid explainer id).
NEGATIVE = {"POST /api/ask", "POST /api/feedback"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_server_error(make_app, mode):
    app = make_app(RATE_LIMIT_ASK="off", RATE_LIMIT_FEEDBACK="off")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = {o.label: o for o in (result.ok() for result in schema.get_all_operations())}
    assert set(operations) >= NEGATIVE | {"GET /api/explainers", "GET /api/explainers/{explainer_id}", "GET /healthz"}
    statuses: dict[str, set[int]] = {}
    for label, operation in operations.items():
        if mode == GenerationMode.NEGATIVE and label not in NEGATIVE:
            continue

        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call_and_validate(checks=CHECKS)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        run()
    assert set(statuses) == (set(operations) if mode == GenerationMode.POSITIVE else NEGATIVE)
    assert all(status < 500 for seen in statuses.values() for status in seen), statuses
