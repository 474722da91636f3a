"""NRW reference data: the 54 KIM-Kommunen, their Gemeinden and the topic taxonomy.

Sources: `data/kommunen.tsv` and `data/gemeinden.tsv` (see `data/SOURCES.md`),
`data/taxonomy.tsv` (stable topic codes), `data/taxonomy_i18n.json`
(labels, descriptions and typical phrasings per UI language) and
`data/office_kinds.tsv` (the kinds of office an offer can be an entry of).
Loading is idempotent: rows are upserted by their stable ids.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Gemeinde, Kommune, Taxonomy, TaxonomyTerm, stable_id

DATA = Path(__file__).parent / "data"
TAXONOMY_ID = stable_id("taxonomy:kim-lotse-topics")


def _tsv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def slugify(name: str) -> str:
    """'Städteregion Aachen' -> 'staedteregion-aachen'."""
    s = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


@dataclass(frozen=True)
class KommuneRow:
    id: str
    ags: str
    name: str
    kind: str
    regierungsbezirk: str


@dataclass(frozen=True)
class GemeindeRow:
    id: str
    name: str
    kommune_id: str
    status: str


@cache
def kommunen() -> tuple[KommuneRow, ...]:
    """The 54 KIM-Kommunen; the Stadt Aachen counts as a Kommune of its own."""
    rows = []
    for r in _tsv("kommunen.tsv"):
        # "Aachen" is both the Stadt and (as Städteregion) the region around it.
        prefix = "Stadt " if r["kind"] == "regionsangehoerige_stadt" else ""
        rows.append(
            KommuneRow(slugify(prefix + r["name"]), r["ags"], r["name"], r["kind"],
                       r["regierungsbezirk"])
        )
    return tuple(rows)


@cache
def gemeinden() -> tuple[GemeindeRow, ...]:
    """All 396 Gemeinden of NRW, each with the KIM-Kommune it belongs to."""
    by_ags = {k.ags: k.id for k in kommunen()}
    out = []
    for r in _tsv("gemeinden.tsv"):
        kommune_id = by_ags.get(r["ags"]) or by_ags[r["kreis_ags"]]
        out.append(GemeindeRow(r["ags"], r["name"], kommune_id, r["status"]))
    return tuple(out)


@cache
def taxonomy() -> tuple[dict[str, str], ...]:
    """Rows of taxonomy.tsv: code, de, en, 'what belongs here'."""
    return tuple(_tsv("taxonomy.tsv"))


@cache
def office_kinds() -> dict[str, str]:
    """Office kinds an offer can be an entry of (NRW profile `office_kind`): code -> German.

    The codes of `data/office_kinds.tsv`; the responsibility rules (app/responsibility)
    name offices by these codes, and editors and imports check `office_kind` against them.
    """
    return {r["code"]: r["de"] for r in _tsv("office_kinds.tsv")}


@cache
def taxonomy_i18n() -> dict[str, dict]:
    """{code: {lang: {"label", "description", "phrases"}, "_de_terms": [...]}}."""
    path = DATA / "taxonomy_i18n.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def topic_codes() -> list[str]:
    return [t["code"] for t in taxonomy()]


def topic_label(code: str, lang: str) -> str:
    """The label of a topic in a UI language, falling back to English, then German."""
    entry = taxonomy_i18n().get(code, {})
    for candidate in (lang, "en", "de"):
        if candidate in entry and entry[candidate].get("label"):
            return entry[candidate]["label"]
    row = next((t for t in taxonomy() if t["code"] == code), None)
    if row is None:
        return code
    return row["en"] if lang != "de" else row["de"]


def _upsert(session: Session, present: dict, model: type, **values: object) -> None:
    """Insert the row, or set the attributes that differ on the stored one (no merge: an
    unchanged row costs a comparison, not a new ORM object)."""
    row = present.get((model, values["id"]))
    if row is None:
        session.add(model(**values))
        return
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


def load_reference(session: Session) -> None:
    """Upsert Kommunen, Gemeinden and the taxonomy.

    Rows an admin changed in the app (`edited_at` set) keep the admin's values.
    """
    edited = set(session.scalars(select(Kommune.id).where(Kommune.edited_at.is_not(None))))
    edited |= set(session.scalars(select(Gemeinde.id).where(Gemeinde.edited_at.is_not(None))))
    # every stored row at once (4 queries, not 470), held here: the identity map is weak
    present: dict[tuple[type, str], object] = {}
    present.update({(Kommune, x.id): x for x in session.scalars(select(Kommune))})
    present.update({(Gemeinde, x.id): x for x in session.scalars(select(Gemeinde))})
    present.update({(Taxonomy, x.id): x for x in session.scalars(select(Taxonomy))})
    present.update({(TaxonomyTerm, x.id): x for x in session.scalars(select(TaxonomyTerm))})

    def upsert(model: type, **values: object) -> None:
        _upsert(session, present, model, **values)

    for k in kommunen():
        if k.id in edited:
            continue
        upsert(Kommune, id=k.id, name=k.name, kind=k.kind, regierungsbezirk=k.regierungsbezirk,
               ags=k.ags, sample=False)
    session.flush()
    for g in gemeinden():
        if g.id in edited:
            continue
        upsert(Gemeinde, id=g.id, name=g.name, kommune_id=g.kommune_id, status=g.status)
    upsert(Taxonomy, id=TAXONOMY_ID, name="KIM-Lotse Themen",
           description="Topics of counselling offers for newcomers in NRW", version="1")
    session.flush()
    i18n = taxonomy_i18n()
    for t in taxonomy():
        code = t["code"]
        labels = {lang: v["label"] for lang, v in i18n.get(code, {}).items() if lang[0] != "_"}
        labels.setdefault("de", t["de"])
        labels.setdefault("en", t["en"])
        upsert(TaxonomyTerm, id=stable_id(f"taxonomy_term:{code}"), taxonomy_id=TAXONOMY_ID,
               code=code, name=t["de"], description=t["what belongs here"], labels=labels)
    session.flush()
