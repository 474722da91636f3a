"""A Kommune's offers as the spreadsheet template, and reading such a sheet back safely.

`offer_rows` writes records in the template's columns (one row per offer, the
offer id in the ID column, opening hours as German text, one "Name (xx)" /
"Beschreibung (xx)" column pair for each of the 14 UI languages besides German
and any further language in use), so a Kommune can edit its directory in a
spreadsheet program and upload it again. Each row carries the offer's last
change ("Zuletzt geändert") and the time of the export ("Exportiert am"): a
row older than the offer's last change is a conflict on re-import
(`directory.hsds.conflicts`), never a silent overwrite.

The sheet has no columns for some stored details (the provider's description
and e-mail, a location's coordinates and Gemeinde, contacts, phone types,
"needs review" marks, the archive status). `keep_stored` fills those in from
the stored offer when a row names an existing offer, and reuses the stored
child ids where the row says the same, so an unedited sheet imports unchanged
and an edited one changes only what was edited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from directory.hsds.hours import format_hours
from directory.hsds.sheet import COLUMNS, TRANSLATION_LANGS, Column, headers
from directory.records import OfferRecord


def columns_for(records: list[OfferRecord]) -> list[Column]:
    """The template's columns plus a name/description pair per further language in use."""
    extra = sorted({t.lang for r in records for t in r.translations} - set(TRANSLATION_LANGS))
    return list(COLUMNS) + [
        Column(f"{kind}:{lang}", f"{head} ({lang})", False, "", "")
        for lang in extra for kind, head in (("name", "Name"), ("description", "Beschreibung"))]


def _yes(flag: bool) -> str:
    return "ja" if flag else "nein"


def stamp(value: dt.datetime | None) -> str | None:
    """A time as the sheet writes it (RFC 3339, UTC, to the microsecond, as stored)."""
    return value.astimezone(dt.UTC).isoformat() if value else None


def row(r: OfferRecord, gemeinde_names: dict[str, str],
        exported: dt.datetime | None = None) -> dict[str, object]:
    """One record as {column key: cell}."""
    place = r.locations[0].place if r.locations else None
    addr = place.addresses[0] if place and place.addresses else None
    out: dict[str, object] = {
        "id": r.id, "name": r.name, "description": r.description,
        "organization": r.organization.name, "organization_website": r.organization.website,
        "kommune": r.kommune_id, "gemeinden": ", ".join(
            gemeinde_names.get(a.gemeinde_id, a.gemeinde_id) for a in r.areas if a.gemeinde_id),
        "topics": ", ".join(c.code for c in r.categories), "min_age": r.min_age,
        "max_age": r.max_age, "statuses": ", ".join(r.residence_statuses),
        "legal_domain": r.legal_domain, "office_kind": r.office_kind,
        "location_name": place.name if place else None,
        "street": addr.address_1 if addr else None,
        "postal_code": addr.postal_code if addr else None, "city": addr.city if addr else None,
        "phones": "; ".join(p.number for p in r.phones), "email": r.email, "url": r.url,
        "hours": format_hours([(tuple(x.byday.split(",")), x.opens_at, x.closes_at)
                               for x in r.schedules], r.appointment_only),
        "appointment_only": _yes(r.appointment_only),
        "temporarily_closed": _yes(r.temporarily_closed),
        "languages": ", ".join(x.code for x in r.languages), "cost": r.fees_description,
        "last_verified": r.last_verified.strftime("%d.%m.%Y") if r.last_verified else None,
        "last_modified": stamp(r.last_modified), "exported": stamp(exported),
    }
    for t in r.translations:
        out[f"name:{t.lang}"] = t.name
        out[f"description:{t.lang}"] = t.description
    return out


def offer_rows(records: list[OfferRecord], gemeinde_names: dict[str, str],
               exported: dt.datetime | None = None) -> tuple[list[str], list[list]]:
    """(header row, rows) of the offers in the template's format; `exported`: now."""
    cols = columns_for(records)
    exported = exported or dt.datetime.now(dt.UTC)
    rows = []
    for r in records:
        values = row(r, gemeinde_names, exported)
        rows.append(["" if values.get(c.key) is None else values[c.key] for c in cols])
    return headers(cols), rows


def _same(new: tuple, old: tuple, key) -> tuple:
    """The new children, each replaced by the stored one that says the same (its id kept)."""
    stored = {key(x): x for x in old}
    return tuple(stored.get(key(x), x) for x in new)


def keep_stored(new: OfferRecord, old: OfferRecord) -> OfferRecord:
    """A sheet row's record completed from the stored offer (see module doc)."""
    org = new.organization
    if org.name == old.organization.name:
        org = replace(old.organization, website=org.website)

    def address(at):
        a = at.place.addresses[0] if at.place.addresses else None
        return (a.address_1, a.postal_code, a.city) if a else None

    places = tuple(
        replace(same, place=replace(same.place, name=at.place.name))
        if (same := next((o for o in old.locations if address(o) == address(at)), None))
        else at for at in new.locations)
    translations = tuple(
        next((o for o in old.translations if (o.lang, o.name, o.description)
              == (t.lang, t.name, t.description)), t) for t in new.translations)
    return replace(
        new, organization=org, status=old.status, contacts=old.contacts, locations=places,
        translations=translations,
        phones=_same(new.phones, old.phones, lambda p: p.number),
        schedules=_same(new.schedules, old.schedules,
                        lambda x: (x.byday, x.opens_at, x.closes_at)),
        languages=_same(new.languages, old.languages, lambda x: x.code),
        areas=_same(new.areas, old.areas, lambda a: a.gemeinde_id),
        categories=_same(new.categories, old.categories, lambda c: c.code))
