"""OpenAPI post-processing: document the one error shape on every operation."""

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

_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field and its problem.",
    "401": "Missing, invalid, expired or revoked credentials.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or not visible to you.",
    "413": "Request body too large.",
    "415": "Unsupported content type: send `application/json`.",
    "429": "Too many requests: wait for the `Retry-After` seconds.",
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Add the error schema and the usual error responses to each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            codes = ["404", "429"]
            if method in {"post", "put", "patch"}:
                codes += ["400", "413", "415"]
            if operation.get("security") != [{}] and operation.get("security"):
                codes += ["401", "403"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                entry = responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
                entry.setdefault("content", ref)
    return result
