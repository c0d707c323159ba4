"""Bounded loading of JSON and YAML documents from outside.

Every request body and every imported definition is loaded here, so that what
reaches the rest of the code is a plain tree of bounded depth whose strings
PostgreSQL can store: no aliases (a few hundred bytes of YAML aliases can
expand to millions of items), no nesting deep enough to exhaust Python's
recursion, no lone surrogate (which no UTF-8 text can hold). A problem is
reported with its place in the document (``pages[0].title.en``).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson
import yaml

# The deepest nesting accepted: definitions need about a dozen levels.
MAX_DEPTH = 64
# The largest document read from a file (a request body is limited before
# parsing, by MAX_REQUEST_BYTES).
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class DocumentError(ValueError):
    """A document that cannot be accepted; ``path`` names the place."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def json_load(data: bytes | str) -> Any:
    """Parse JSON (strict: no NaN or Infinity) and check it."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "surrogate" in str(exc):
            _locate_surrogate(data)
        raise DocumentError(f"not valid JSON: {exc}") from exc
    # orjson's strings are valid Unicode already: only the depth is left, and
    # the place of a problem is looked for only when there is one.
    if _deeper_than(value, MAX_DEPTH):
        document_check(value)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` levels (level by level)."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            deeper.extend(child for child in children if isinstance(child, dict | list))
        level = deeper
    return False


def _locate_surrogate(data: bytes | str) -> None:
    """Name the place of a lone surrogate orjson refused: the standard library
    reads it into a string, which ``document_check`` then reports."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return
    document_check(value)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def yaml_load(text: str | bytes) -> Any:
    """Parse YAML without aliases, within ``MAX_DEPTH``, and check it.

    The events are read first (libyaml's C parser: fast, and not recursive),
    so an alias or a deep nesting is refused before anything is built.
    """
    if len(text) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        value = _yaml_value(text, _LOADER)
    except yaml.YAMLError as exc:
        if "Unicode" in str(exc) and _LOADER is not yaml.SafeLoader:
            # libyaml refuses a lone surrogate without naming its place; the
            # pure-Python loader reads it, and document_check names the place.
            with contextlib.suppress(yaml.YAMLError):
                document_check(_yaml_value(text, yaml.SafeLoader))
        raise DocumentError(f"not valid YAML: {exc}") from exc
    document_check(value)
    return value


def _yaml_value(text: str | bytes, loader: Any) -> Any:
    _check_events(yaml.parse(text, Loader=loader))
    return yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only


# libyaml where PyYAML was built with it (its wheels are), else pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_events(events: Any) -> None:
    depth = 0
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise DocumentError(
                f"aliases (*name) are not accepted ({event.start_mark})"
            )
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError(
                    f"nested deeper than {MAX_DEPTH} levels ({event.start_mark})"
                )
        elif isinstance(event, _CLOSES):
            depth -= 1


def document_check(value: Any) -> None:
    """Raise ``DocumentError`` unless ``value`` is within bounds (iteratively)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise DocumentError(f"nested deeper than {MAX_DEPTH} levels", path)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    _check_text(key, path)
                if isinstance(item, list):
                    child_path = f"{path}[{key}]"
                else:
                    child_path = f"{path}.{key}" if path else str(key)
                stack.append((child, child_path, depth + 1))


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DocumentError(
            "text is not valid Unicode (a lone surrogate)", path
        ) from exc
