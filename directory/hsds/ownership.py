"""Whose rows an import may write: every nested record of a row checked against the store.

An import bound to a Kommune (an editor's upload, `lotse import --kommune`) may
create and change that Kommune's offers only, and with them only the shared
records (providers, places) that no other Kommune's or nationwide offer uses
(SEC-22). The writer upserts organizations and locations by id and inserts the
children of an offer (addresses, phones, contacts, schedules, languages, areas,
places, topics) with the ids of the file, so an id taken from another offer
would change someone else's data or break the write. `check` names each such
row and field in German; the rows with errors are dropped from the report, so
nothing is applied.

Independent of the Kommune, the same child id twice in one file, or a child id
the store keeps for another offer, is an error too (it would fail the write).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hsds.checks import Problem
from directory.models import (
    Address,
    Attribute,
    Contact,
    Language,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from directory.records import OfferRecord, chunks

#: per child kind: (model, German name, HSDS field, sheet column, ids of a record)
CHILDREN = (
    (Phone, "die Telefonnummer", "phones", "Telefon", lambda r: [p.id for p in r.phones]),
    (Contact, "die Kontaktperson", "contacts", "", lambda r: [c.id for c in r.contacts]),
    (Schedule, "die Öffnungszeit", "schedules", "Öffnungszeiten",
     lambda r: [x.id for x in r.schedules]),
    (Language, "die Sprache", "languages", "Sprachen", lambda r: [x.id for x in r.languages]),
    (ServiceArea, "das Gebiet", "service_areas", "Gemeinden", lambda r: [a.id for a in r.areas]),
    (ServiceAtLocation, "die Standort-Zuordnung", "service_at_locations", "Standort",
     lambda r: [x.id for x in r.locations]),
    (Attribute, "das Thema", "attributes", "Themen", lambda r: [c.id for c in r.categories]),
)
SHEET_FIELDS = {"organization": "Träger", "location": "Standort",
                "address": "Straße und Hausnummer"}
HSDS_FIELDS = {"organization": "organization.id",
               "location": "service_at_locations.location.id",
               "address": "service_at_locations.location.addresses.id"}


def _field(kind: str, sheet: bool) -> str:
    return (SHEET_FIELDS if sheet else HSDS_FIELDS)[kind]


def _owner_text(owners: set[str | None]) -> str:
    names = sorted(f"'{o}'" for o in owners if o)
    if None in owners:
        names.append("bundesweite Angebote")
    return ", ".join(names)


def _pairs(s: Session, stmt_of, ids: Iterable[str]) -> dict[str, set]:
    """id -> set of the second column, for ids in chunks."""
    out: dict[str, set] = defaultdict(set)
    for part in chunks(sorted(set(ids))):
        for key, value in s.execute(stmt_of(part)):
            out[key].add(value)
    return out


class _Checker:
    def __init__(self, s: Session, records: list[OfferRecord], places: dict[str, str],
                 kommune_id: str | None, sheet: bool):
        self.s, self.records, self.places = s, records, places
        self.kommune_id, self.sheet = kommune_id, sheet
        self.problems: list[Problem] = []
        self.file_ids = {r.id for r in records}

    def error(self, r: OfferRecord, field: str, message: str) -> None:
        self.problems.append(Problem(self.places.get(r.id, ""), field, message))

    def owners(self, owners: dict[str, set], oid: str) -> set:
        """The Kommunen (None = nationwide) of stored offers outside this import's Kommune."""
        return {k for k in owners.get(oid, set()) if k != self.kommune_id}

    def shared(self) -> None:
        """Providers and places: no other Kommune's (or nationwide) offer may use them."""
        if not self.kommune_id:
            return
        org_owners = _pairs(self.s, lambda part: select(
            Service.organization_id, Service.kommune_id).where(
            Service.organization_id.in_(part)), [r.organization.id for r in self.records])
        loc_ids = [x.place.id for r in self.records for x in r.locations]
        loc_owners = _pairs(self.s, lambda part: select(
            ServiceAtLocation.location_id, Service.kommune_id).join(
            Service, Service.id == ServiceAtLocation.service_id).where(
            ServiceAtLocation.location_id.in_(part)), loc_ids)
        for r in self.records:
            other = self.owners(org_owners, r.organization.id)
            if other:
                self.error(r, _field("organization", self.sheet),
                           f"der Träger {r.organization.id} gehört auch zu Angeboten von "
                           f"{_owner_text(other)} und kann hier nicht verwendet oder "
                           "geändert werden")
            for x in r.locations:
                other = self.owners(loc_owners, x.place.id)
                if other:
                    self.error(r, _field("location", self.sheet),
                               f"der Standort {x.place.id} gehört auch zu Angeboten von "
                               f"{_owner_text(other)} und kann hier nicht verwendet oder "
                               "geändert werden")

    def addresses(self) -> None:
        """An address id belongs to one place: the file's own, or a place of this file."""
        file_places = {x.place.id for r in self.records for x in r.locations}
        seen: dict[str, str] = {}
        for r in self.records:
            for x in r.locations:
                for a in x.place.addresses:
                    if seen.setdefault(a.id, x.place.id) != x.place.id:
                        self.error(r, _field("address", self.sheet),
                                   f"die Adresse {a.id} steht in der Datei bei mehreren "
                                   "Standorten")
        stored = _pairs(self.s, lambda part: select(Address.id, Address.location_id).where(
            Address.id.in_(part)), list(seen))
        for r in self.records:
            for x in r.locations:
                for a in x.place.addresses:
                    at = stored.get(a.id, set())
                    if at and not at <= file_places:
                        self.error(r, _field("address", self.sheet),
                                   f"die Adresse {a.id} gehört zu einem anderen Standort "
                                   "und kann hier nicht verwendet oder geändert werden")

    def children(self) -> None:
        """Child ids: once in the file, and in the store only for this offer (or another
        offer of this file, whose children the import replaces)."""
        for model, what, hsds_field, column, ids_of in CHILDREN:
            field = column if self.sheet else hsds_field
            first: dict[str, str] = {}
            for r in self.records:
                for cid in ids_of(r):
                    if first.setdefault(cid, r.id) != r.id or ids_of(r).count(cid) > 1:
                        self.error(r, field, f"{what} mit der ID {cid} steht mehrfach in der "
                                             "Datei (jede ID nur einmal)")
            link = Attribute.link_id if model is Attribute else model.service_id  # type: ignore[union-attr]
            stored = _pairs(self.s, lambda part, m=model, k=link: select(m.id, k).where(
                m.id.in_(part)), list(first))
            for r in self.records:
                for cid in ids_of(r):
                    elsewhere = stored.get(cid, set()) - self.file_ids
                    if elsewhere:
                        self.error(r, field, f"{what} mit der ID {cid} gehört zu einem "
                                             "anderen Angebot und kann hier nicht verwendet "
                                             "oder geändert werden")


def check(s: Session, records: list[OfferRecord], places: dict[str, str],
          kommune_id: str | None, *, sheet: bool = False) -> list[Problem]:
    """The problems of `records` (see module doc); `places`: record id -> row name."""
    checker = _Checker(s, records, places, kommune_id, sheet)
    checker.shared()
    checker.addresses()
    checker.children()
    unique = list(dict.fromkeys(checker.problems))
    return unique
