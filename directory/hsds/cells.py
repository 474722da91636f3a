"""Spreadsheet formula neutralisation (SEC-15, CWE-1236) for every exported CSV/XLSX cell.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
could run as a formula when the file is opened in a spreadsheet program. It is
written with a leading apostrophe (the OWASP recommendation). A cell can also be
split into two by a program that reads another separator than the one written
(a German Excel splits a comma-separated file at `;`): so every `;`, `,` or tab
followed by a formula character gets an apostrophe before that character too
(`Kostenlos;=cmd…` -> `Kostenlos;'=cmd…`). The importers take the apostrophes
off again (`restore` is the exact inverse), so an exported file imports unchanged.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: a separator, spaces, apostrophes already there, a formula character
_INNER = re.compile(r"([;,\t] *)('*)([=+\-@])")
_INNER_BACK = re.compile(r"([;,\t] *)'('*)([=+\-@])")


def neutralise(value):
    """The cell value safe for a spreadsheet (only text is changed)."""
    if not isinstance(value, str):
        return value
    if value.startswith(TRIGGERS):
        value = "'" + value
    return _INNER.sub(r"\1'\2\3", value)


def restore(value):
    """Undo `neutralise` on a cell read back from a file."""
    if not isinstance(value, str):
        return value
    value = _INNER_BACK.sub(r"\1\2\3", value)
    if value.startswith("'") and value[1:2] and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value
