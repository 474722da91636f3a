"""The HSDS 3.1 API under /api/v1/hsds/: the public directory as Open Referral objects.

Read-only, public directory data only (active offers; no referral, no staff
data). Lists come in the HSDS Page shape (`total_items`, `total_pages`,
`page_number`, `size`, `first_page`, `last_page`, `empty`, `contents`) with
`page`, `per_page` (bounded by `LOTSE_HSDS_MAX_PER_PAGE`), `search`,
`taxonomy_term_id`, `organization_id`, `modified_after` and our `kommune`.
Objects follow `schema/compiled/` of HSDS 3.1 with the `kim-lotse` profile
(directory/hsds/PROFILE.md). Unknown ids give 404 JSON, bad parameters 422.
"""

from __future__ import annotations

import datetime as dt
import math

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from app.i18n import gettext as _
from app.web.openapi import IsoDateTime, QueryBool, QueryInt
from directory.hsds import profile, to_hsds
from directory.models import (
    Attribute,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceTranslation,
)
from directory.records import read_records

router = APIRouter(prefix="/api/v1/hsds", tags=["hsds"])
HSDS_VERSION = "3.1"

PAGE = Query(1, alias="page", ge=1, le=1_000_000, description="Page number, from 1")
PER_PAGE = Query(50, ge=1, description="Items per page (at most LOTSE_HSDS_MAX_PER_PAGE)")
SEARCH = Query(None, max_length=200, description="Words in name or description")
TERM = Query(None, max_length=60, description="Only items with this taxonomy term id")
ORG = Query(None, max_length=60, description="Only services of this organization id")
MODIFIED = Query(None, description="Only services changed after this time (RFC 3339)")
KOMMUNE = Query(None, max_length=60, description="Only offers of this Kommune (profile)")
FULL = Query(False, description="Fully nested services instead of their one-to-one fields")

#: profile terms as conditions on service columns (topic terms go through attributes)
PROFILE_FILTERS = {
    "kim-kommune": lambda: Service.kommune_id.is_not(None),
    "kim-scope": lambda: true(),
    "kim-legal-domain": lambda: Service.legal_domain.is_not(None),
    "kim-office-kind": lambda: Service.office_kind.is_not(None),
    "kim-appointment-only": lambda: Service.appointment_only.is_(True),
    "kim-translation-name": lambda: Service.id.in_(select(ServiceTranslation.service_id)),
    "kim-translation-description": lambda: Service.id.in_(
        select(ServiceTranslation.service_id)),
    "kim-translation-needs-review": lambda: Service.id.in_(
        select(ServiceTranslation.service_id).where(ServiceTranslation.needs_review.is_(True))),
}


def _store(request: Request):
    return request.app.state.services.store


def _per_page(request: Request, per_page: int) -> int:
    limit = request.app.state.settings.hsds_max_per_page
    if per_page > limit:
        raise HTTPException(422, _("Some input is not valid.") + f" per_page <= {limit}")
    return per_page


def page(items: list, total: int, number: int, per_page: int) -> dict:
    pages = max(1, math.ceil(total / per_page))
    return {"total_items": total, "total_pages": pages, "page_number": number,
            "size": len(items), "first_page": number == 1, "last_page": number >= pages,
            "empty": not items, "contents": items}


def _utc_param(s: Session, value: dt.datetime) -> dt.datetime:
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.replace(tzinfo=None) if s.bind.dialect.name == "sqlite" else value


def _service_filter(s: Session, search, term, org, modified, kommune) -> list:
    cond = [Service.status == "active"]
    if search:
        cond.append(or_(Service.name.icontains(search, autoescape=True),
                        Service.description.icontains(search, autoescape=True)))
    if term:
        prof = profile.by_id().get(term)
        if prof is not None:
            cond.append(PROFILE_FILTERS.get(prof.code, lambda: Service.id.is_not(None))())
        else:
            cond.append(Service.id.in_(select(Attribute.link_id).where(
                Attribute.taxonomy_term_id == term)))
    if org:
        cond.append(Service.organization_id == org)
    if modified:
        cond.append(Service.last_modified > _utc_param(s, modified))
    if kommune:
        cond.append(Service.kommune_id == kommune)
    return cond


def _service_page(s: Session, cond: list, number: int, per_page: int) -> tuple[list, int]:
    total = s.scalar(select(func.count(Service.id)).where(*cond)) or 0
    ids = list(s.scalars(select(Service.id).where(*cond).order_by(Service.name, Service.id)
                         .offset((number - 1) * per_page).limit(per_page)))
    return read_records(s, ids), total


@router.get("/", summary="About this HSDS API")
def about(request: Request):
    base = str(request.base_url).rstrip("/")
    return {"version": HSDS_VERSION,
            "profile": f"{base}/api/v1/hsds/taxonomies/{profile.TAXONOMY_ID}",
            "openapi_url": f"{base}/api/openapi.json"}


@router.get("/services", summary="Services (Page)")
def services(request: Request, page_number: QueryInt = PAGE,
             per_page: QueryInt = PER_PAGE, search: str | None = SEARCH,
             taxonomy_term_id: str | None = TERM, organization_id: str | None = ORG,
             modified_after: IsoDateTime | None = MODIFIED, kommune: str | None = KOMMUNE,
             full: QueryBool = FULL):
    per_page = _per_page(request, per_page)
    with _store(request).session() as s:
        cond = _service_filter(s, search, taxonomy_term_id, organization_id, modified_after,
                               kommune)
        records, total = _service_page(s, cond, page_number, per_page)
        terms = to_hsds.topic_terms(s) if full else {}
    items = [to_hsds.service(r, terms) if full else to_hsds.service_list_item(r)
             for r in records]
    return page(items, total, page_number, per_page)


@router.get("/services/{service_id}", summary="One service, fully nested")
def service(request: Request, service_id: str):
    with _store(request).session() as s:
        records = read_records(s, [service_id[:60]])
        if not records or records[0].status != "active":
            raise HTTPException(404, _("Not found."))
        return to_hsds.service(records[0], to_hsds.topic_terms(s))


def _orgs_with_services(search: str | None):
    q = select(Organization).where(Organization.id.in_(
        select(Service.organization_id).where(Service.status == "active")))
    if search:
        q = q.where(or_(Organization.name.icontains(search, autoescape=True),
                        Organization.description.icontains(search, autoescape=True)))
    return q


def _org(o: Organization) -> dict:
    from directory.records import Org

    return to_hsds.organization(Org(o.id, o.name, o.description or "", o.website, o.email))


@router.get("/organizations", summary="Organizations (Page)")
def organizations(request: Request, page_number: QueryInt = PAGE, per_page: QueryInt = PER_PAGE,
        search: str | None = SEARCH):
    per_page = _per_page(request, per_page)
    with _store(request).session() as s:
        q = _orgs_with_services(search)
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        orgs = list(s.scalars(q.order_by(Organization.name, Organization.id)
                              .offset((page_number - 1) * per_page).limit(per_page)))
        return page([_org(o) for o in orgs], total, page_number, per_page)


@router.get("/organizations/{organization_id}", summary="One organization with its services")
def organization(request: Request, organization_id: str):
    with _store(request).session() as s:
        org = s.scalar(_orgs_with_services(None).where(
            Organization.id == organization_id[:60]))
        if org is None:
            raise HTTPException(404, _("Not found."))
        ids = list(s.scalars(select(Service.id).where(Service.organization_id == org.id,
                                                      Service.status == "active")))
        items = [to_hsds.service_list_item(r) for r in read_records(s, ids)]
        return _org(org) | {"services": items}


@router.get("/service_at_locations", summary="Services at locations (Page)")
def service_at_locations(request: Request, page_number: QueryInt = PAGE,
        per_page: QueryInt = PER_PAGE,
        search: str | None = SEARCH, taxonomy_term_id: str | None = TERM,
        organization_id: str | None = ORG, modified_after: IsoDateTime | None = MODIFIED,
        kommune: str | None = KOMMUNE):
    per_page = _per_page(request, per_page)
    with _store(request).session() as s:
        cond = _service_filter(s, search, taxonomy_term_id, organization_id, modified_after,
                               kommune)
        q = (select(ServiceAtLocation.id, ServiceAtLocation.service_id)
             .join(Service, Service.id == ServiceAtLocation.service_id).where(*cond))
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = list(s.execute(q.order_by(Service.name, ServiceAtLocation.id)
                              .offset((page_number - 1) * per_page).limit(per_page)))
        records = {r.id: r for r in read_records(s, list({sid for _, sid in rows}))}
    items = []
    for sal_id, sid in rows:
        r = records[sid]
        at = next(x for x in r.locations if x.id == sal_id)
        items.append({"id": at.id, "service_id": sid, "location_id": at.place.id,
                      "location": to_hsds.location(at.place),
                      "service": to_hsds.service_list_item(r)})
    return page(items, total, page_number, per_page)


@router.get("/service_at_locations/{sal_id}", summary="One service at a location")
def service_at_location(request: Request, sal_id: str):
    with _store(request).session() as s:
        sid = s.scalar(select(ServiceAtLocation.service_id).where(
            ServiceAtLocation.id == sal_id[:60]))
        records = read_records(s, [sid]) if sid else []
        if not records or records[0].status != "active":
            raise HTTPException(404, _("Not found."))
        terms = to_hsds.topic_terms(s)
    r = records[0]
    at = next(x for x in r.locations if x.id == sal_id[:60])
    return {"id": at.id, "service_id": r.id, "location_id": at.place.id,
            "location": to_hsds.location(at.place), "service": to_hsds.service(r, terms)}


@router.get("/taxonomies", summary="Taxonomies (Page)")
def taxonomies(request: Request, page_number: QueryInt = PAGE, per_page: QueryInt = PER_PAGE,
        search: str | None = SEARCH):
    per_page = _per_page(request, per_page)
    with _store(request).session() as s:
        items = to_hsds.taxonomies(s)
    return _listed(items, search, page_number, per_page)


def _one(request: Request, listing, object_id: str) -> dict:
    with _store(request).session() as s:
        found = [t for t in listing(s) if t["id"] == object_id]
    if not found:
        raise HTTPException(404, _("Not found."))
    return found[0]


@router.get("/taxonomies/{taxonomy_id}", summary="One taxonomy")
def taxonomy(request: Request, taxonomy_id: str):
    return _one(request, to_hsds.taxonomies, taxonomy_id)


@router.get("/taxonomy_terms", summary="Taxonomy terms (Page)")
def taxonomy_terms(request: Request, page_number: QueryInt = PAGE, per_page: QueryInt = PER_PAGE,
        search: str | None = SEARCH,
        taxonomy_id: str | None = Query(None, max_length=60, description="Only this taxonomy")):
    per_page = _per_page(request, per_page)
    with _store(request).session() as s:
        items = [t for t in to_hsds.all_terms(s)
                 if not taxonomy_id or t.get("taxonomy_id") == taxonomy_id]
    return _listed(items, search, page_number, per_page)


@router.get("/taxonomy_terms/{term_id}", summary="One taxonomy term")
def taxonomy_term(request: Request, term_id: str):
    return _one(request, to_hsds.all_terms, term_id)


def _listed(items: list[dict], search: str | None, number: int, per_page: int) -> dict:
    if search:
        folded = search.casefold()
        items = [t for t in items if folded in (t.get("name", "") + " " +
                                                t.get("description", "")).casefold()]
    start = (number - 1) * per_page
    return page(items[start:start + per_page], len(items), number, per_page)
