"""The shape of an HSDS object from a file, checked before it is read (import robustness).

A file may hold anything JSON allows: a number where a list of phones belongs,
a list where a name belongs, nesting a thousand levels deep, a lone UTF-16
surrogate (which no database can store), a text of megabytes. `problems` walks
one entry without recursion and names each such place by its HSDS field path in
German, so the import reports it by row and field instead of failing.
"""

from __future__ import annotations

from directory.hsds.checks import MAX_TEXT, Findings

#: fields the importer reads as a list of objects, or as one object
LISTS = frozenset({"phones", "contacts", "schedules", "languages", "service_areas",
                   "service_at_locations", "attributes", "addresses"})
OBJECTS = frozenset({"organization", "location", "taxonomy_term"})
#: fields read as text (a number is fine where it is turned into text)
TEXTS = frozenset({"code", "label"})
SCALARS = frozenset({
    "id", "name", "description", "url", "email", "status", "fees_description",
    "minimum_age", "maximum_age", "assured_date", "last_modified", "organization_id",
    "number", "type", "title", "byday", "opens_at", "closes_at", "value", "website",
    "taxonomy_term_id", "address_1", "city", "postal_code", "region", "state_province",
    "country", "address_type", "location_type", "latitude", "longitude", "freq"}) | TEXTS
MAX_DEPTH = 12
MAX_STRING = MAX_TEXT["description"]


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def problems(obj, f: Findings) -> None:
    """Add an error to `f` for every part of `obj` the importer cannot read."""
    stack = [(obj, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "(Eintrag)"
        if depth > MAX_DEPTH:
            f.error(where, f"ist tiefer als {MAX_DEPTH} Ebenen verschachtelt")
            continue
        if isinstance(value, str):
            if _has_surrogate(value):
                f.error(where, "enthält ein ungültiges Zeichen (einzelnes UTF-16-Surrogat)")
            elif len(value) > MAX_STRING:
                f.error(where, f"ist länger als {MAX_STRING} Zeichen")
            continue
        if isinstance(value, list):
            stack += [(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)]
            continue
        if not isinstance(value, dict):
            continue
        for key, child in value.items():
            if not isinstance(key, str) or _has_surrogate(key):
                f.error(where, "enthält einen ungültigen Feldnamen")
                continue
            sub = f"{path}.{key}" if path else key
            if child is None:
                continue
            if key in LISTS and (not isinstance(child, list)
                                 or not all(isinstance(x, dict) for x in child)):
                f.error(sub, "erwartet eine Liste von Objekten")
                continue
            if key in OBJECTS and not isinstance(child, dict):
                f.error(sub, "erwartet ein Objekt")
                continue
            if key in SCALARS and isinstance(child, list | dict):
                f.error(sub, "erwartet einen Text oder eine Zahl, keine Liste und kein Objekt")
                continue
            if key in TEXTS and not isinstance(child, str):
                f.error(sub, "erwartet einen Text")
                continue
            stack.append((child, sub, depth + 1))
