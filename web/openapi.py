"""The OpenAPI 3.1 description of the JSON API, written by hand and served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .answering import MAX_HISTORY

_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"$ref": "#/components/responses/Error", "description": description}


def openapi_document() -> dict[str, Any]:
    from .api import MAX_ANSWER_ID_CHARS, MAX_COMMENT_CHARS  # here: web.api imports this module

    max_question = current_app.config["MAX_QUESTION_CHARS"]
    max_body = current_app.config["MAX_CONTENT_LENGTH"]
    hit = {"type": "object", "properties": {
        "passage_id": _STR, "score": {"type": "number", "description": "how well the passage matches the question, "
                                      "to rank passages (not a probability: the answer's confidence is that)"},
        "text": _STR, "section": _STR, "explainer_id": _STR, "explainer_title": _STR},
        "required": ["passage_id", "score", "text", "section", "explainer_id", "explainer_title"]}
    suggested = {**_STRS, "description": "questions the bot answers from this explainer, to offer readers "
                 "(the chat page's \"Try asking\"); asked with this explainer, none gets \"I don't know\""}
    schemas = {
        "Error": {
            "type": "object", "required": ["error"],
            "description": "Every error of the API has this shape.",
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. empty_question, unknown_explainer, invalid_json, too_large"},
                "message": {"type": "string", "description": "what was wrong and how to fix it, for people"}}}},
            "example": {"error": {"code": "empty_question", "message": "The question is empty; type a question."}},
        },
        "AskRequest": {
            "type": "object", "required": ["question"], "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": max_question, "pattern": "\\S",
                             "description": "not blank: a question of nothing that shows (spaces, zero-width characters, lone accents) is empty"},
                "explainer": {"type": ["string", "null"], "description": "answer from this explainer id (falls back to others when it does not say)"},
                "history": {"type": "array", "items": {"type": "string"},
                            "description": "the conversation's earlier questions, oldest first; the server keeps no state. "
                                           f"Only the last {MAX_HISTORY} non-blank ones are read, each at most {max_question} characters; "
                                           "older ones are dropped unread"}},
            "example": {"question": "why?", "explainer": "nk-russia", "history": ["how many troops did north korea send"]},
        },
        "Hit": hit,
        "Disagreement": {"type": "object", "properties": {
            "passage_id": _STR, "source": _STR, "figures": _STRS, "sentence": _STR}},
        "Answer": {
            "type": "object",
            "required": ["answer_id", "question", "abstained", "text", "confidence", "threshold"],
            "properties": {
                "answer_id": {"type": "string", "description": "send it back with /api/feedback"},
                "question": _STR,
                "abstained": {"type": "boolean", "description": "true when the bot does not know"},
                "text": {"type": "string", "description": "the answer sentence, or the \"I don't know\" message"},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "threshold": {"type": "number", "description": "answers below this confidence abstain"},
                "passage_id": {"type": ["string", "null"]}, "passage_text": _STR, "answer_sentence": _STR,
                "heading": _STR, "section": _STR, "explainer_id": {"type": ["string", "null"]},
                "explainer_title": _STR, "truncated": {"type": "boolean"},
                "explainer_date": {"type": "string", "description":
                                   "when the explainer was last updated, YYYY-MM-DD or YYYY-MM, or \"\" when unknown"},
                "explainer_url": {"type": "string", "description":
                                  "the explainer on the publisher's site (an http(s) address), or \"\" when the corpus gives none"},
                "alternatives": {"type": "array", "items": _STR, "description": "next-best passage ids"},
                "alternative_hits": {"type": "array", "items": _ref("Hit")},
                "did_you_mean": {"type": "array", "items": _ref("Hit"), "description": "close passages when the bot is unsure"},
                "followups": {"type": "array", "items": _STR, "description": "questions to ask next"},
                "suggestions": {"type": "array", "items": _STR, "description": "questions it can answer, when it abstains"},
                "disagreement": {"type": "array", "items": _ref("Disagreement"), "description": "figures that differ by source"},
                "fallback": {"type": "boolean", "description": "answered from another explainer than the one asked about"},
                "context_used": {"type": ["string", "null"], "description": "the earlier question a follow-up leaned on"},
                "read_as": {"type": "object", "additionalProperties": _STR,
                            "description": "each misspelt word of the question with the explainers' word it was read as, "
                                           "and each acronym with the name it was read as"},
                "reason": {"type": "string", "description":
                           "why it abstained; for an answer, why it came from elsewhere (`fallback`) or below the "
                           "threshold (a question of the page itself, such as \"what did the papers say?\")"},
                "needs_subject": {"type": "boolean", "description":
                                  "true for an \"I don't know\" to a question that names no subject (\"tell me more\") "
                                  "with no earlier question or explainer to supply one: ask the reader which story"},
                "small_talk": {"type": ["string", "null"], "enum": ["thanks", "greeting", "goodbye", "acknowledgement", "help", None],
                               "description": "set when the turn asks nothing of the explainers (\"thanks\", "
                                              "\"hello\", \"bye\", \"who are you?\"): `text` is the bot's reply "
                                              "and `suggestions` questions to ask next; no passage, nothing to rate"},
                "ranking": {"type": "array", "items": _STR},
            },
        },
        "ExplainerSummary": {"type": "object", "required": ["id", "title"], "properties": {
            "id": _STR, "title": _STR, "date": _STR, "suggested_questions": suggested}},
        "Explainer": {"type": "object", "required": ["id", "title", "passages"], "properties": {
            "id": _STR, "title": _STR, "date": _STR, "url": _STR, "kind": _STR, "sections": _STRS,
            "suggested_questions": suggested, "entities": {"type": "array", "items": {"type": "object"}},
            "passages": {"type": "array", "items": {"type": "object", "properties": {
                "id": _STR, "explainer_id": _STR, "kind": _STR, "section": _STR, "text": _STR, "heading": _STR,
                "truncated": {"type": "boolean"}, "answerable": {"type": "boolean"}, "questions": _STRS}}}}},
        "FeedbackRequest": {"type": "object", "required": ["answer_id", "helpful"], "properties": {
            "answer_id": {"type": "string", "minLength": 1, "maxLength": MAX_ANSWER_ID_CHARS, "pattern": "\\S"},
            "helpful": {"type": "boolean"}, "comment": {"type": ["string", "null"], "maxLength": MAX_COMMENT_CHARS}}},
        "FeedbackStored": {"type": "object", "properties": {
            "stored": {"type": "boolean"}, "answer_id": _STR, "helpful": {"type": "boolean"}}},
        "Health": {"type": "object", "required": ["status", "index_loaded"], "properties": {
            "status": {"type": "string", "enum": ["ok", "unavailable"]}, "index_loaded": {"type": "boolean"},
            "fingerprint": {"type": ["string", "null"]}, "built_at": {"type": ["string", "null"]},
            "explainers": {"type": "integer"}, "passages": {"type": "integer"}, "error": _STR,
            "question_log_dropped": {"type": "integer", "minimum": 0, "description":
                                     "question-log rows this process could not store since it started (0 when all is well)"},
            "database": {"type": "string", "enum": ["ok", "failing"], "description":
                         "whether this process's latest question-log write failed (readers are answered either way)"},
            "database_error": {"type": "string", "description": "why the latest question-log write failed, when it did"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Explainer bot API", "version": "1",
                 "description": "Answers readers' questions from news explainers, or says it does not know. "
                                f"Request bodies are JSON, at most {max_body} bytes. Stateless: send earlier questions as history."},
        "paths": {
            "/api/ask": {"post": {
                "summary": "Answer a question", "operationId": "ask",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AskRequest")}}},
                "responses": {"200": _json(_ref("Answer"), "the answer (or an abstention with suggestions)"),
                              "400": _error("empty, too long or wrongly typed question, history or explainer; invalid JSON"),
                              "404": _error("unknown explainer"), "413": _error("body too large"),
                              "415": _error("body is not JSON"),
                              "429": _error("too many requests from this client; wait the seconds in Retry-After"), "503": _error("the index is not loaded")}}},
            "/api/explainers": {"get": {
                "summary": "List the explainers", "operationId": "listExplainers",
                "responses": {"200": _json({"type": "object", "properties": {
                    "explainers": {"type": "array", "items": _ref("ExplainerSummary")}}}, "the explainers"),
                    "503": _error("the index is not loaded")}}},
            "/api/explainers/{explainer_id}": {"get": {
                "summary": "One explainer with its passages", "operationId": "getExplainer",
                "parameters": [{"name": "explainer_id", "in": "path", "required": True, "schema": _STR}],
                "responses": {"200": _json(_ref("Explainer"), "the explainer"), "404": _error("unknown explainer"),
                              "503": _error("the index is not loaded")}}},
            "/api/feedback": {"post": {
                "summary": "Say whether an answer helped", "operationId": "feedback",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("FeedbackRequest")}}},
                "responses": {"201": _json(_ref("FeedbackStored"), "stored"),
                              "400": _error("wrong types, answer_id or comment too long, invalid JSON"),
                              "404": _error("unknown answer_id"), "413": _error("body too large"),
                              "415": _error("body is not JSON"),
                              "429": _error("too many requests from this client; wait the seconds in Retry-After"), "503": _error("the database is busy or unavailable; try again")}}},
            "/healthz": {"get": {
                "summary": "Whether the index is loaded, and which", "operationId": "health",
                "responses": {"200": _json(_ref("Health"), "ready"), "503": _json(_ref("Health"), "no index loaded")}}},
            "/api/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                          "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
        },
        "components": {
            "schemas": schemas,
            "responses": {"Error": _json(_ref("Error"), "an error; the body says what was wrong")},
        },
    }
