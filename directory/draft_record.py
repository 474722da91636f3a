"""A draft and the record of an offer: the edit form's flat view of `OfferRecord`, both ways.

The editors work on drafts (`directory.drafts`: flat keys, validated), but an
offer is stored only as its record: `from_record` gives the draft of a record
(read with `stored_order=True`, so lists keep the order an editor typed) and
`to_record` puts the given keys of a validated draft into the record, which
`directory.hsds.writer.write` stores like every import and the demo. No
second reader or writer of the store.

Rows an edit leaves as they were keep their ids. A location whose content
changed becomes a new location: locations can be shared by several offers,
so an edit never changes another offer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import drafts
from directory.models import Organization
from directory.records import (
    Addr,
    Area,
    AtLocation,
    Category,
    ContactRec,
    LanguageRec,
    LocationRec,
    OfferRecord,
    Org,
    PhoneRec,
    Slot,
    Translation,
)

R = TypeVar("R")

#: draft key -> record field, for the scalars stored on the offer itself
SCALAR_FIELDS = {key: ("fees_description" if key == "cost" else key)
                 for key in drafts.SCALARS if key != "organization"}


def _new_id() -> str:
    return str(uuid.uuid4())


def location_row(p: LocationRec) -> dict:
    """A location as the form's row: the place and its first address."""
    addr = p.addresses[0] if p.addresses else None
    return {"name": p.name, "street": addr.address_1 if addr else None,
            "postal_code": addr.postal_code if addr else None,
            "city": addr.city if addr else None, "gemeinde_id": p.gemeinde_id,
            "latitude": p.latitude, "longitude": p.longitude}


def from_record(r: OfferRecord) -> dict:
    """The offer as a draft (plus `last_verified`)."""
    d: dict = {key: getattr(r, f) for key, f in SCALAR_FIELDS.items()}
    d["residence_statuses"] = list(r.residence_statuses)
    d["organization"] = r.organization.name
    d["gemeinden"] = [a.gemeinde_id for a in r.areas if a.gemeinde_id]
    d["topics"] = sorted(c.code for c in r.categories)
    d["languages"] = [x.code for x in r.languages]
    d["locations"] = [location_row(x.place) for x in r.locations]
    d["contacts"] = [{"name": c.name, "title": c.title, "email": c.email} for c in r.contacts]
    d["phones"] = [{"number": p.number, "description": p.description} for p in r.phones]
    d["schedule"] = [{"days": x.byday.split(","), "opens": x.opens_at, "closes": x.closes_at}
                     for x in r.schedules]
    d.update(dict.fromkeys(drafts.TRANSLATION_KEYS))
    for t in r.translations:
        if f"tr.{t.lang}" in d:
            d[f"tr.{t.lang}"] = {"name": t.name, "description": t.description,
                                 "needs_review": t.needs_review}
    d["last_verified"] = r.last_verified.isoformat() if r.last_verified else None
    return d


def organization_named(session: Session, name: str) -> Org:
    """The organisation of this name as stored (a new one if there is none)."""
    o = session.scalar(select(Organization).where(Organization.name == name).limit(1))
    if o is None:
        return Org(_new_id(), name)
    return Org(o.id, o.name, o.description or "", o.website, o.email)


def _locations(old: tuple[AtLocation, ...], rows: list[dict]) -> tuple[AtLocation, ...]:
    by_content: dict[str, AtLocation] = {}
    for x in old:
        by_content.setdefault(repr(sorted(location_row(x.place).items())), x)
    links = []
    for row in rows:
        kept = by_content.pop(repr(sorted(row.items())), None)
        if kept is None:
            place = LocationRec(_new_id(), row["name"], latitude=row["latitude"],
                                longitude=row["longitude"], gemeinde_id=row["gemeinde_id"],
                                addresses=(Addr(_new_id(), row["street"], row["city"],
                                                row["postal_code"]),))
            kept = AtLocation(_new_id(), place)
        links.append(kept)
    return tuple(links)


def _rows(old: tuple[R, ...], rows: list[dict], content: Callable[[R], tuple],
          make: Callable[[str, dict], R]) -> tuple[R, ...]:
    """New rows from the draft's: an unchanged one (same `content`) keeps its record."""
    by_content: dict[tuple, list[R]] = {}
    for x in old:
        by_content.setdefault(content(x), []).append(x)
    out = []
    for row in rows:
        same = by_content.get(content(make("", row)))
        out.append(same.pop(0) if same else make(_new_id(), row))
    return tuple(out)


def _translations(old: tuple[Translation, ...], lang: str,
                  value: dict | None) -> tuple[Translation, ...]:
    new = None if value is None else Translation(lang, value["name"], value["description"],
                                                 value["needs_review"])
    out = [t for t in old if t.lang != lang or new is not None]
    if new is not None:
        at = next((i for i, t in enumerate(out) if t.lang == lang), None)
        if at is None:
            out.append(new)
        else:
            out[at] = new
    return tuple(out)


def to_record(session: Session, r: OfferRecord, values: Mapping) -> OfferRecord:
    """The record with the given keys of a (validated) draft put in."""
    f: dict = {}
    for key, value in values.items():
        if key in SCALAR_FIELDS:
            f[SCALAR_FIELDS[key]] = value
        elif key == "organization":
            if r.organization.name != value:
                f["organization"] = organization_named(session, value)
        elif key == "residence_statuses":
            f["residence_statuses"] = tuple(value)
        elif key == "gemeinden":
            keep = {a.gemeinde_id: a for a in r.areas}
            f["areas"] = tuple(keep.get(g) or Area(_new_id(), g) for g in value)
        elif key == "topics":
            keep_c = {c.code: c for c in r.categories}
            f["categories"] = tuple(keep_c.get(c) or Category(_new_id(), c) for c in value)
        elif key == "languages":
            keep_l = {x.code: x for x in r.languages}
            f["languages"] = tuple(keep_l.get(c) or LanguageRec(_new_id(), c) for c in value)
        elif key == "locations":
            f["locations"] = _locations(r.locations, value)
        elif key == "contacts":
            f["contacts"] = _rows(r.contacts, value, lambda c: (c.name, c.title, c.email),
                                  lambda i, c: ContactRec(i, c["name"], c["title"], c["email"]))
        elif key == "phones":
            f["phones"] = _rows(r.phones, value, lambda p: (p.number, p.description),
                                lambda i, p: PhoneRec(i, p["number"],
                                                      description=p["description"]))
        elif key == "schedule":
            f["schedules"] = _rows(r.schedules, value,
                                   lambda x: (x.byday, x.opens_at, x.closes_at),
                                   lambda i, x: Slot(i, ",".join(x["days"]), x["opens"],
                                                     x["closes"]))
        elif key.startswith("tr."):
            f["translations"] = _translations(f.get("translations", r.translations), key[3:],
                                              value)
        elif key == "last_verified":
            f["last_verified"] = dt.date.fromisoformat(value) if value else None
        else:
            raise KeyError(key)
    return replace(r, **f)
