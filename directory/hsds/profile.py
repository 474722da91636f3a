"""The `kim-lotse` HSDS profile: NRW fields carried as attributes of a profile taxonomy.

HSDS 3.1 has no fields for a Kommune, the Gemeinden served, translations, the
residence statuses of a target group, the legal domain or the kind of office.
KIM-Lotse carries them as `attribute`s whose `taxonomy_term` belongs to the
taxonomy `kim-lotse` (terms below), so every HSDS client can read them as
plain attributes (term name + value). Fields HSDS does have are used as they
are: `minimum_age`/`maximum_age`, `assured_date` (= last verified),
`status: "temporarily closed"`, `languages`, `schedules`, `fees_description`.
See PROFILE.md next to this module for the full description.

Ids are stable (uuid5), so the same offer always exports the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.models import stable_id

TAXONOMY_NAME = "kim-lotse"
TAXONOMY_ID = stable_id("taxonomy:kim-lotse-profile")
TAXONOMY_DESCRIPTION = (
    "KIM-Lotse NRW profile of HSDS 3.1: Kommune, Gemeinden served, translations, target "
    "group, legal domain and office kind of an offer (one attribute per value)."
)
TAXONOMY_VERSION = "1"
#: link_type of every profile attribute
LINK_TYPE = "kim-lotse"


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    description: str
    entity: str  # link_entity the attribute hangs on

    @property
    def id(self) -> str:
        return stable_id(f"taxonomy_term:kim-lotse:{self.code}")


TERMS: dict[str, Term] = {t.code: t for t in (
    Term("kim-kommune", "Kommune", "KIM-Kommune the offer belongs to (value: Kommune id, "
         "e.g. 'koeln' or 'demo'); absent for nationwide offers.", "service"),
    Term("kim-scope", "Reichweite", "'kommune' (offer of one Kommune) or 'national' "
         "(nationwide offer shown in every Kommune).", "service"),
    Term("kim-gemeinde", "Gemeinde", "Gemeinde served (value: Gemeinde id, the 8-digit AGS); "
         "on a service_area, or on a location for the Gemeinde it lies in.", "service_area"),
    Term("kim-translation-name", "Name (Übersetzung)", "Name of the offer in the language "
         "given as the attribute's label (BCP 47 tag).", "service"),
    Term("kim-translation-description", "Beschreibung (Übersetzung)", "Description of the "
         "offer in the language given as the attribute's label.", "service"),
    Term("kim-translation-needs-review", "Übersetzung prüfen", "Value 'true': the "
         "translation in the label's language was machine-made and needs review.", "service"),
    Term("kim-residence-status", "Aufenthaltsstatus der Zielgruppe", "Residence status the "
         "offer is for (one attribute per status; none = everyone).", "service"),
    Term("kim-legal-domain", "Rechtskreis", "Legal domain of the offer (e.g. 'SGB II', "
         "'AsylbLG').", "service"),
    Term("kim-office-kind", "Art der Stelle", "Kind of public office or programme the offer "
         "is an entry of (codes of office_kinds.tsv, e.g. 'jobcenter', 'jmd').", "service"),
    Term("kim-appointment-only", "Nur mit Termin", "Value 'true': visits by appointment "
         "only.", "service"),
)}

#: Residence-status groups an offer's target group is given in (Service.residence_statuses).
RESIDENCE_STATUSES: dict[str, str] = {
    "gestattung": "Aufenthaltsgestattung",
    "duldung": "Duldung",
    "aufenthaltserlaubnis": "Aufenthaltserlaubnis",
    "niederlassungserlaubnis": "Niederlassungserlaubnis",
    "eu": "EU-Bürger/in",
    "deutsch": "Deutsche Staatsangehörigkeit",
}

#: Legal domains an offer can name (Service.legal_domain).
LEGAL_DOMAINS: tuple[str, ...] = (
    "AsylbLG", "SGB II", "SGB III", "SGB VIII", "SGB XII", "AufenthG", "AsylG", "StAG",
    "SchulG NRW", "WoGG", "BQFG", "Programm",
)

SCOPES = ("kommune", "national")


def taxonomy() -> dict:
    """The profile taxonomy as an HSDS `taxonomy` object."""
    return {"id": TAXONOMY_ID, "name": TAXONOMY_NAME, "description": TAXONOMY_DESCRIPTION,
            "version": TAXONOMY_VERSION}


def term_object(term: Term) -> dict:
    """A profile term as an HSDS `taxonomy_term` object."""
    return {"id": term.id, "code": term.code, "name": term.name,
            "description": term.description, "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": TAXONOMY_ID}


def by_id() -> dict[str, Term]:
    return {t.id: t for t in TERMS.values()}


def attribute(code: str, link_id: str, value: str, label: str | None = None,
              entity: str | None = None) -> dict:
    """One profile attribute (stable id from what it says)."""
    term = TERMS[code]
    out = {
        "id": stable_id(f"hsds-attr:{link_id}:{code}:{label or ''}:{value}"),
        "link_id": link_id,
        "taxonomy_term_id": term.id,
        "link_type": LINK_TYPE,
        "link_entity": entity or term.entity,
        "value": value,
    }
    if label:
        out["label"] = label
    out["taxonomy_term"] = term_object(term)
    return out
