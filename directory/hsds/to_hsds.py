"""Records -> HSDS 3.1 JSON objects (fully nested `service`, `organization`, taxonomies).

Empty values are left out (HSDS types do not allow null), times are RFC 3339
in UTC, the NRW profile goes into `attributes` (see `profile`). The topic
taxonomy terms come from the store (`topic_terms`), keyed by code.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hsds import profile
from directory.models import Taxonomy, TaxonomyTerm
from directory.records import LocationRec, OfferRecord, Org


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != ""}


def timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def topic_terms(s: Session) -> dict[str, dict]:
    """Topic taxonomy terms as HSDS objects, by code."""
    names = {t.id: t.name for t in s.scalars(select(Taxonomy))}
    return {t.code: _clean({"id": t.id, "code": t.code, "name": t.name,
                            "description": t.description or t.name,
                            "taxonomy": names.get(t.taxonomy_id), "taxonomy_id": t.taxonomy_id,
                            "language": "de"})
            for t in s.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.code))}


def taxonomies(s: Session) -> list[dict]:
    """Every taxonomy: the topics of the store and the `kim-lotse` profile."""
    out = [_clean({"id": t.id, "name": t.name, "description": t.description or t.name,
                   "uri": t.uri, "version": t.version})
           for t in s.scalars(select(Taxonomy).order_by(Taxonomy.name))]
    return out + [profile.taxonomy()]


def all_terms(s: Session) -> list[dict]:
    return list(topic_terms(s).values()) + [profile.term_object(t)
                                            for t in profile.TERMS.values()]


def organization(o: Org) -> dict:
    return _clean({"id": o.id, "name": o.name, "description": o.description or o.name,
                   "email": o.email, "website": o.website})


def location(p: LocationRec) -> dict:
    out = _clean({"id": p.id, "location_type": p.location_type, "name": p.name,
                  "latitude": p.latitude, "longitude": p.longitude})
    out["addresses"] = [_clean({"id": a.id, "location_id": p.id, "address_1": a.address_1,
                                "city": a.city, "region": a.region,
                                "state_province": a.state_province,
                                "postal_code": a.postal_code, "country": a.country,
                                "address_type": a.address_type})
                        for a in p.addresses]
    if p.gemeinde_id:
        out["attributes"] = [profile.attribute("kim-gemeinde", p.id, p.gemeinde_id,
                                               entity="location")]
    return out


def _profile_attributes(r: OfferRecord) -> list[dict]:
    a = profile.attribute
    out = []
    if r.kommune_id:
        out.append(a("kim-kommune", r.id, r.kommune_id))
    out.append(a("kim-scope", r.id, r.scope))
    for t in r.translations:
        out.append(a("kim-translation-name", r.id, t.name, t.lang))
        if t.description:
            out.append(a("kim-translation-description", r.id, t.description, t.lang))
        if t.needs_review:
            out.append(a("kim-translation-needs-review", r.id, "true", t.lang))
    for status in r.residence_statuses:
        out.append(a("kim-residence-status", r.id, status))
    if r.legal_domain:
        out.append(a("kim-legal-domain", r.id, r.legal_domain))
    if r.office_kind:
        out.append(a("kim-office-kind", r.id, r.office_kind))
    if r.appointment_only:
        out.append(a("kim-appointment-only", r.id, "true"))
    return out


def status(r: OfferRecord) -> str:
    if r.status == "active" and r.temporarily_closed:
        return "temporarily closed"
    return r.status


def service_list_item(r: OfferRecord) -> dict:
    """The one-to-one fields of a service (HSDS `service_list`)."""
    return _clean({
        "id": r.id, "organization_id": r.organization.id, "name": r.name,
        "description": r.description, "url": r.url, "email": r.email, "status": status(r),
        "fees_description": r.fees_description, "minimum_age": r.min_age,
        "maximum_age": r.max_age,
        "assured_date": r.last_verified.isoformat() if r.last_verified else None,
        "last_modified": timestamp(r.last_modified),
    })


def service(r: OfferRecord, terms: dict[str, dict]) -> dict:
    """A fully nested HSDS `service` object."""
    out = service_list_item(r)
    out["organization"] = organization(r.organization)
    out["phones"] = [_clean({"id": p.id, "service_id": r.id, "number": p.number,
                             "type": p.type, "description": p.description}) for p in r.phones]
    out["contacts"] = [_clean({"id": c.id, "service_id": r.id, "name": c.name,
                               "title": c.title, "email": c.email}) for c in r.contacts]
    out["schedules"] = [_clean({"id": x.id, "service_id": r.id, "freq": x.freq,
                                "byday": x.byday, "opens_at": x.opens_at,
                                "closes_at": x.closes_at, "description": x.description})
                        for x in r.schedules]
    out["languages"] = [_clean({"id": x.id, "service_id": r.id, "code": x.code,
                                "name": x.name}) for x in r.languages]
    out["service_areas"] = [
        _clean({"id": a.id, "service_id": r.id, "name": a.name}) | (
            {"attributes": [profile.attribute("kim-gemeinde", a.id, a.gemeinde_id)]}
            if a.gemeinde_id else {})
        for a in r.areas]
    out["service_at_locations"] = [
        {"id": x.id, "service_id": r.id, "location_id": x.place.id,
         "location": location(x.place)} for x in r.locations]
    topics = [_clean({"id": c.id, "link_id": r.id, "taxonomy_term_id": terms[c.code]["id"],
                      "link_type": "service", "link_entity": "service",
                      "taxonomy_term": terms[c.code]})
              for c in r.categories if c.code in terms]
    out["attributes"] = topics + _profile_attributes(r)
    return out


def organization_full(o: Org, services: list[dict]) -> dict:
    """A fully nested HSDS `organization` with its services (one-to-one fields only)."""
    return organization(o) | {"services": services}
