"""Spreadsheet formula neutralisation (SEC-15, CWE-1236) for every exported CSV/XLSX cell.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
could run as a formula when the file is opened in a spreadsheet program. It is
written with a leading apostrophe (the OWASP recommendation); the importers
take that apostrophe off again, so an exported file imports unchanged.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell value safe for a spreadsheet (only text is changed)."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def restore(value):
    """Undo `neutralise` on a cell read back from a file."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and \
            value[1:].startswith(TRIGGERS):
        return value[1:]
    return value
