"""What an import changes, offer by offer, and which rows would undo newer work (conflicts).

Every import path (HSDS JSON, the CSV data package, the spreadsheet) ends in
records; `compare` sets each changed record beside the stored offer and lists
the fields that change, old -> new, in the editors' draft fields
(`directory.drafts`: the same names as the edit form and the history).

A row is a conflict when it is older than the offer's last change in the
directory: its time (HSDS `last_modified`; the sheet's "Zuletzt geändert", or
"Exportiert am" when that is empty) lies before the stored `last_modified`, or
it has no time and would move "last verified" back. A conflict is never
applied as it stands. `resolve` turns the editor's choice per offer into the
record to write: `keep` (ours: the offer stays as it is), `take` (theirs: the
row), or `merge` (theirs for the fields named, ours for every other field).
Without a choice the newer data is kept. A record written because of a choice
gets the time of the import as its last change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from directory import editing
from directory.draft_record import from_record, to_record
from directory.hsds.hours import format_hours
from directory.records import OfferRecord

KEEP, TAKE, MERGE = "keep", "take", "merge"
CHOICES = (KEEP, TAKE, MERGE)
NEW, CHANGED, CONFLICT = "new", "changed", "conflict"
MAX_TEXT = 300  # characters of a value shown in the report
OTHER = "other"  # a change outside the draft's fields (provider website, ids, contacts' ids)

LABELS = {
    "name": "Name", "description": "Beschreibung", "organization": "Träger",
    "url": "Website", "email": "E-Mail", "kommune_id": "Kommune", "scope": "Geltungsbereich",
    "status": "Status", "min_age": "Alter von", "max_age": "Alter bis",
    "legal_domain": "Rechtskreis", "office_kind": "Art der Stelle",
    "appointment_only": "Nur mit Termin", "temporarily_closed": "Vorübergehend geschlossen",
    "cost": "Kosten", "gemeinden": "Gemeinden", "topics": "Themen",
    "residence_statuses": "Aufenthaltsstatus", "languages": "Sprachen",
    "locations": "Standort", "contacts": "Kontaktpersonen", "phones": "Telefon",
    "schedule": "Öffnungszeiten", "last_verified": "Zuletzt geprüft",
    OTHER: "weitere Angaben (z. B. Website des Trägers)",
}


def label(key: str) -> str:
    if key.startswith("tr."):
        return f"Übersetzung ({key[3:]})"
    return LABELS.get(key, key)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass
class OfferDiff:
    """One offer of the file that is new or would change, as the dry run lists it."""

    id: str
    name: str
    where: str
    state: str  # new | changed | conflict
    row_time: str | None = None  # the row's time (RFC 3339), if it has one
    stored_time: str | None = None  # the offer's last change in the directory
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "where": self.where, "state": self.state,
                "row_time": self.row_time, "stored_time": self.stored_time,
                "changes": [c.__dict__ for c in self.changes]}


def show(key: str, value) -> str:
    """A draft value as short German text."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if key == "schedule":
        text = format_hours([(tuple(x["days"]), x["opens"], x["closes"]) for x in value],
                            False)
    elif key == "phones":
        text = "; ".join(p["number"] + (f" ({p['description']})" if p.get("description")
                                        else "") for p in value)
    elif key == "locations":
        text = " | ".join(", ".join(str(x[k]) for k in ("name", "street", "postal_code",
                                                         "city") if x.get(k)) for x in value)
    elif key == "contacts":
        text = " | ".join(", ".join(str(c[k]) for k in ("name", "title", "email") if c.get(k))
                          for c in value)
    elif key.startswith("tr."):
        text = value["name"] + (f" – {value['description']}" if value.get("description")
                                else "")
    elif isinstance(value, list | tuple):
        text = ", ".join(str(x) for x in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def field_changes(old: OfferRecord, new: OfferRecord) -> list[dict]:
    """[{"field", "before", "after"}] of the draft fields that differ (raw values)."""
    return editing.diff(from_record(old), from_record(new))


def is_conflict(row_time: dt.datetime | None, old: OfferRecord, new: OfferRecord) -> bool:
    """The row is older than the offer's last change (see module doc).

    A row time without fractions of a second (or without seconds), as a spreadsheet
    program may leave it, is compared with the last change cut to the same precision."""
    if row_time is not None and old.last_modified is not None:
        last = old.last_modified
        if row_time.microsecond == 0:
            last = last.replace(microsecond=0)
            if row_time.second == 0:
                last = last.replace(second=0)
        return row_time < last
    return (row_time is None and old.last_verified is not None
            and (new.last_verified is None or new.last_verified < old.last_verified))


def compare(records: list[OfferRecord], stored: Mapping[str, OfferRecord],
            times: Mapping[str, dt.datetime | None], places: Mapping[str, str],
            changed: set[str], new: set[str]) -> list[OfferDiff]:
    """The new and changed offers of an import, in file order, with their field changes."""
    out = []
    for r in records:
        if r.id in new:
            out.append(OfferDiff(r.id, r.name, places.get(r.id, ""), NEW,
                                 _time(times.get(r.id))))
        elif r.id in changed:
            old = stored[r.id]
            changes = [Change(c["field"], label(c["field"]), show(c["field"], c["before"]),
                              show(c["field"], c["after"])) for c in field_changes(old, r)]
            if not changes:
                changes = [Change(OTHER, label(OTHER), "", "")]
            state = CONFLICT if is_conflict(times.get(r.id), old, r) else CHANGED
            out.append(OfferDiff(r.id, r.name, places.get(r.id, ""), state,
                                 _time(times.get(r.id)), _time(old.last_modified), changes))
    return out


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def resolve(s: Session, theirs: OfferRecord, ours: OfferRecord, choice) -> OfferRecord | None:
    """The record to write for a conflict: None (keep ours), the row, or a merge.

    `choice`: KEEP, TAKE, or (MERGE, fields taken from the row). Unknown fields are
    ignored; a merge of no field is a keep.
    """
    if choice == TAKE:
        return replace(theirs, last_modified=None)
    if isinstance(choice, tuple) and choice and choice[0] == MERGE:
        wanted = set(choice[1])
        after = from_record(theirs)
        fields = {c["field"]: after[c["field"]] for c in field_changes(ours, theirs)
                  if c["field"] in wanted}
        if not fields:
            return None
        return replace(to_record(s, ours, fields), last_modified=None)
    return None


def parse_choices(raw: Mapping[str, object]) -> dict[str, object]:
    """{offer id: "keep" | "take" | ["merge", [field, ...]]} (as the job stores it) ->
    choices for `resolve`; anything else is dropped (and so keeps ours)."""
    out: dict[str, object] = {}
    for oid, value in raw.items():
        if value in (KEEP, TAKE):
            out[str(oid)] = value
        elif (isinstance(value, list | tuple) and len(value) == 2 and value[0] == MERGE
              and isinstance(value[1], list | tuple)):
            out[str(oid)] = (MERGE, tuple(str(f) for f in value[1]))
    return out
