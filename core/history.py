"""Change history of domain records: who, when, what changed from what to what, why.

Models opt in with ``tracked_history()`` (django-simple-history): every save and
delete made through the ORM writes a snapshot row in the model's historical
table. Services name the actor and the note on the instance before saving
(``record_change``). The actor is kept as a plain user id, not a foreign key, so
deleting a user keeps the history; snapshots have no foreign keys either, so
they outlive the records they describe. ``append_only`` installs a PostgreSQL
trigger that refuses to update or delete a snapshot.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import migrations, models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

# Fields that say when a row was saved: the snapshot's own date says it better.
UNTRACKED_FIELDS = ("updated_at",)

KIND_NAMES = {"+": "created", "~": "changed", "-": "deleted"}

_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def tracked_history(*, excluded_fields: Iterable[str] = ()) -> HistoricalRecords:
    """Track a model's changes with the actor as a user id and a free-text note."""
    return HistoricalRecords(
        history_user_id_field=models.BigIntegerField(null=True, blank=True),
        history_change_reason_field=models.TextField(null=True, blank=True),
        excluded_fields=[*UNTRACKED_FIELDS, *excluded_fields],
    )


def record_change(instance: models.Model, *, actor: Any, note: str = "") -> None:
    """Name who makes the next save or delete of ``instance`` and why."""
    instance._history_user = actor if getattr(actor, "pk", None) else None
    instance._change_reason = note or None


def save_recorded(
    instance: models.Model,
    *,
    actor: Any,
    changes: Mapping[str, Any],
    editable: Iterable[str],
    note: str = "",
) -> models.Model:
    """Set the fields that change, validate, and save with the actor and note.

    A field outside ``editable`` is refused by name. Saving an existing row
    that nothing changes records nothing, so a repeated request leaves no
    empty entry in the history.
    """
    refused = sorted(set(changes) - set(editable))
    if refused:
        raise ValidationError(
            {name: [_("This field cannot be set here.")] for name in refused}
        )
    changed = [
        name for name, value in changes.items() if getattr(instance, name) != value
    ]
    if instance.pk is not None and not changed:
        return instance
    for name in changed:
        setattr(instance, name, changes[name])
    instance.full_clean()
    record_change(instance, actor=actor, note=note)
    instance.save()
    return instance


def delete_recorded(
    instances: Iterable[models.Model], *, actor: Any, note: str = ""
) -> None:
    """Delete records one by one, so that each deletion is recorded as the actor's."""
    for instance in instances:
        record_change(instance, actor=actor, note=note)
        instance.delete()


def append_only(table: str) -> migrations.RunSQL:
    """A migration step that makes a historical table refuse UPDATE and DELETE.

    TRUNCATE (the test database's flush) is not a row operation, so it still works.
    """
    trigger = f"{table}_append_only"
    return migrations.RunSQL(
        _APPEND_ONLY_FUNCTION
        + f'CREATE TRIGGER "{trigger}" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION history_append_only();",
        reverse_sql=f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}";',
    )


# --- Reading ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    label: str = ""  # the field's verbose name, for people
    old_shown: Any = None  # the values as people read them (pages)
    new_shown: Any = None


@dataclass
class Entry:
    """One recorded change of one record, ready to show or serialise."""

    id: int
    model: str
    object_id: Any
    label: str
    kind: str  # created, changed or deleted
    at: dt.datetime
    actor_id: int | None
    actor_email: str | None
    note: str
    changes: list[Change] = field(default_factory=list)


def history_entries(
    records: Iterable[Any],
    *,
    model: str,
    label: Any = str,
    hidden: Iterable[str] = (),
) -> list[Entry]:
    """Turn snapshots (of one model, any objects) into entries, oldest first.

    Each snapshot is compared with the one before it of the same object (the
    ``diff_against`` of django-simple-history); a creation lists the values it
    set. ``label`` names an object from its snapshot; ``hidden`` fields are
    never shown (the ids that only link records, for example).
    """
    hidden = {"id", *hidden}
    ordered = sorted(records, key=lambda r: (r.history_date, r.history_id))
    previous: dict[Any, Any] = {}
    entries = []
    for record in ordered:
        before = previous.get(record.id)
        changes: list[Change] = []
        if record.history_type == "~" and before is not None:
            delta = record.diff_against(before, excluded_fields=hidden)
            changes = [_change(record, c.field, c.old, c.new) for c in delta.changes]
        elif record.history_type == "+":
            for tracked in record.tracked_fields:
                name = tracked.name
                if name in hidden or name in UNTRACKED_FIELDS or not tracked.editable:
                    continue
                value = getattr(record, tracked.attname)
                if value not in (None, "", [], {}):
                    changes.append(_change(record, name, None, value))
        previous[record.id] = record
        entries.append(
            Entry(
                id=record.history_id,
                model=model,
                object_id=record.id,
                label=label(record),
                kind=KIND_NAMES[record.history_type],
                at=record.history_date,
                actor_id=record.history_user_id,
                actor_email=None,
                note=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _change(record: Any, name: str, old: Any, new: Any) -> Change:
    model_field = record._meta.get_field(name)
    return Change(
        name,
        plain(old),
        plain(new),
        str(model_field.verbose_name),
        shown(model_field, old),
        shown(model_field, new),
    )


def shown(model_field: models.Field, value: Any) -> Any:
    """A field's value as people read it in the active language.

    A choice by its label (each item of a list of choices too), a date and
    time in the local format, a number with the language's decimal mark.
    """
    if value is None:
        return None
    base = getattr(model_field, "base_field", None)  # a list of values
    if base is not None and isinstance(value, list | tuple):
        return [shown(base, item) for item in value]
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float | decimal.Decimal):
        return formats.number_format(value)
    return value


def with_actors(entries: list[Entry]) -> list[Entry]:
    """Fill in each entry's actor email with one query (none for deleted users)."""
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    emails = dict(
        get_user_model().objects.filter(pk__in=ids).values_list("pk", "email")
    )
    for entry in entries:
        entry.actor_email = emails.get(entry.actor_id)
    return entries


def plain(value: Any) -> Any:
    """A JSON-ready form of a field value."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
