"""Exports of survey data: variables, layouts and one writer per format.

Pure Python, no database: ``reports.export_services`` reads the responses in
chunks and feeds them through here.
"""

from reports.exports.layouts import (
    AGGREGATE_VARIABLES,
    LONG_VARIABLES,
    Columns,
    LongLayout,
    Record,
    WideLayout,
    aggregate_rows,
    columns_of,
    profile_flat,
)
from reports.exports.variables import Selection, Variable, wide_variables
from reports.exports.writers import (
    CONTENT_TYPES,
    EXTENSIONS,
    Meta,
    codebook_rows,
    codebook_variables,
    writer_open,
)

__all__ = [
    "AGGREGATE_VARIABLES",
    "CONTENT_TYPES",
    "EXTENSIONS",
    "LONG_VARIABLES",
    "Columns",
    "LongLayout",
    "Meta",
    "Record",
    "Selection",
    "Variable",
    "WideLayout",
    "aggregate_rows",
    "codebook_rows",
    "codebook_variables",
    "columns_of",
    "profile_flat",
    "wide_variables",
    "writer_open",
]
