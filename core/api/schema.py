"""OpenAPI post-processing: the error responses every operation shares, in one place.

Views document their own successes and the errors particular to them; this hook
adds the ones the project's middleware, parsers, exception handler, throttles
and front server give every operation alike, so the schema lists every status
the server can answer.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "The shape of every API error.",
    "properties": {
        "detail": {"type": "string", "description": "A readable summary."},
        "code": {"type": "string", "description": "A stable machine-readable code."},
        "errors": {
            "type": "object",
            "description": "Messages per field (or per question code); empty when none applies.",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "code", "errors"],
}

# DRF refuses a NUL character in every text field (and PostgreSQL could not
# store one): request schemas say so on each plain string.
NO_NUL_PATTERN = "^[^\\u0000]*$"

_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field (body or query parameter) "
    "and its problem.",
    "401": "Missing, invalid, expired or revoked credentials.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or not visible to you.",
    "406": "No representation for the `Accept` header (or `format`) sent.",
    "411": "A chunked body: send it with a `Content-Length`.",
    "413": "Request body too large.",
    "414": "Request line (path and query) too long: gunicorn refuses it (over "
    "4094 bytes, its `limit_request_line`) with a short HTML page.",
    "415": "Unsupported content type: send `application/json`.",
    "422": "This `Idempotency-Key` was already used with a different body.",
    "429": "Too many requests: wait for the `Retry-After` seconds.",
    "503": "The database is unavailable for a moment: retry after `Retry-After` "
    "seconds (nothing was changed).",
}
_RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before retrying.",
    }
}
_HTML = {"text/html": {"schema": {"type": "string"}}}


def _codes(operation: dict, method: str) -> list[str]:
    parameters = operation.get("parameters", [])
    codes = ["404", "406", "414", "429", "503"]
    if method in {"post", "put", "patch"}:
        codes += ["400", "411", "413", "415"]
    elif any(p["in"] == "query" for p in parameters):
        codes.append("400")
    if operation.get("security") != [{}] and operation.get("security"):
        codes += ["401", "403"]
    if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters):
        codes.append("422")
    return codes


def _forbid_nul(schema: dict) -> None:
    for prop in schema.get("properties", {}).values():
        plain = prop.get("type") == "string" and not (
            {"format", "enum", "pattern"} & prop.keys()
        )
        if plain:
            prop["pattern"] = NO_NUL_PATTERN
        elif prop.get("type") == "array":
            item = prop.get("items", {})
            if item.get("type") == "string" and not (
                {"format", "enum", "pattern"} & item.keys()
            ):
                item["pattern"] = NO_NUL_PATTERN


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Add the error schema and the shared error responses to each operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _forbid_nul(schema)
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code in _codes(operation, method):
                responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, entry in responses.items():
                if code == "414":
                    entry.setdefault("content", _HTML)
                elif code[:1] in {"4", "5"}:
                    # Every error is the JSON error document, whatever the
                    # representation of the success (see core.api.errors).
                    entry["content"] = ref
                    if code in {"429", "503"}:
                        entry.setdefault("headers", _RETRY_AFTER)
    return result
