"""The demo directory: a fictional Kommune `demo` plus real nationwide services.

`data/demo_offers.json` holds the offers as plain data (German texts written
for this project, visibly fictional phone numbers and addresses, some
translations). Loading is idempotent: every row gets a stable id from its key.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import (
    Address,
    Attribute,
    Gemeinde,
    Kommune,
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

DEMO_FILE = Path(__file__).parent / "data" / "demo_offers.json"
DEMO_KOMMUNE = "demo"


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def load_demo(session: Session, data: dict | None = None) -> int:
    """Load (or re-load) the demo directory; returns the number of offers."""
    data = data or demo_data()
    k = data["kommune"]
    session.merge(
        Kommune(
            id=k["id"],
            name=k["name"],
            kind=k["kind"],
            regierungsbezirk=k["regierungsbezirk"],
            ags=None,
            sample=True,
        )
    )
    session.flush()
    for g in k["gemeinden"]:
        session.merge(Gemeinde(id=g["id"], name=g["name"], kommune_id=k["id"], status=g["status"]))
    session.flush()
    terms = {t.code: t.id for t in session.scalars(select(TaxonomyTerm))}
    for offer in data["offers"]:
        upsert_offer(session, offer, k["id"], terms)
    session.flush()
    return len(data["offers"])


def backfill_office_kinds(session: Session, data: dict | None = None) -> int:
    """Give demo offers loaded before `office_kind` existed their office kind (idempotent).

    Only offers of the demo file whose office kind is still empty are touched; returns
    how many were set.
    """
    data = data or demo_data()
    kinds = {stable_id(f"service:{o['key']}"): o["office_kind"]
             for o in data["offers"] if o.get("office_kind")}
    changed = 0
    for svc in session.scalars(select(Service).where(Service.id.in_(list(kinds)),
                                                     Service.office_kind.is_(None))):
        svc.office_kind = kinds[svc.id]
        changed += 1
    session.flush()
    return changed


def upsert_offer(session: Session, o: dict, kommune_id: str, terms: dict[str, str]) -> Service:
    """Write one offer given as plain data (the demo file's format)."""
    org = o["organization"]
    org_id = stable_id(f"org:{org['key']}")
    session.merge(
        Organization(
            id=org_id,
            name=org["name"],
            description=org.get("description", ""),
            website=org.get("website"),
        )
    )
    sid = stable_id(f"service:{o['key']}")
    old = session.get(Service, sid)
    if old is not None:  # replace the offer with its children
        session.delete(old)
        session.execute(Attribute.__table__.delete().where(Attribute.link_id == sid))
        session.flush()
    national = o.get("scope") == "national"
    svc = Service(
        id=sid,
        organization_id=org_id,
        name=o["name"],
        description=o["description"],
        url=org.get("website"),
        email=o.get("email"),
        fees_description=o.get("cost"),
        kommune_id=None if national else kommune_id,
        scope="national" if national else "kommune",
        legal_domain=o.get("legal_domain"),
        min_age=o.get("min_age"),
        max_age=o.get("max_age"),
        residence_statuses=list(o.get("residence_statuses") or []),
        office_kind=o.get("office_kind"),
        appointment_only=bool(o.get("appointment_only")),
        temporarily_closed=bool(o.get("temporarily_closed")),
        last_verified=dt.date(2026, 11, 1),
    )
    key = o["key"]
    svc.translations = [
        ServiceTranslation(
            id=stable_id(f"tr:{key}:{lang}"), lang=lang, name=t["name"],
            description=t.get("description", ""),
        )
        for lang, t in sorted((o.get("translations") or {}).items())
    ]
    if o.get("phone"):
        svc.phones = [Phone(id=stable_id(f"phone:{key}"), number=o["phone"])]
    svc.languages = [
        Language(id=stable_id(f"lang:{key}:{c}"), code=c) for c in o.get("languages") or []
    ]
    svc.schedules = [
        Schedule(
            id=stable_id(f"sched:{key}:{i}"),
            byday=",".join(s["days"]),
            opens_at=s["opens"],
            closes_at=s["closes"],
        )
        for i, s in enumerate(o.get("schedule") or [])
    ]
    svc.service_areas = [
        ServiceArea(id=stable_id(f"area:{key}:{g}"), gemeinde_id=g)
        for g in o.get("gemeinden") or []
    ]
    loc = o.get("location")
    if loc:
        lid = stable_id(f"loc:{loc['key']}")
        if session.get(Location, lid) is None:
            location = Location(
                id=lid, name=loc.get("name"), latitude=loc.get("latitude"),
                longitude=loc.get("longitude"),
            )
            location.addresses = [
                Address(
                    id=stable_id(f"addr:{loc['key']}"),
                    address_1=loc["street"],
                    city=loc["city"],
                    postal_code=loc["postal_code"],
                )
            ]
            session.add(location)
            session.flush()
        svc.service_at_locations = [
            ServiceAtLocation(id=stable_id(f"sal:{key}:{loc['key']}"), location_id=lid)
        ]
    session.add(svc)
    session.flush()
    for code in o["categories"]:
        session.add(
            Attribute(
                id=stable_id(f"attr:{key}:{code}"),
                link_id=sid,
                link_type="service",
                link_entity="service",
                taxonomy_term_id=terms[code],
            )
        )
    return svc
