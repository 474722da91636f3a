"""The directory store: opening the database and reading offers as plain records.

`Store` wraps one engine. `Offer` is the read model every other part uses
(the search index, the pages, the API): one frozen record per service with
its organisation, address, phones, schedules, languages, categories,
translations and target group already joined in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, or_, select, text

from directory.db import WriteHealth, make_engine, make_sessionmaker, migrate
from directory.hsds.records import service_query
from directory.models import (
    Attribute,
    Gemeinde,
    Kommune,
    Service,
    TaxonomyTerm,
)
from directory.reference import load_reference


@dataclass(frozen=True)
class Slot:
    days: tuple[str, ...]  # RFC 5545 BYDAY codes: MO TU WE TH FR SA SU
    opens: str  # "09:00"
    closes: str  # "12:00"; "24:00" = until midnight


@dataclass(frozen=True)
class Offer:
    id: str
    name: str
    description: str
    organization: str
    kommune_id: str | None  # None for nationwide services
    scope: str  # "kommune" | "national"
    gemeinde_ids: tuple[str, ...] = ()  # () = the whole Kommune
    categories: tuple[str, ...] = ()
    legal_domain: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    residence_statuses: tuple[str, ...] = ()
    office_kind: str | None = None
    languages: tuple[str, ...] = ()
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phones: tuple[str, ...] = ()
    email: str | None = None
    url: str | None = None
    schedule: tuple[Slot, ...] = ()
    appointment_only: bool = False
    temporarily_closed: bool = False
    cost: str | None = None
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    last_verified: dt.date | None = None

    def text_in(self, lang: str) -> tuple[str, str, str]:
        """(name, description, language of that text): translated if there is one."""
        if lang in self.translations and lang != "de":
            name, desc = self.translations[lang]
            return name, desc, lang
        return self.name, self.description, "de"


class Store:
    """One database: schema migration, reference data, offer queries."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.session = make_sessionmaker(self.engine)
        self.writes = WriteHealth(self.engine, self.session)

    def init(self) -> None:
        """Migrate the schema and (re)load the NRW reference data."""
        migrate(self.engine)
        self.load_reference()

    def load_reference(self) -> None:
        """(Re)load the NRW reference data (Kommunen, Gemeinden) into a migrated schema."""
        with self.session.begin() as s:
            load_reference(s)

    def load_demo_if_empty(self) -> bool:
        from directory.demo import load_demo

        with self.session.begin() as s:
            if s.scalar(select(func.count(Service.id))):
                return False
            load_demo(s)
        return True

    def ping(self) -> bool:
        with self.engine.connect() as c:
            return c.execute(text("SELECT 1")).scalar() == 1

    # --- reads ---------------------------------------------------------------

    def kommunen(self) -> list[Kommune]:
        with self.session() as s:
            return list(s.scalars(select(Kommune).order_by(Kommune.sample.desc(), Kommune.name)))

    def kommune(self, kommune_id: str) -> Kommune | None:
        with self.session() as s:
            return s.get(Kommune, kommune_id)

    def gemeinden(self, kommune_id: str | None = None) -> list[Gemeinde]:
        with self.session() as s:
            q = select(Gemeinde).order_by(Gemeinde.name)
            if kommune_id:
                q = q.where(Gemeinde.kommune_id == kommune_id)
            return list(s.scalars(q))

    def offer_counts(self) -> dict[str, int]:
        """Active offers per Kommune id ("national" for nationwide services)."""
        with self.session() as s:
            rows = s.execute(
                select(func.coalesce(Service.kommune_id, "national"), func.count(Service.id))
                .where(Service.status == "active")
                .group_by(Service.kommune_id)
            )
            return {k: n for k, n in rows}

    def offers(self, kommune_id: str | None = None, ids: list[str] | None = None, *,
               archived: bool = False) -> list[Offer]:
        """Active offers (all, one Kommune's plus the nationwide ones, or by id);
        `archived=True` includes the archived ones (the editors' preview)."""
        with self.session() as s:
            q = service_query().order_by(Service.name, Service.id)
            if not archived:
                q = q.where(Service.status == "active")
            if kommune_id:
                q = q.where(or_(Service.kommune_id == kommune_id, Service.scope == "national"))
            if ids is not None:
                q = q.where(Service.id.in_(ids))
            services = list(s.scalars(q))
            cats: dict[str, list[str]] = {}
            cat_query = (
                select(Attribute.link_id, TaxonomyTerm.code)
                .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
                .where(Attribute.link_type == "service")
                .order_by(Attribute.link_id, TaxonomyTerm.code)
            )
            if ids is not None:  # one offer saved: not every offer's topics
                cat_query = cat_query.where(Attribute.link_id.in_(ids))
            rows = s.execute(cat_query)
            for link_id, code in rows:
                cats.setdefault(link_id, []).append(code)
            return [_offer(svc, cats.get(svc.id, [])) for svc in services]

    def directory_hash(self) -> str:
        """A hash of every active offer's content (changes when any offer changes)."""
        h = hashlib.sha256()
        for o in self.offers():
            h.update(json.dumps(asdict(o), sort_keys=True, default=str).encode())
        return h.hexdigest()


def _offer(svc: Service, categories: list[str]) -> Offer:
    loc = svc.service_at_locations[0].location if svc.service_at_locations else None
    addr = loc.addresses[0] if loc and loc.addresses else None
    return Offer(
        id=svc.id,
        name=svc.name,
        description=svc.description,
        organization=svc.organization.name,
        kommune_id=svc.kommune_id,
        scope=svc.scope,
        gemeinde_ids=tuple(a.gemeinde_id for a in svc.service_areas if a.gemeinde_id),
        categories=tuple(categories),
        legal_domain=svc.legal_domain,
        min_age=svc.min_age,
        max_age=svc.max_age,
        residence_statuses=tuple(svc.residence_statuses or ()),
        office_kind=svc.office_kind,
        languages=tuple(lang.code for lang in svc.languages),
        street=addr.address_1 if addr else None,
        postal_code=addr.postal_code if addr else None,
        city=addr.city if addr else None,
        latitude=loc.latitude if loc else None,
        longitude=loc.longitude if loc else None,
        phones=tuple(p.number for p in svc.phones),
        email=svc.email,
        url=svc.url,
        schedule=tuple(
            Slot(tuple(x.byday.split(",")), x.opens_at, x.closes_at) for x in svc.schedules
        ),
        appointment_only=svc.appointment_only,
        temporarily_closed=svc.temporarily_closed,
        cost=svc.fees_description,
        translations={t.lang: (t.name, t.description) for t in svc.translations},
        last_verified=svc.last_verified,
    )
