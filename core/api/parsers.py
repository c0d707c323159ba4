"""Request body parsers: JSON (orjson) and YAML, both through ``core.documents``,
so every body is bounded in depth and holds only text PostgreSQL can store."""

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from core.documents import DocumentError, json_load, yaml_load


def _parse(load, stream, kind: str) -> Any:
    try:
        return load(stream.read())
    except DocumentError as exc:
        if exc.path:
            # About one field: name it, as any other invalid input.
            raise exceptions.ValidationError(
                {exc.path: [exc.message]}, code="parse_error"
            ) from exc
        raise exceptions.ParseError(f"{kind} parse error - {exc.message}") from exc


class JSONParser(BaseParser):
    """Parse ``application/json`` with orjson (strict: no NaN or Infinity)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        return _parse(json_load, stream, "JSON")


class YAMLParser(BaseParser):
    """Parse ``application/yaml`` bodies (survey definitions are often YAML)."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        return _parse(yaml_load, stream, "YAML")


class TextYAMLParser(YAMLParser):
    media_type = "text/yaml"
