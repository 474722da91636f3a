"""`OfferRecord`: one offer with everything that belongs to it, as plain frozen data.

The one record of an offer, and `read_records` its one reader from the store
(`directory.hsds.writer.write` is the one writer). Every import format (HSDS
JSON, the CSV data package, the spreadsheet) and the demo file are read into
records, every export format is written from records, the editors' drafts are
a flat view of a record (`directory.drafts`), and the read model of pages and
search (`directory.store.Offer`) is made from records. So the mappings are
written once and the writer can tell an unchanged offer by equality
(`last_modified` does not take part in the comparison).

Children come in two orders: canonical (sorted by id, `normalised`: what
imports compare and exports write) or as stored (`stored_order=True`: the
order an editor typed, which the pages show; topics, which have no order, by code).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import (
    Attribute,
    Location,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    TranslationReview,
)

CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    description: str = ""
    website: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Addr:
    id: str
    address_1: str
    city: str
    postal_code: str
    region: str | None = "Nordrhein-Westfalen"
    state_province: str = "NW"
    country: str = "DE"
    address_type: str = "physical"


@dataclass(frozen=True)
class LocationRec:
    id: str
    name: str | None = None
    location_type: str = "physical"
    latitude: float | None = None
    longitude: float | None = None
    gemeinde_id: str | None = None
    addresses: tuple[Addr, ...] = ()


@dataclass(frozen=True)
class Translation:
    lang: str
    name: str
    description: str = ""
    needs_review: bool = False
    #: fields whose German text changed since (`directory.reviews`); not part of equality
    review: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class PhoneRec:
    id: str
    number: str
    type: str | None = "voice"
    description: str | None = None


@dataclass(frozen=True)
class ContactRec:
    id: str
    name: str | None = None
    title: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Slot:
    """A weekly opening slot (HSDS schedule)."""

    id: str
    byday: str  # RFC 5545 BYDAY codes, "MO,TU" (MO TU WE TH FR SA SU)
    opens_at: str  # "09:00"
    closes_at: str  # "12:00"; "24:00" = until midnight
    freq: str = "WEEKLY"
    description: str | None = None

    @property
    def days(self) -> tuple[str, ...]:
        return tuple(self.byday.split(",")) if self.byday else ()


@dataclass(frozen=True)
class LanguageRec:
    id: str
    code: str
    name: str | None = None


@dataclass(frozen=True)
class Area:
    id: str
    gemeinde_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class AtLocation:
    id: str  # service_at_location id
    place: LocationRec


@dataclass(frozen=True)
class Category:
    id: str  # attribute id
    code: str  # topic code


@dataclass(frozen=True)
class OfferRecord:
    id: str
    organization: Org
    name: str
    description: str = ""
    url: str | None = None
    email: str | None = None
    status: str = "active"
    fees_description: str | None = None
    kommune_id: str | None = None
    scope: str = "kommune"
    legal_domain: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    residence_statuses: tuple[str, ...] = ()
    office_kind: str | None = None
    appointment_only: bool = False
    temporarily_closed: bool = False
    last_verified: dt.date | None = None
    translations: tuple[Translation, ...] = ()
    phones: tuple[PhoneRec, ...] = ()
    contacts: tuple[ContactRec, ...] = ()
    schedules: tuple[Slot, ...] = ()
    languages: tuple[LanguageRec, ...] = ()
    areas: tuple[Area, ...] = ()
    locations: tuple[AtLocation, ...] = ()
    categories: tuple[Category, ...] = ()
    last_modified: dt.datetime | None = field(default=None, compare=False)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


_WEEK = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def slot_order(x: Slot) -> tuple:
    """Weekly slots in week order (first day, opening time), then by id."""
    first = min((_WEEK.index(d) for d in x.byday.split(",") if d in _WEEK), default=7)
    return (first, x.opens_at, x.closes_at, x.id)


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _as_stored(items: Iterable, key: Callable) -> Iterable:
    """`sorted`'s stand-in when children stay in the order they are stored."""
    return items


def _record(svc: Service, cats: list[Category], stored_order: bool = False,
            review: dict[str, tuple[str, ...]] | None = None) -> OfferRecord:
    o = svc.organization
    review = review or {}
    sort = _as_stored if stored_order else sorted
    return OfferRecord(
        id=svc.id,
        organization=Org(o.id, o.name, o.description or "", o.website, o.email),
        name=svc.name, description=svc.description or "", url=svc.url, email=svc.email,
        status=svc.status, fees_description=svc.fees_description, kommune_id=svc.kommune_id,
        scope=svc.scope, legal_domain=svc.legal_domain, min_age=svc.min_age,
        max_age=svc.max_age, residence_statuses=tuple(svc.residence_statuses or ()),
        office_kind=svc.office_kind, appointment_only=bool(svc.appointment_only),
        temporarily_closed=bool(svc.temporarily_closed), last_verified=svc.last_verified,
        translations=tuple(sort(
            (Translation(t.lang, t.name, t.description or "", bool(t.needs_review),
                         review.get(t.lang, ()))
             for t in svc.translations), key=lambda t: t.lang)),
        phones=tuple(sort((PhoneRec(p.id, p.number, p.type, p.description)
                           for p in svc.phones), key=lambda p: p.id)),
        contacts=tuple(sort((ContactRec(c.id, c.name, c.title, c.email)
                             for c in svc.contacts), key=lambda c: c.id)),
        schedules=tuple(sort((Slot(x.id, x.byday, x.opens_at, x.closes_at, x.freq,
                                   x.description) for x in svc.schedules), key=slot_order)),
        languages=tuple(sort((LanguageRec(x.id, x.code, x.name) for x in svc.languages),
                             key=lambda x: x.id)),
        areas=tuple(sort((Area(a.id, a.gemeinde_id, a.name) for a in svc.service_areas),
                         key=lambda a: a.id)),
        locations=tuple(sort((AtLocation(sal.id, _place(sal.location, sort))
                              for sal in svc.service_at_locations), key=lambda x: x.id)),
        categories=tuple(sorted(cats, key=(lambda c: c.code if stored_order else c.id))),
        last_modified=utc(svc.last_modified),
    )


def _place(loc: Location, sort: Callable = sorted) -> LocationRec:
    return LocationRec(
        loc.id, loc.name, loc.location_type, loc.latitude, loc.longitude, loc.gemeinde_id,
        tuple(sort((Addr(a.id, a.address_1, a.city, a.postal_code, a.region,
                         a.state_province, a.country, a.address_type)
                    for a in loc.addresses), key=lambda a: a.id)))


def normalised(r: OfferRecord) -> OfferRecord:
    """The record with its children in the order `read_records` gives them."""
    from dataclasses import replace

    return replace(
        r, translations=tuple(sorted(r.translations, key=lambda t: t.lang)),
        phones=tuple(sorted(r.phones, key=lambda p: p.id)),
        contacts=tuple(sorted(r.contacts, key=lambda c: c.id)),
        schedules=tuple(sorted(r.schedules, key=slot_order)),
        languages=tuple(sorted(r.languages, key=lambda x: x.id)),
        areas=tuple(sorted(r.areas, key=lambda a: a.id)),
        locations=tuple(sorted(
            (AtLocation(x.id, replace(x.place, addresses=tuple(
                sorted(x.place.addresses, key=lambda a: a.id)))) for x in r.locations),
            key=lambda x: x.id)),
        categories=tuple(sorted(r.categories, key=lambda c: c.id)),
    )


def service_query():
    """Services with every child the read models need, loaded in a few IN queries."""
    return select(Service).options(
        selectinload(Service.organization),
        selectinload(Service.translations),
        selectinload(Service.phones),
        selectinload(Service.contacts),
        selectinload(Service.languages),
        selectinload(Service.schedules),
        selectinload(Service.service_areas),
        selectinload(Service.service_at_locations)
        .selectinload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
    )


def _categories(s: Session, ids: Iterable[str]) -> dict[str, list[Category]]:
    out: dict[str, list[Category]] = {}
    for part in chunks(list(ids)):
        rows = s.execute(
            select(Attribute.link_id, Attribute.id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(Attribute.link_type == "service", Attribute.link_id.in_(part)))
        for link_id, attr_id, code in rows:
            out.setdefault(link_id, []).append(Category(attr_id, code))
    return out


def _review_marks(s: Session, ids: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """{offer id: {lang: fields whose German text changed since}} (`directory.reviews`)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    rows = s.execute(select(TranslationReview.service_id, TranslationReview.lang,
                            TranslationReview.field)
                     .where(TranslationReview.service_id.in_(ids))
                     .order_by(TranslationReview.field.desc()))  # "name" before "description"
    for sid, lang, f in rows:
        by_lang = out.setdefault(sid, {})
        by_lang[lang] = (*by_lang.get(lang, ()), f)
    return out


def read_records(s: Session, ids: list[str] | None = None, *, kommune_id: str | None = None,
                 active_only: bool = False, stored_order: bool = False) -> list[OfferRecord]:
    """Offers as records: by id, or all (of one Kommune), ordered by name and id.

    Children in canonical order, or with `stored_order` as stored (see module doc).
    Read in chunks; each chunk's ORM objects leave the session once they are records,
    so a large directory is never held twice in memory.
    """
    if ids is None:
        q = select(Service.id).order_by(Service.name, Service.id)
        if kommune_id:
            q = q.where(Service.kommune_id == kommune_id)
        if active_only:
            q = q.where(Service.status == "active")
        ids = list(s.scalars(q))
    out: list[OfferRecord] = []
    for part in chunks(ids):
        services = list(s.scalars(service_query().where(Service.id.in_(part))))
        cats = _categories(s, [x.id for x in services])
        review = _review_marks(s, [x.id for x in services])
        out += [_record(x, cats.get(x.id, []), stored_order, review.get(x.id))
                for x in services]
        s.expunge_all()
    out.sort(key=lambda r: (r.name, r.id))
    return out
