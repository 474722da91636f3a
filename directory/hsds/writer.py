"""Write records into the store in bulk, inside the caller's one transaction.

Each incoming record is compared with the stored one (`read_records`); only
new and changed offers are written, so re-importing a file changes nothing.
Rows go in with executemany (`insert`/`update` of many parameter sets), in
chunks, children of a changed offer are replaced as a whole. Organisations
and locations are shared: upserted by id. Nothing is committed here; the
caller's transaction makes the import all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from directory import reviews
from directory.models import (
    Address,
    Attribute,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTranslation,
    TaxonomyTerm,
    stable_id,
)
from directory.records import OfferRecord, chunks, normalised, read_records

CHUNK = 1000
CHILD_TABLES = (ServiceTranslation, Phone, Contact, Schedule, Language, ServiceArea,
                ServiceAtLocation)


@dataclass
class WriteResult:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def touched(self) -> list[str]:
        return self.new + self.changed


def _existing_ids(s: Session, model, ids: list[str]) -> set[str]:
    out: set[str] = set()
    for part in chunks(ids):
        out.update(s.scalars(select(model.id).where(model.id.in_(part))))
    return out


def _upsert(s: Session, model, rows: list[dict]) -> None:
    if not rows:
        return
    old = _existing_ids(s, model, [r["id"] for r in rows])
    for part in chunks([r for r in rows if r["id"] in old], CHUNK):
        s.execute(update(model), part)
    for part in chunks([r for r in rows if r["id"] not in old], CHUNK):
        s.execute(insert(model), part)


def _service_row(r: OfferRecord, now: dt.datetime) -> dict:
    return {
        "id": r.id, "organization_id": r.organization.id, "name": r.name,
        "description": r.description, "url": r.url, "email": r.email, "status": r.status,
        "fees_description": r.fees_description, "kommune_id": r.kommune_id, "scope": r.scope,
        "legal_domain": r.legal_domain, "min_age": r.min_age, "max_age": r.max_age,
        "residence_statuses": list(r.residence_statuses), "office_kind": r.office_kind,
        "appointment_only": r.appointment_only, "temporarily_closed": r.temporarily_closed,
        "last_verified": r.last_verified, "last_modified": r.last_modified or now,
    }


def _children(r: OfferRecord, terms: dict[str, str]) -> dict:
    sid = r.id
    return {
        ServiceTranslation: [{"id": stable_id(f"tr:{sid}:{t.lang}"), "service_id": sid,
                              "lang": t.lang, "name": t.name, "description": t.description,
                              "needs_review": t.needs_review} for t in r.translations],
        Phone: [{"id": p.id, "service_id": sid, "number": p.number, "type": p.type,
                 "description": p.description} for p in r.phones],
        Contact: [{"id": c.id, "service_id": sid, "name": c.name, "title": c.title,
                   "email": c.email} for c in r.contacts],
        Schedule: [{"id": x.id, "service_id": sid, "freq": x.freq, "byday": x.byday,
                    "opens_at": x.opens_at, "closes_at": x.closes_at,
                    "description": x.description} for x in r.schedules],
        Language: [{"id": x.id, "service_id": sid, "code": x.code, "name": x.name}
                   for x in r.languages],
        ServiceArea: [{"id": a.id, "service_id": sid, "gemeinde_id": a.gemeinde_id,
                       "name": a.name} for a in r.areas],
        ServiceAtLocation: [{"id": x.id, "service_id": sid, "location_id": x.place.id}
                            for x in r.locations],
        Attribute: [{"id": c.id, "link_id": sid, "link_type": "service",
                     "link_entity": "service", "taxonomy_term_id": terms[c.code]}
                    for c in r.categories],
    }


def plan(s: Session, records: list[OfferRecord], stored: dict[str, OfferRecord] | None = None,
         *, keep_order: bool = False) -> tuple[WriteResult, list[OfferRecord], set[str]]:
    """Which records are new, changed or unchanged (nothing written): the dry run's figures.

    `stored`: the stored records of these ids (canonical order) when the caller has read
    them already. The records to write come back in canonical order, or with `keep_order`
    with their children as given (an editor's order, which the pages show).
    """
    result = WriteResult()
    if stored is None:
        stored = {r.id: r for r in read_records(s, [r.id for r in records])}
    todo = []
    for given in records:
        r = normalised(given)
        if stored.get(r.id) == r:
            result.unchanged += 1
        else:
            todo.append(given if keep_order else r)
            (result.changed if r.id in stored else result.new).append(r.id)
    s.expunge_all()
    return result, todo, set(stored)


def write(s: Session, records: list[OfferRecord], *, now: dt.datetime | None = None,
          stored: dict[str, OfferRecord] | None = None, keep_order: bool = False,
          progress: Callable[[int, int], None] | None = None) -> WriteResult:
    """Write new and changed offers; returns which ones (the index updates those).

    Children go in in canonical order, or with `keep_order` in the order given.
    """
    now = now or dt.datetime.now(dt.UTC)
    if stored is None:  # kept: the German changes mark translations for review (below)
        stored = {r.id: r for r in read_records(s, [r.id for r in records])}
    before = stored
    result, todo, stored = plan(s, records, stored, keep_order=keep_order)
    if not todo:
        return result
    terms = {t.code: t.id for t in s.scalars(select(TaxonomyTerm))}
    orgs = {r.organization.id: r.organization for r in todo}
    _upsert(s, Organization, [{"id": o.id, "name": o.name, "description": o.description,
                               "website": o.website, "email": o.email}
                              for o in orgs.values()])
    places = {x.place.id: x.place for r in todo for x in r.locations}
    _upsert(s, Location, [{"id": p.id, "name": p.name, "location_type": p.location_type,
                           "latitude": p.latitude, "longitude": p.longitude,
                           "gemeinde_id": p.gemeinde_id} for p in places.values()])
    for part in chunks(list(places)):
        s.execute(delete(Address).where(Address.location_id.in_(part)))
    addresses = [{"id": a.id, "location_id": p.id, "address_1": a.address_1, "city": a.city,
                  "region": a.region, "state_province": a.state_province,
                  "postal_code": a.postal_code, "country": a.country,
                  "address_type": a.address_type}
                 for p in places.values() for a in p.addresses]
    for part in chunks(addresses, CHUNK):
        s.execute(insert(Address), part)
    changed = [r.id for r in todo if r.id in stored]
    for part in chunks(changed):
        for model in CHILD_TABLES:
            s.execute(delete(model).where(model.service_id.in_(part)))
        s.execute(delete(Attribute).where(Attribute.link_id.in_(part),
                                          Attribute.link_type == "service"))
    done = 0
    for part in chunks(todo, CHUNK):
        rows = [_service_row(r, now) for r in part]
        old = [row for row in rows if row["id"] in stored]
        if old:
            s.execute(update(Service), old)
        new = [row for row in rows if row["id"] not in stored]
        if new:
            s.execute(insert(Service), new)
        children: dict = {}
        for r in part:
            for model, child_rows in _children(r, terms).items():
                children.setdefault(model, []).extend(child_rows)
        for model, child_rows in children.items():
            if child_rows:
                s.execute(insert(model), child_rows)
        done += len(part)
        if progress:
            progress(done, len(todo))
    reviews.note(s, before, todo, now)
    s.expire_all()
    return result
