"""The directory store: opening the database and reading offers as the pages' read model.

`Store` wraps one engine. `Offer` is the read model every other part uses
(the search index, the pages, the API): one frozen, flat value per service
with its organisation, address, phones, schedules, languages, categories,
translations and target group already joined in. It is made from the one
record of an offer (`directory.records.OfferRecord`, read by `read_records`,
children in the order they are stored) by `offer_of`; nothing else reads
offers for the pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, or_, select, text

from directory import changes
from directory.db import (
    WriteHealth,
    check_schema,
    make_engine,
    make_sessionmaker,
    migrate,
    schema_lock,
)
from directory.models import Gemeinde, Kommune, Service
from directory.records import OfferRecord, Slot, read_records
from directory.reference import load_reference


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
    #: {lang: translated fields whose German text changed since} (`directory.reviews`)
    review: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
        self._exclusive = 0
        self._known_kommunen: set[str] = set()  # ids found by `kommune_exists`

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """The schema lock: one process at a time migrates or seeds (re-entrant)."""
        if self._exclusive:
            self._exclusive += 1
            try:
                yield
            finally:
                self._exclusive -= 1
            return
        with schema_lock(self.engine):
            self._exclusive = 1
            try:
                yield
            finally:
                self._exclusive = 0

    def init(self, migrate_schema: bool = True) -> None:
        """Migrate the schema (or, with `migrate_schema=False`, raise SchemaOutdated unless
        it is current) and (re)load the NRW reference data, under the schema lock."""
        with self.exclusive():
            if migrate_schema:
                migrate(self.engine)
            else:
                check_schema(self.engine)
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
            changes.record_all(s, "demo")
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

    def kommune_exists(self, kommune_id: str) -> bool:
        """Whether a Kommune of this id exists. Kommunen are reference data, never deleted:
        an id found once is remembered for the process (every search asks, and a session
        with a query costs 2-3 ms of each HTTP search); an unknown id is asked every time,
        so no input grows the memo."""
        if kommune_id in self._known_kommunen:
            return True
        if self.kommune(kommune_id) is None:
            return False
        self._known_kommunen.add(kommune_id)
        return True

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
            q = select(Service.id).order_by(Service.name, Service.id)
            if not archived:
                q = q.where(Service.status == "active")
            if kommune_id:
                q = q.where(or_(Service.kommune_id == kommune_id, Service.scope == "national"))
            if ids is not None:
                q = q.where(Service.id.in_(ids))
            order = list(s.scalars(q))
            found = {r.id: r for r in read_records(s, order, stored_order=True)}
            return [offer_of(found[i]) for i in order]

    def directory_hash(self) -> str:
        """A hash of every active offer's content (changes when any offer changes)."""
        h = hashlib.sha256()
        for o in self.offers():
            h.update(json.dumps(asdict(o), sort_keys=True, default=str).encode())
        return h.hexdigest()


def offer_of(r: OfferRecord) -> Offer:
    """The read model of a record (read with its children in stored order)."""
    place = r.locations[0].place if r.locations else None
    addr = place.addresses[0] if place and place.addresses else None
    return Offer(
        id=r.id,
        name=r.name,
        description=r.description,
        organization=r.organization.name,
        kommune_id=r.kommune_id,
        scope=r.scope,
        gemeinde_ids=tuple(a.gemeinde_id for a in r.areas if a.gemeinde_id),
        categories=tuple(sorted(c.code for c in r.categories)),
        legal_domain=r.legal_domain,
        min_age=r.min_age,
        max_age=r.max_age,
        residence_statuses=r.residence_statuses,
        office_kind=r.office_kind,
        languages=tuple(lang.code for lang in r.languages),
        street=addr.address_1 if addr else None,
        postal_code=addr.postal_code if addr else None,
        city=addr.city if addr else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        phones=tuple(p.number for p in r.phones),
        email=r.email,
        url=r.url,
        schedule=r.schedules,
        appointment_only=r.appointment_only,
        temporarily_closed=r.temporarily_closed,
        cost=r.fees_description,
        translations={t.lang: (t.name, t.description) for t in r.translations},
        last_verified=r.last_verified,
        review={t.lang: t.review for t in r.translations if t.review},
    )
