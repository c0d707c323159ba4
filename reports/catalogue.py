"""The tool catalogue: reads.

The catalogue lives in the database (``reports.models.Tool``), seeded from the
paper's Figure 2 and the reference questionnaire's platforms
(``reports.catalogue_services``) and corrected by staff, with history.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import caches
from django.db.models import QuerySet

from core.history import Entry, history_entries, with_actors
from reports.models import CRITERIA, Tool

__all__ = ["CRITERIA", "Tool", "tool_catalogue", "tool_history", "tool_list"]


# How long a process keeps the catalogue. A change made in this process evicts
# it at once (``catalogue_cache_evict``, on every save and delete of an entry);
# one made in another process reaches this one within this time.
CATALOGUE_CACHE_SECONDS = 60
_CACHE_KEY = "reports:catalogue"


def rating_label(rating: str | None) -> str:
    """A rating (present, partial, absent) named as people read it; blank if none."""
    if not rating:
        return ""
    return str(Tool.Rating(rating).label) if rating in Tool.Rating.values else rating


def tool_catalogue() -> dict[str, Tool]:
    """Every catalogue entry by code, kept as plain values in this process's memory.

    Profiles and their pages read it on every request, and it changes rarely.
    """
    local = caches["local"]
    rows = local.get(_CACHE_KEY)
    if rows is None:
        rows = list(Tool.objects.values())
        local.set(_CACHE_KEY, rows, CATALOGUE_CACHE_SECONDS)
    return {row["code"]: Tool(**row) for row in rows}


def catalogue_cache_evict() -> None:
    caches["local"].delete(_CACHE_KEY)


def tools_covering(
    criteria: tuple[str, ...], *, catalogue: dict[str, Tool] | None = None
) -> list[Tool]:
    """Catalogue tools rated Present on any of the criteria, best coverage first."""
    catalogue = tool_catalogue() if catalogue is None else catalogue
    tools = [
        tool
        for tool in catalogue.values()
        if any(tool.ratings.get(c) == "present" for c in criteria)
    ]
    return sorted(
        tools,
        key=lambda t: (-sum(t.ratings.get(c) == "present" for c in criteria), t.name),
    )


def tool_list(
    *, present: Iterable[str] = (), open_source: bool | None = None
) -> QuerySet[Tool]:
    """Tools that fully meet every criterion in ``present``, open source or not."""
    tools = Tool.objects.all()
    for criterion in present:
        if criterion not in CRITERIA:
            raise ValueError(f"unknown criterion {criterion!r}")
        tools = tools.filter(**{criterion: Tool.Rating.PRESENT})
    if open_source is not None:
        tools = tools.filter(open_source=open_source)
    return tools.order_by("name")


def tool_history(*, tool: Tool) -> list[Entry]:
    """Every recorded change of one catalogue entry, oldest first."""
    records = Tool.history.filter(id=tool.pk)
    return with_actors(history_entries(records, model="tool", label=lambda r: r.name))
