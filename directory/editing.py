"""Writing offers: create, update, archive, confirm and undo, each with its history entry.

The write API of the directory (no web here). Every function works in the
caller's session and transaction, so the caller can write its audit entry in
the same commit and update the search index after it:

    with store.session.begin() as s:
        saved = editing.update(s, offer_id, draft, actor, choices, version=form_version)
    reindex(saved.offer_id)            # app layer: engine.upsert / engine.remove

- A draft is the flat dict of `directory.drafts`; `update` takes the keys it
  is given and leaves the others alone. It goes into the offer's record
  (`directory.draft_record`), which the one writer of every import stores
  (`directory.hsds.writer.write`); the offer is read back with the one reader
  (`directory.records.read_records`, children in the order stored).
- Optimistic concurrency: `version(snapshot)` is a short hash of every editable
  field. An update sent with the version the editor saw fails with `Conflict`
  when the offer changed meanwhile (by a colleague or an import), naming the
  last recorded change.
- History: each save that changes something writes one `OfferChange` with the
  field-level diff (before and after of every changed key), who and when.
- Undo of a change writes the "before" values of its fields back, as a new
  change; it is refused (`Conflict`) when a later change touched one of those
  fields, or when the values are no longer what the change left.
- "Still valid" (`confirm`) sets `last_verified` for the offer, which covers
  every language version at once (names and descriptions are translations of
  the same facts); with `translations_reviewed` it also clears the "needs
  review" mark of every translation and the marks of German changes since
  (`directory.reviews`): the editor vouches for their wording.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import changes as changes_feed
from directory import drafts, reviews
from directory.draft_record import from_record, organization_named, to_record
from directory.drafts import Choices
from directory.hsds.writer import write
from directory.models import OfferChange, Service
from directory.records import OfferRecord, read_records


class EditError(Exception):
    """Base of the errors an edit can end with (nothing was written)."""


class NotFound(EditError):
    pass


class Invalid(EditError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Conflict(EditError):
    """The offer changed since the editor loaded it, or an undo no longer fits.

    `reason`: "stale" (version differs), "undone" (already undone), "later" (a later
    change touched the same fields), "changed" (values differ from what the change left),
    "nothing" (a change without fields to undo). `latest` is the last recorded change
    (a plain copy: it outlives the rolled-back session).
    """

    def __init__(self, reason: str, latest: OfferChange | None = None,
                 fields: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason, self.fields = reason, fields
        self.latest = None if latest is None else LastChange(
            latest.id, latest.actor_name, latest.at, latest.action)


@dataclass(frozen=True)
class LastChange:
    id: int
    actor_name: str
    at: dt.datetime
    action: str


@dataclass(frozen=True)
class Actor:
    id: str
    name: str


@dataclass
class Saved:
    offer_id: str
    kommune_id: str | None
    change_id: int | None  # None: nothing changed, no history entry
    changes: list[dict] = field(default_factory=list)
    version: str = ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def version(snapshot: Mapping) -> str:
    """A short hash of the editable fields: changes whenever any of them changes."""
    data = {k: snapshot.get(k) for k in drafts.FIELDS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def diff(before: Mapping, after: Mapping) -> list[dict]:
    """[{"field", "before", "after"}] for every key whose value differs."""
    keys = [k for k in (*drafts.FIELDS, *drafts.EXTRA) if k in before or k in after]
    return [{"field": k, "before": before.get(k), "after": after.get(k)}
            for k in keys if before.get(k) != after.get(k)]


def load(session: Session, offer_id: str, *, lock: bool = False) -> tuple[OfferRecord, dict]:
    """The offer's record and its draft; `NotFound` if there is none.

    Reading leaves the session without ORM objects (`read_records` expunges them).
    """
    stmt = select(Service.id).where(Service.id == offer_id)
    if lock:
        stmt = stmt.with_for_update()
    if session.scalar(stmt) is None:
        raise NotFound(offer_id)
    record = read_records(session, [offer_id], stored_order=True)[0]
    return record, from_record(record)


def _store(session: Session, record: OfferRecord) -> tuple[OfferRecord, dict]:
    """Write the record (children in the given order) and read it back with its draft."""
    write(session, [record], now=record.last_modified, keep_order=True)
    return load(session, record.id)


def latest_change(session: Session, offer_id: str) -> OfferChange | None:
    return session.scalar(select(OfferChange).where(OfferChange.service_id == offer_id)
                          .order_by(OfferChange.id.desc()).limit(1))


def history(session: Session, offer_id: str) -> list[OfferChange]:
    """The offer's changes, newest first."""
    return list(session.scalars(select(OfferChange).where(OfferChange.service_id == offer_id)
                                .order_by(OfferChange.id.desc())))


def _record(session: Session, r: OfferRecord, actor: Actor, action: str, changes: list[dict],
            undo_of: int | None = None) -> OfferChange:
    entry = OfferChange(service_id=r.id, kommune_id=r.kommune_id, at=_now(),
                        actor_id=actor.id, actor_name=actor.name[:200], action=action,
                        changes=json.loads(json.dumps(changes, default=str)), undo_of=undo_of)
    session.add(entry)
    session.flush()
    changes_feed.record(session, r.id, r.kommune_id, action)  # every process reindexes
    return entry


def _checked(raw: Mapping, choices: Choices) -> dict:
    values, errors = drafts.validate(raw, choices)
    if errors:
        raise Invalid(errors)
    return values


def create(session: Session, raw: Mapping, actor: Actor, choices: Choices) -> Saved:
    """A new offer from a whole draft (keys not given take the defaults of a new offer)."""
    values = _checked({**drafts.empty(), **raw, "status": "active"}, choices)
    org = organization_named(session, values.pop("organization"))
    new = OfferRecord(id=str(uuid.uuid4()), organization=org, name=values["name"],
                      kommune_id=values["kommune_id"], last_modified=_now())
    record, after = _store(session, to_record(session, new, values))
    changes = diff(drafts.empty(), after)
    entry = _record(session, record, actor, "create", changes)
    return Saved(record.id, record.kommune_id, entry.id, changes, version(after))


def _write(session: Session, record: OfferRecord, before: dict, values: Mapping, actor: Actor,
           action: str, undo_of: int | None = None) -> Saved:
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if not changed:
        return Saved(record.id, record.kommune_id, None, [], version(before))
    changed_record = replace(to_record(session, record, changed), last_modified=_now())
    record, after = _store(session, changed_record)
    changes = diff(before, after)
    entry = _record(session, record, actor, action, changes, undo_of)
    return Saved(record.id, record.kommune_id, entry.id, changes, version(after))


def update(session: Session, offer_id: str, raw: Mapping, actor: Actor, choices: Choices,
           expected_version: str | None) -> Saved:
    """Change the keys of `raw`; `Conflict` if the offer is not at `expected_version`."""
    record, before = load(session, offer_id, lock=True)
    if expected_version is not None and expected_version != version(before):
        raise Conflict("stale", latest_change(session, offer_id))
    merged = {**{k: before[k] for k in ("scope", "kommune_id") if k not in raw}, **raw}
    values = _checked(merged, choices)
    values = {k: v for k, v in values.items() if k in raw}
    return _write(session, record, before, values, actor, "update")


def set_status(session: Session, offer_id: str, status: str, actor: Actor,
               expected_version: str | None = None) -> Saved:
    """Archive (`inactive`: out of search, kept with its history) or restore (`active`)."""
    if status not in drafts.STATUSES:
        raise Invalid({"status": "unknown"})
    record, before = load(session, offer_id, lock=True)
    if expected_version is not None and expected_version != version(before):
        raise Conflict("stale", latest_change(session, offer_id))
    action = "archive" if status == "inactive" else "restore"
    return _write(session, record, before, {"status": status}, actor, action)


def confirm(session: Session, offer_id: str, actor: Actor, day: dt.date,
            translations_reviewed: bool = False) -> Saved:
    """"Still valid": the offer in all its languages checked on `day` (see module doc)."""
    record, before = load(session, offer_id, lock=True)
    values: dict = {"last_verified": day.isoformat()}
    if translations_reviewed:
        for key in drafts.TRANSLATION_KEYS:
            if before.get(key) and before[key]["needs_review"]:
                values[key] = {**before[key], "needs_review": False}
    saved = _write(session, record, before, values, actor, "verify")
    if translations_reviewed:
        reviews.clear(session, offer_id)  # and the marks of German changes since
    return saved


def undo(session: Session, change_id: int, actor: Actor, offer_id: str | None = None) -> Saved:
    """Put back what change `change_id` changed, as a new change (see module doc)."""
    entry = session.get(OfferChange, change_id)
    if entry is None or (offer_id is not None and entry.service_id != offer_id):
        raise NotFound(str(change_id))
    record, before = load(session, entry.service_id, lock=True)
    latest = latest_change(session, record.id)
    if entry.undone_by is not None:
        raise Conflict("undone", latest)
    fields = tuple(c["field"] for c in entry.changes)
    if entry.action == "create" or not fields:
        raise Conflict("nothing", latest)
    later = session.scalars(select(OfferChange).where(OfferChange.service_id == record.id,
                                                      OfferChange.id > entry.id))
    touched = {c["field"] for e in later for c in e.changes} & set(fields)
    if touched:
        raise Conflict("later", latest, tuple(sorted(touched)))
    current = json.loads(json.dumps({f: before.get(f) for f in fields}, default=str))
    if any(current[c["field"]] != c["after"] for c in entry.changes):
        raise Conflict("changed", latest, fields)
    values = {c["field"]: c["before"] for c in entry.changes}
    saved = _write(session, record, before, values, actor, "undo", undo_of=entry.id)
    undone = session.get(OfferChange, change_id)  # writing left the session empty
    if undone is not None:
        undone.undone_by = saved.change_id
        session.flush()
    return saved


def stale_condition(day: dt.date, months: int = 12):
    """SQL: an active offer not verified for `months` before `day` (or never)."""
    limit = _months_before(day, months)
    return (Service.status == "active") & (
        Service.last_verified.is_(None) | (Service.last_verified < limit))


def stale(session: Session, day: dt.date, kommune_id: str | None = None,
          months: int = 12, *, all_kommunen: bool = False,
          limit: int | None = None) -> list[Service]:
    """Active offers not verified for `months` before `day` (or never), oldest first."""
    stmt = (select(Service).where(stale_condition(day, months))
            .order_by(Service.last_verified.is_not(None), Service.last_verified, Service.name)
            .limit(limit))
    if not all_kommunen:
        stmt = stmt.where(Service.kommune_id == kommune_id)
    return list(session.scalars(stmt))


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
