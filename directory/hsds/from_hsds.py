"""HSDS 3.1 objects -> records, with every problem named by entry and HSDS field.

Reads a nested `service` (as exported, or from any HSDS publisher): its
organization, phones, contacts, schedules, languages, service areas,
locations and attributes. Topic attributes are matched by term id or code;
`kim-lotse` profile attributes fill the NRW fields (PROFILE.md). Ids that are
UUIDs are kept; other ids become stable uuid5 values, so re-importing the same
file gives the same rows. Unknown taxonomies and unsupported parts are notes,
not errors.
"""

from __future__ import annotations

from directory.hsds import checks, profile, shape
from directory.hsds.checks import Context, Findings, Problem, as_uuid
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

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


def _text(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    return str(value).strip() or None


def _time(value, f: Findings, path: str) -> str | None:
    text = str(value or "").strip()
    parts = text.split(":")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
        h, m = int(parts[0]), int(parts[1])
        if h <= 24 and m < 60:
            return f"{h:02d}:{m:02d}"
    f.error(path, f"'{text}' ist keine Uhrzeit (erwartet HH:MM, z. B. 09:00)")
    return None


def _org(obj: dict, ctx: Context, f: Findings) -> Org | None:
    """The nested organization, or the one `organization_id` names (in the store or
    nested in an earlier entry of the file)."""
    org = obj.get("organization")
    if not isinstance(org, dict) or not _text(org, "name"):
        known = ctx.orgs.get(as_uuid(obj.get("organization_id"), "")) \
            if obj.get("organization_id") else None
        if known is None:
            f.error("organization", "Träger fehlt (organization mit name, oder eine bekannte "
                                    "organization_id)")
        return known
    found = Org(as_uuid(org.get("id"), f"org:{org['name']}"), _text(org, "name"),
                _text(org, "description") or "", _text(org, "website"), _text(org, "email"))
    ctx.orgs.setdefault(found.id, found)
    return found


def _attributes(obj: dict, ctx: Context, sid: str, f: Findings):
    topics: list[Category] = []
    prof: list[tuple[str, str, str | None]] = []  # (code, value, label)
    terms = profile.by_id()
    for i, a in enumerate(obj.get("attributes") or []):
        term = a.get("taxonomy_term") or {}
        tid = a.get("taxonomy_term_id") or term.get("id")
        code = term.get("code")
        if tid in terms or (code or "").startswith("kim-") and code in profile.TERMS:
            prof.append((terms[tid].code if tid in terms else code, str(a.get("value") or ""),
                         a.get("label")))
            continue
        topic = ctx.topic(code) if code else None
        if topic is None and tid:
            topic = next((c for c in ctx.topics if tid == checks.stable_id(
                f"taxonomy_term:{c}")), None)
        if topic:
            topics.append(Category(as_uuid(a.get("id"), f"attr:{sid}:{topic}"), topic))
        else:
            f.note(f"attributes[{i}]", f"Thema '{code or tid}' ist nicht in der "
                                       "KIM-Lotse-Taxonomie und wird übergangen")
    return topics, prof


def _profile(prof, ctx: Context, f: Findings) -> dict:
    out: dict = {"residence_statuses": [], "names": {}, "descriptions": {}, "review": set()}
    for code, value, label in prof:
        path = f"attributes[{code}]"
        if code == "kim-kommune":
            out["kommune"] = value
        elif code == "kim-scope":
            if value not in profile.SCOPES:
                f.error(path, f"'{value}' ist keine Reichweite (erwartet kommune oder national)")
            out["scope"] = value
        elif code in ("kim-translation-name", "kim-translation-description",
                      "kim-translation-needs-review"):
            lang = checks.language_code(label or "")
            if not lang:
                f.error(path, f"Sprache '{label}' ist kein Sprachcode (erwartet z. B. en, ar)")
                continue
            if code == "kim-translation-name":
                out["names"][lang] = value
            elif code == "kim-translation-description":
                out["descriptions"][lang] = value
            elif value.lower() == "true":
                out["review"].add(lang)
        elif code == "kim-residence-status":
            status = checks.residence_status(value)
            if status is None:
                f.error(path, f"'{value}' ist kein Aufenthaltsstatus (erwartet: "
                              f"{', '.join(profile.RESIDENCE_STATUSES)})")
            elif status not in out["residence_statuses"]:
                out["residence_statuses"].append(status)
        elif code == "kim-legal-domain":
            out["legal_domain"] = checks.legal_domain(value)
            if out["legal_domain"] == "":
                f.error(path, f"'{value}' ist kein Rechtskreis (erwartet: "
                              f"{', '.join(profile.LEGAL_DOMAINS)})")
        elif code == "kim-office-kind":
            out["office_kind"] = checks.office_kind(value)
            if out["office_kind"] == "":
                f.error(path, f"'{value}' ist keine bekannte Art der Stelle")
        elif code == "kim-appointment-only":
            out["appointment_only"] = value.lower() == "true"
    return out


def _kommune(p: dict, ctx: Context, f: Findings) -> tuple[str | None, str]:
    scope = p.get("scope") or ("kommune" if p.get("kommune") or ctx.kommune_id else "national")
    if scope == "national":
        if not ctx.allow_national:
            f.error("attributes[kim-scope]", "bundesweite Angebote darf nur eine landesweite "
                                             "Redaktion einspielen")
        return None, scope
    given = p.get("kommune")
    kommune = ctx.kommune(given) if given else ctx.kommune_id
    if given and kommune is None:
        f.error("attributes[kim-kommune]", f"Kommune '{given}' ist unbekannt")
    elif ctx.kommune_id and kommune != ctx.kommune_id:
        f.error("attributes[kim-kommune]", f"Angebot gehört zu '{given}', eingespielt wird nur "
                                           f"für '{ctx.kommune_id}'")
    elif kommune is None:
        f.error("attributes[kim-kommune]", "Kommune fehlt (Attribut kim-kommune oder "
                                           "--kommune angeben)")
    return kommune, scope


def _place(loc: dict, sid: str, ctx: Context, kommune: str | None, path: str,
           f: Findings) -> LocationRec | None:
    lid = as_uuid(loc.get("id"), f"loc:{sid}:{path}")
    addrs = []
    for j, a in enumerate(loc.get("addresses") or []):
        missing = [k for k in ("address_1", "city", "postal_code") if not _text(a, k)]
        if missing:
            f.error(f"{path}.addresses[{j}]", f"Adresse unvollständig: {', '.join(missing)} "
                                              "fehlt")
            continue
        addrs.append(Addr(as_uuid(a.get("id"), f"addr:{lid}:{j}"), _text(a, "address_1"),
                          _text(a, "city"), _text(a, "postal_code"), _text(a, "region"),
                          _text(a, "state_province") or "NW", _text(a, "country") or "DE",
                          _text(a, "address_type") or "physical"))
    gemeinde = None
    for a in loc.get("attributes") or []:
        if (a.get("taxonomy_term_id") == profile.TERMS["kim-gemeinde"].id
                or (a.get("taxonomy_term") or {}).get("code") == "kim-gemeinde"):
            gemeinde = ctx.gemeinde(str(a.get("value") or ""), None)
            if gemeinde is None:
                f.error(f"{path}.attributes", f"Gemeinde '{a.get('value')}' ist unbekannt")
    kind = _text(loc, "location_type") or "physical"
    if kind not in ("physical", "postal", "virtual"):
        f.error(f"{path}.location_type", f"'{kind}' ist kein Ortstyp (physical, postal, "
                                         "virtual)")
    return LocationRec(lid, _text(loc, "name"), kind, _number(loc.get("latitude")),
                 _number(loc.get("longitude")), gemeinde, tuple(addrs))


def _number(value) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _age(value, path: str, f: Findings) -> int | None:
    if value in (None, ""):
        return None
    try:
        age = int(float(value))
    except (TypeError, ValueError):
        age = -1
    if not 0 <= age <= 120:
        f.error(path, f"'{value}' ist kein Alter (erwartet eine Zahl von 0 bis 120)")
        return None
    return age


def parse_service(obj: dict, ctx: Context, where: str) -> tuple[OfferRecord | None,
                                                                 list[Problem]]:
    """One nested HSDS service -> a record (None if it has errors) and the problems."""
    f = Findings(where)
    if not isinstance(obj, dict):
        f.error("", "kein HSDS-Objekt (erwartet ein service-Objekt)")
        return None, f.problems
    shape.problems(obj, f)  # wrong types, deep nesting, bad characters: named, not a crash
    if f.failed:
        return None, f.problems
    name = _text(obj, "name")
    if not name:
        f.error("name", "Name fehlt")
    elif checks.too_long(name, "name"):
        f.error("name", "Name ist länger als 300 Zeichen")
    org = _org(obj, ctx, f)
    sid = as_uuid(obj.get("id"), f"service:{org.id if org else ''}:{name}")
    if sid in ctx.seen:
        f.error("id", f"Angebot '{sid}' steht mehrfach in der Datei")
    ctx.seen.add(sid)
    status = _text(obj, "status") or "active"
    if status not in STATUSES:
        f.error("status", f"'{status}' ist kein Status (erwartet: {', '.join(STATUSES)})")
    topics, prof = _attributes(obj, ctx, sid, f)
    p = _profile(prof, ctx, f)
    kommune, scope = _kommune(p, ctx, f)
    min_age, max_age = (_age(obj.get("minimum_age"), "minimum_age", f),
                        _age(obj.get("maximum_age"), "maximum_age", f))
    if min_age is not None and max_age is not None and min_age > max_age:
        f.error("maximum_age", "Höchstalter liegt unter dem Mindestalter")
    try:
        verified = checks.parse_date(obj.get("assured_date"))
    except ValueError:
        f.error("assured_date", f"'{obj.get('assured_date')}' ist kein Datum "
                                "(erwartet JJJJ-MM-TT)")
        verified = None
    try:
        modified = checks.parse_timestamp(obj.get("last_modified"))
    except ValueError:
        f.error("last_modified", "ist kein Zeitpunkt (erwartet RFC 3339)")
        modified = None
    slots = []
    for i, x in enumerate(obj.get("schedules") or []):
        days = [d.strip().upper() for d in str(x.get("byday") or "").split(",") if d.strip()]
        if not days or not x.get("opens_at") or not x.get("closes_at"):
            f.note(f"schedules[{i}]", "nur wöchentliche Zeiten mit byday, opens_at und "
                                      "closes_at werden übernommen")
            continue
        if set(days) - DAYS:
            f.error(f"schedules[{i}].byday", f"'{x.get('byday')}' sind keine Wochentage "
                                             "(erwartet MO,TU,WE,TH,FR,SA,SU)")
            continue
        o, c = (_time(x["opens_at"], f, f"schedules[{i}].opens_at"),
                _time(x["closes_at"], f, f"schedules[{i}].closes_at"))
        if o and c:
            slots.append(Slot(as_uuid(x.get("id"), f"sched:{sid}:{i}"), ",".join(days), o, c,
                              "WEEKLY", _text(x, "description")))
    langs = []
    for i, x in enumerate(obj.get("languages") or []):
        code = checks.language_code(str(x.get("code") or x.get("name") or ""))
        if not code:
            f.error(f"languages[{i}].code", f"'{x.get('code')}' ist kein Sprachcode")
            continue
        langs.append(LanguageRec(as_uuid(x.get("id"), f"lang:{sid}:{code}"), code,
                                 _text(x, "name")))
    areas = []
    for i, a in enumerate(obj.get("service_areas") or []):
        values = [str(x.get("value") or "") for x in a.get("attributes") or []
                  if x.get("taxonomy_term_id") == profile.TERMS["kim-gemeinde"].id
                  or (x.get("taxonomy_term") or {}).get("code") == "kim-gemeinde"]
        gid = ctx.gemeinde(values[0] if values else (_text(a, "name") or ""), kommune)
        if gid is None and values:
            f.error(f"service_areas[{i}]", f"Gemeinde '{values[0]}' gehört nicht zur Kommune")
            continue
        if gid is None:
            f.note(f"service_areas[{i}]", f"Gebiet '{str(a.get('name') or '')[:60]}' ist keine "
                                          "Gemeinde der Kommune und wird übergangen")
            continue
        areas.append(Area(as_uuid(a.get("id"), f"area:{sid}:{gid}"), gid, _text(a, "name")))
    places = []
    for i, sal in enumerate(obj.get("service_at_locations") or []):
        if not isinstance(sal.get("location"), dict):
            f.note(f"service_at_locations[{i}]", "Standort ohne location-Objekt übergangen")
            continue
        place = _place(sal["location"], sid, ctx, kommune, f"service_at_locations[{i}]", f)
        places.append(AtLocation(as_uuid(sal.get("id"), f"sal:{sid}:{place.id}"), place))
    phones = [PhoneRec(as_uuid(x.get("id"), f"phone:{sid}:{i}"), _text(x, "number"),
                       _text(x, "type"), _text(x, "description"))
              for i, x in enumerate(obj.get("phones") or []) if _text(x, "number")]
    contacts = [ContactRec(as_uuid(x.get("id"), f"contact:{sid}:{i}"), _text(x, "name"),
                           _text(x, "title"), _text(x, "email"))
                for i, x in enumerate(obj.get("contacts") or [])]
    for key, pattern, what in (("url", checks.URL, "Webadresse"),
                               ("email", checks.EMAIL, "E-Mail-Adresse")):
        value = _text(obj, key)
        if value and not pattern.match(value):
            f.error(key, f"'{value}' ist keine gültige {what}")
    if f.failed or org is None:
        return None, f.problems
    translations = tuple(
        Translation(lang, p["names"][lang], p["descriptions"].get(lang, ""),
                    lang in p["review"]) for lang in sorted(p["names"]))
    record = OfferRecord(
        id=sid, organization=org, name=name, description=_text(obj, "description") or "",
        url=_text(obj, "url"), email=_text(obj, "email"),
        status="active" if status == "temporarily closed" else status,
        fees_description=_text(obj, "fees_description"), kommune_id=kommune, scope=scope,
        legal_domain=p.get("legal_domain"), min_age=min_age, max_age=max_age,
        residence_statuses=tuple(p["residence_statuses"]), office_kind=p.get("office_kind"),
        appointment_only=bool(p.get("appointment_only")),
        temporarily_closed=status == "temporarily closed", last_verified=verified,
        translations=translations, phones=tuple(phones), contacts=tuple(contacts),
        schedules=tuple(slots), languages=tuple(langs), areas=tuple(areas),
        locations=tuple(places), categories=tuple({c.code: c for c in topics}.values()),
        last_modified=modified)
    return record, f.problems
