"""Exports of survey data: variables, layouts and one writer per format.

Pure Python, no database: ``reports.export_services`` reads the responses in
chunks and feeds them through here.
"""

from reports.exports.layouts import (
    AGGREGATE_VARIABLES,
    LONG_VARIABLES,
    RESPONSE_FIELDS,
    Batch,
    Columns,
    LongLayout,
    WideLayout,
    aggregate_rows,
    columns_of,
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
    "RESPONSE_FIELDS",
    "Batch",
    "Columns",
    "LongLayout",
    "Meta",
    "Selection",
    "Variable",
    "WideLayout",
    "aggregate_rows",
    "codebook_rows",
    "codebook_variables",
    "columns_of",
    "wide_variables",
    "writer_open",
]
