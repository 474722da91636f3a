"""The demo directory: a fictional Kommune `demo` plus real nationwide services.

`data/demo_offers.json` holds the offers as plain data (German texts written
for this project, visibly fictional phone numbers and addresses, translations
in all 14 UI languages, those made with machine help marked "needs review").
Each offer becomes an `OfferRecord` and goes through the same
bulk writer as every import (`directory.hsds.writer`); loading is idempotent:
every row gets a stable id from its key, and unchanged offers are left alone.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hsds.writer import write
from directory.models import Gemeinde, Kommune, Service, stable_id
from directory.records import (
    Addr,
    Area,
    AtLocation,
    Category,
    LanguageRec,
    LocationRec,
    OfferRecord,
    Org,
    PhoneRec,
    Slot,
    Translation,
    read_records,
)

DEMO_FILE = Path(__file__).parent / "data" / "demo_offers.json"
DEMO_KOMMUNE = "demo"
VERIFIED = dt.date(2026, 11, 1)


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def load_demo_kommune(session: Session, data: dict | None = None) -> str:
    """The fictional demo Kommune and its Gemeinden (no offers); returns its id."""
    k = (data or demo_data())["kommune"]
    session.merge(Kommune(id=k["id"], name=k["name"], kind=k["kind"],
                          regierungsbezirk=k["regierungsbezirk"], ags=None, sample=True))
    session.flush()
    for g in k["gemeinden"]:
        session.merge(Gemeinde(id=g["id"], name=g["name"], kommune_id=k["id"], status=g["status"]))
    session.flush()
    return k["id"]


def load_demo(session: Session, data: dict | None = None) -> int:
    """Load (or re-load) the demo directory; returns the number of offers."""
    data = data or demo_data()
    kommune_id = load_demo_kommune(session, data)
    write(session, [demo_record(o, kommune_id) for o in data["offers"]])
    return len(data["offers"])


def backfill_office_kinds(session: Session, data: dict | None = None) -> int:
    """Give demo offers loaded before `office_kind` existed their office kind (idempotent).

    Only offers of the demo file whose office kind is still empty are touched; returns
    how many were set.
    """
    data = data or demo_data()
    kinds = {stable_id(f"service:{o['key']}"): o["office_kind"]
             for o in data["offers"] if o.get("office_kind")}
    ids = list(session.scalars(select(Service.id).where(Service.id.in_(list(kinds)),
                                                        Service.office_kind.is_(None))))
    if not ids:
        return 0
    records = read_records(session, ids, stored_order=True)
    write(session, [replace(r, office_kind=kinds[r.id]) for r in records], keep_order=True)
    return len(records)


def verified_on(o: dict) -> dt.date | None:
    """The day the entry's contact data was checked against its `source`. A nationwide
    entry without one stays unverified (None, shown as such); the fictional local offers
    carry the demo file's date."""
    if o.get("verified_on"):
        return dt.date.fromisoformat(o["verified_on"])
    return None if o.get("scope") == "national" else VERIFIED


def demo_record(o: dict, kommune_id: str) -> OfferRecord:
    """One offer of the demo file as a record (ids derived from its keys)."""
    org, key = o["organization"], o["key"]
    national = o.get("scope") == "national"
    loc = o.get("location")
    locations = ()
    if loc:
        lid = stable_id(f"loc:{loc['key']}")
        place = LocationRec(lid, loc.get("name"), latitude=loc.get("latitude"),
                      longitude=loc.get("longitude"), addresses=(
                          Addr(stable_id(f"addr:{loc['key']}"), loc["street"], loc["city"],
                               loc["postal_code"]),))
        locations = (AtLocation(stable_id(f"sal:{key}:{loc['key']}"), place),)
    return OfferRecord(
        id=stable_id(f"service:{key}"),
        organization=Org(stable_id(f"org:{org['key']}"), org["name"],
                         org.get("description", ""), org.get("website")),
        # a nationwide line's `source` is the page its contact data was checked on
        name=o["name"], description=o["description"], url=o.get("source") or org.get("website"),
        email=o.get("email"), fees_description=o.get("cost"),
        kommune_id=None if national else kommune_id,
        scope="national" if national else "kommune", legal_domain=o.get("legal_domain"),
        min_age=o.get("min_age"), max_age=o.get("max_age"),
        residence_statuses=tuple(o.get("residence_statuses") or ()),
        office_kind=o.get("office_kind"), appointment_only=bool(o.get("appointment_only")),
        temporarily_closed=bool(o.get("temporarily_closed")), last_verified=verified_on(o),
        translations=tuple(Translation(lang, t["name"], t.get("description", ""),
                                       bool(t.get("needs_review")))
                           for lang, t in sorted((o.get("translations") or {}).items())),
        phones=tuple(PhoneRec(stable_id(f"phone:{key}" + (f":{i}" if i else "")), number)
                     for i, number in enumerate(o.get("phones") or
                                                ([o["phone"]] if o.get("phone") else []))),
        languages=tuple(LanguageRec(stable_id(f"lang:{key}:{c}"), c)
                        for c in o.get("languages") or []),
        schedules=tuple(Slot(stable_id(f"sched:{key}:{i}"), ",".join(x["days"]), x["opens"],
                             x["closes"]) for i, x in enumerate(o.get("schedule") or [])),
        areas=tuple(Area(stable_id(f"area:{key}:{g}"), g) for g in o.get("gemeinden") or []),
        locations=locations,
        categories=tuple(Category(stable_id(f"attr:{key}:{c}"), c) for c in o["categories"]),
    )
