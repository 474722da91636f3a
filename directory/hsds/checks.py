"""What an import checks, and how it says so: problems by place and field, in plain German.

`Context` holds what a record is checked against (Kommunen, Gemeinden, topic
codes, office kinds, the Kommune an editor is bound to); `Problem` is one
finding ("Zeile 14, Spalte Öffnungszeiten: …"). Errors stop the import;
notes (`level="Hinweis"`) are shown but do not.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hsds import profile
from directory.models import Gemeinde, Kommune, Organization, TaxonomyTerm, stable_id
from directory.records import Org
from directory.reference import office_kinds

ERROR, NOTE = "Fehler", "Hinweis"
LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.I)
#: German language names an editor may write instead of a code
LANGUAGE_NAMES = {
    "deutsch": "de", "englisch": "en", "arabisch": "ar", "persisch": "fa", "farsi": "fa",
    "dari": "prs", "türkisch": "tr", "ukrainisch": "uk", "russisch": "ru", "kurdisch": "ku",
    "kurmanci": "ku", "kurmandschi": "ku", "paschtu": "ps", "tigrinya": "ti",
    "rumänisch": "ro", "bulgarisch": "bg", "französisch": "fr", "somali": "so",
    "polnisch": "pl", "spanisch": "es", "italienisch": "it", "albanisch": "sq",
    "serbisch": "sr", "kroatisch": "hr", "bosnisch": "bs", "griechisch": "el",
    "vietnamesisch": "vi", "chinesisch": "zh", "portugiesisch": "pt", "urdu": "ur",
    "gebärdensprache": "gsg", "einfache sprache": "de-x-simple", "leichte sprache": "de-x-ls",
}
MAX_TEXT = {"name": 300, "description": 20000, "short": 200, "url": 500}


@dataclass(frozen=True)
class Problem:
    where: str  # "Zeile 14" / "services.csv, Zeile 3" / "Eintrag 2"
    field: str  # column header or HSDS field path; "" = the whole row
    message: str
    level: str = ERROR

    def text(self) -> str:
        place = f"{self.where}, Spalte {self.field}" if self.field else self.where
        return f"{place}: {self.message}"


@dataclass
class Context:
    """What records are checked against; `kommune_id` binds every row to one Kommune."""

    kommunen: dict[str, str]  # id -> name
    gemeinden: dict[str, tuple[str, str]]  # id -> (name, kommune id)
    topics: dict[str, str]  # code -> German name
    kommune_id: str | None = None  # the Kommune every row must belong to (editor / --kommune)
    allow_national: bool = True
    seen: set[str] = field(default_factory=set)
    orgs: dict[str, Org] = field(default_factory=dict)  # by id: the store's and the file's

    @classmethod
    def load(cls, s: Session, kommune_id: str | None = None,
             allow_national: bool = True) -> Context:
        return cls(
            {k.id: k.name for k in s.scalars(select(Kommune))},
            {g.id: (g.name, g.kommune_id) for g in s.scalars(select(Gemeinde))},
            {t.code: t.name for t in s.scalars(select(TaxonomyTerm))},
            kommune_id, allow_national,
            orgs={o.id: Org(o.id, o.name, o.description or "", o.website, o.email)
                  for o in s.scalars(select(Organization))})

    def kommune(self, value: str | None) -> str | None:
        """A Kommune id from an id or a name (None if unknown)."""
        if not value:
            return None
        if value in self.kommunen:
            return value
        folded = value.strip().casefold()
        for kid, name in self.kommunen.items():
            if folded in (kid.casefold(), name.casefold()):
                return kid
        return None

    def gemeinde(self, value: str, kommune_id: str | None) -> str | None:
        """A Gemeinde id (AGS) of this Kommune from an id or a name."""
        value = value.strip()
        if value.isdigit() and len(value) == 7:
            value = value.zfill(8)  # a spreadsheet ate the leading zero
        if value in self.gemeinden:
            return value if self.gemeinden[value][1] == kommune_id or not kommune_id else None
        folded = value.casefold()
        for gid, (name, kid) in self.gemeinden.items():
            if name.casefold() == folded and kid == kommune_id:
                return gid
        return None

    def topic(self, value: str) -> str | None:
        v = value.strip()
        if v in self.topics:
            return v
        folded = v.casefold()
        return next((c for c, n in self.topics.items()
                     if folded in (c.casefold(), n.casefold())), None)


class Findings:
    def __init__(self, where: str):
        self.where = where
        self.problems: list[Problem] = []

    def error(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.where, field, message))

    def note(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.where, field, message, NOTE))

    @property
    def failed(self) -> bool:
        return any(p.level == ERROR for p in self.problems)


def as_uuid(value, key: str) -> str:
    """An HSDS id kept as it is when it is a UUID, else a stable uuid5 of it (or of `key`)."""
    if value:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            return stable_id(f"hsds-id:{value}")
    return stable_id(key)


def office_kind(value: str | None) -> str | None:
    """An office-kind code from a code or its German name; '' for unknown."""
    if not value:
        return None
    kinds = office_kinds()
    v = value.strip()
    if v in kinds:
        return v
    return next((c for c, de in kinds.items() if de.casefold() == v.casefold()), "")


def legal_domain(value: str | None) -> str | None:
    if not value:
        return None
    folded = value.strip().casefold()
    return next((d for d in profile.LEGAL_DOMAINS if d.casefold() == folded), "")


def residence_status(value: str) -> str | None:
    folded = value.strip().casefold()
    return next((c for c, de in profile.RESIDENCE_STATUSES.items()
                 if folded in (c, de.casefold())), None)


def language_code(value: str) -> str | None:
    v = value.strip()
    if v.casefold() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[v.casefold()]
    return v.lower() if LANG_TAG.match(v) else None


def parse_date(value) -> dt.date | None:
    """'31.12.2026', '2026-12-31' (or a spreadsheet date) -> date; ValueError otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_timestamp(value) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def too_long(value: str | None, kind: str) -> bool:
    return bool(value) and len(value) > MAX_TEXT[kind]
