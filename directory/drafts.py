"""An offer as a flat draft: every editable field, and its validation.

A draft is a plain dict. Its keys are the offer's fields (`FIELDS`): scalars
(name, organisation, Kommune, age range, legal domain, office kind ...),
lists of codes (Gemeinden served, topics, residence statuses, languages
spoken), lists of rows (locations, contacts, phones, weekly opening slots)
and one `tr.<lang>` key per UI language holding that translation of name and
description with its "needs review" mark (or None). The same shape serves
the edit form, the change history (one diff entry per key) and undo.

`validate` checks a (partial) draft against the reference data in `Choices`
and returns field-level error codes ("phones.0.number": "phone"); the staff
pages turn the codes into German sentences. A draft is a view of the offer's
one record, not a store shape of its own: `directory.draft_record` turns a
record into a draft and puts a draft's keys into a record, and
`directory.editing` reads and writes records through the one reader and
writer every import uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Gemeinde, Kommune
from directory.reference import office_kinds, topic_codes

#: Data keys of the UI languages other than German (German is the offer's own text).
TRANSLATION_LANGUAGES = ("de-simple", "en", "ar", "fa", "tr", "uk", "ru", "ku", "ps", "ti",
                         "ro", "bg", "fr", "so")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Coarse residence-status groups of an offer's target group (Service.residence_statuses).
RESIDENCE_GROUPS = ("gestattung", "duldung", "aufenthaltserlaubnis", "niederlassungserlaubnis",
                    "eu", "deutsch")
STATUSES = ("active", "inactive")

SCALARS = ("name", "description", "organization", "url", "email", "kommune_id", "scope",
           "status", "min_age", "max_age", "legal_domain", "office_kind", "appointment_only",
           "temporarily_closed", "cost")
LISTS = ("gemeinden", "topics", "residence_statuses", "languages")
ROWS: dict[str, tuple[str, ...]] = {
    "locations": ("name", "street", "postal_code", "city", "gemeinde_id", "latitude",
                  "longitude"),
    "contacts": ("name", "title", "email"),
    "phones": ("number", "description"),
    "schedule": ("days", "opens", "closes"),
}
TRANSLATION_KEYS = tuple(f"tr.{lang}" for lang in TRANSLATION_LANGUAGES)
#: Every key an editor changes; the version of an offer is a hash over these.
FIELDS = SCALARS + LISTS + tuple(ROWS) + TRANSLATION_KEYS
#: Not edited in the form, but kept in the history ("still valid" sets it).
EXTRA = ("last_verified",)
BOOLEANS = ("appointment_only", "temporarily_closed")
LIMITS = {"name": 300, "description": 10_000, "organization": 300, "url": 500, "email": 200,
          "cost": 2000}


EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
URL = re.compile(r"^https?://[^\s<>\"]+$")
PHONE = re.compile(r"^\+?[0-9 ()/.\-]{3,40}$")
LANG_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
POSTAL = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class Choices:
    """What a draft may name: the reference data of this store."""

    kommunen: frozenset[str]
    gemeinden: Mapping[str, str]  # Gemeinde id -> its Kommune's id
    topics: frozenset[str]
    office_kinds: frozenset[str]
    legal_domains: frozenset[str]
    residence_statuses: frozenset[str] = frozenset(RESIDENCE_GROUPS)


def choices(session: Session, legal_domains) -> Choices:
    return Choices(
        kommunen=frozenset(session.scalars(select(Kommune.id))),
        gemeinden=dict(session.execute(select(Gemeinde.id, Gemeinde.kommune_id)).all()),
        topics=frozenset(topic_codes()),
        office_kinds=frozenset(office_kinds()),
        legal_domains=frozenset(legal_domains),
    )


def empty() -> dict:
    """A new offer's draft."""
    d: dict = dict.fromkeys(SCALARS)
    d.update({"scope": "kommune", "status": "active", "appointment_only": False,
              "temporarily_closed": False})
    d.update({k: [] for k in (*LISTS, *ROWS)})
    d.update(dict.fromkeys(TRANSLATION_KEYS))
    return d


# --- validation ---------------------------------------------------------------------------


def _text(value, errors: dict, key: str, required: bool = False, limit: int = 300):
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        errors[key] = "invalid"
        return None
    if not value:
        if required:
            errors[key] = "required"
        return None
    if len(value) > limit:
        errors[key] = "too_long"
    return value


def _int(value, errors: dict, key: str):
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if 0 <= number <= 120:
            return number
    errors[key] = "age"
    return None


def _float(value, errors: dict, key: str, bound: float):
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        number = bound + 1
    if -bound <= number <= bound:
        return number
    errors[key] = "coordinate"
    return None


def _codes(values, allowed, errors: dict, key: str) -> list[str]:
    out: list[str] = []
    for v in values or []:
        if v in out:
            continue
        if v not in allowed:
            errors[key] = "unknown"
            continue
        out.append(v)
    return out


def _pattern(value: str | None, pattern: re.Pattern, errors: dict, key: str, code: str):
    if value and not pattern.match(value):
        errors[key] = code
    return value


def validate(raw: Mapping, choices: Choices) -> tuple[dict, dict[str, str]]:
    """The clean values of the keys in `raw` and {field: error code} (empty when valid)."""
    e: dict[str, str] = {}
    v: dict = {}
    for key in ("name", "organization"):
        if key in raw:
            v[key] = _text(raw[key], e, key, True, LIMITS[key])
    for key in ("description", "cost"):
        if key in raw:
            v[key] = _text(raw[key], e, key, False, LIMITS[key]) or ("" if key ==
                                                                     "description" else None)
    if "url" in raw:
        v["url"] = _pattern(_text(raw["url"], e, "url", limit=500), URL, e, "url", "url")
    if "email" in raw:
        v["email"] = _pattern(_text(raw["email"], e, "email", limit=200), EMAIL, e, "email",
                              "email")
    if "scope" in raw:
        v["scope"] = raw["scope"] if raw["scope"] in ("kommune", "national") else None
        if v["scope"] is None:
            e["scope"] = "unknown"
    if "status" in raw:
        v["status"] = raw["status"] if raw["status"] in STATUSES else None
        if v["status"] is None:
            e["status"] = "unknown"
    if "kommune_id" in raw:
        v["kommune_id"] = raw["kommune_id"] or None
        if v["kommune_id"] and v["kommune_id"] not in choices.kommunen:
            e["kommune_id"] = "unknown"
        if v.get("scope", raw.get("scope")) == "national":
            v["kommune_id"] = None
        elif not v["kommune_id"]:
            e.setdefault("kommune_id", "required")
    for key in ("min_age", "max_age"):
        if key in raw:
            v[key] = _int(raw[key], e, key)
    if v.get("min_age") is not None and v.get("max_age") is not None \
            and v["min_age"] > v["max_age"]:
        e["max_age"] = "age_order"
    for key, allowed in (("legal_domain", choices.legal_domains),
                         ("office_kind", choices.office_kinds)):
        if key in raw:
            v[key] = raw[key] or None
            if v[key] is not None and v[key] not in allowed:
                e[key] = "unknown"
    for key in BOOLEANS:
        if key in raw:
            v[key] = bool(raw[key])
    kommune = v.get("kommune_id", raw.get("kommune_id"))
    places = {g for g, k in choices.gemeinden.items() if k == kommune}
    if "gemeinden" in raw:
        v["gemeinden"] = _codes(raw["gemeinden"], places, e, "gemeinden")
    if "topics" in raw:
        v["topics"] = _codes(raw["topics"], choices.topics, e, "topics")
        if not v["topics"]:
            e.setdefault("topics", "required")
    if "residence_statuses" in raw:
        v["residence_statuses"] = _codes(raw["residence_statuses"], choices.residence_statuses,
                                         e, "residence_statuses")
    if "languages" in raw:
        v["languages"] = []
        for code in raw["languages"] or []:
            code = code.strip().lower()
            if not LANG_CODE.match(code):
                e["languages"] = "lang_code"
            elif code not in v["languages"]:
                v["languages"].append(code)
    for key, check in (("locations", _location), ("contacts", _contact), ("phones", _phone),
                       ("schedule", _slot)):
        if key in raw:
            v[key] = [row for i, r in enumerate(raw[key] or [])
                      if (row := check(r, e, f"{key}.{i}", places)) is not None]
    for key in TRANSLATION_KEYS:
        if key in raw:
            v[key] = _translation(raw[key], e, key)
    if "last_verified" in raw:
        v["last_verified"] = raw["last_verified"]
    return v, e


def _blank(row: Mapping) -> bool:
    return not any((x.strip() if isinstance(x, str) else x) for x in row.values())


def _location(r: Mapping, e: dict, key: str, places) -> dict | None:
    if _blank(r):
        return None
    out = {"name": _text(r.get("name"), e, f"{key}.name"),
           "street": _text(r.get("street"), e, f"{key}.street", True),
           "postal_code": _text(r.get("postal_code"), e, f"{key}.postal_code", True, 5),
           "city": _text(r.get("city"), e, f"{key}.city", True, 200),
           "gemeinde_id": r.get("gemeinde_id") or None,
           "latitude": _float(r.get("latitude"), e, f"{key}.latitude", 90),
           "longitude": _float(r.get("longitude"), e, f"{key}.longitude", 180)}
    _pattern(out["postal_code"], POSTAL, e, f"{key}.postal_code", "postal_code")
    if out["gemeinde_id"] and out["gemeinde_id"] not in places:
        e[f"{key}.gemeinde_id"] = "unknown"
    return out


def _contact(r: Mapping, e: dict, key: str, _places) -> dict | None:
    if _blank(r):
        return None
    out = {"name": _text(r.get("name"), e, f"{key}.name", limit=200),
           "title": _text(r.get("title"), e, f"{key}.title", limit=200),
           "email": _text(r.get("email"), e, f"{key}.email", limit=200)}
    _pattern(out["email"], EMAIL, e, f"{key}.email", "email")
    if not out["name"] and not out["email"]:
        e[f"{key}.name"] = "contact"
    return out


def _phone(r: Mapping, e: dict, key: str, _places) -> dict | None:
    if _blank(r):
        return None
    out = {"number": _text(r.get("number"), e, f"{key}.number", True, 60),
           "description": _text(r.get("description"), e, f"{key}.description", limit=200)}
    _pattern(out["number"], PHONE, e, f"{key}.number", "phone")
    return out


def _slot(r: Mapping, e: dict, key: str, _places) -> dict | None:
    days = [d for d in DAYS if d in (r.get("days") or [])]
    if not days and not (r.get("opens") or "").strip() and not (r.get("closes") or "").strip():
        return None
    out = {"days": days, "opens": (r.get("opens") or "").strip(),
           "closes": (r.get("closes") or "").strip()}
    if not days:
        e[f"{key}.days"] = "days"
    for part in ("opens", "closes"):
        if not TIME.match(out[part]) or (part == "opens" and out[part] == "24:00"):
            e[f"{key}.{part}"] = "time"
    if f"{key}.opens" not in e and f"{key}.closes" not in e and out["opens"] >= out["closes"]:
        e[f"{key}.closes"] = "time_order"
    return out


def _translation(t, e: dict, key: str) -> dict | None:
    if not t or _blank({k: t.get(k) for k in ("name", "description")}):
        return None
    return {"name": _text(t.get("name"), e, f"{key}.name", True, LIMITS["name"]),
            "description": _text(t.get("description"), e, f"{key}.description",
                                 limit=LIMITS["description"]) or "",
            "needs_review": bool(t.get("needs_review"))}

