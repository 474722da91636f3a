"""The crisis box's lines: 110 and 112 first, then the lines that fit the situation.

Once the engine has decided that a question signals acute danger, the situation
(`index.situations`) picks the lines: violence -> Hilfetelefon Gewalt gegen
Frauen; suicide -> TelefonSeelsorge; a child in danger -> the Kommune's
Jugendamt, the Kinder- und Jugendtelefon and the Elterntelefon; pregnancy ->
Hilfetelefon Schwangere in Not; medical -> the ärztliche Bereitschaftsdienst
116 117; trafficking -> the Fachberatungsstellen (KOK) and the Hilfetelefon;
homelessness -> the Kommune's emergency housing office, if the directory has one.
A nationwide line leads only the situations it fits.

Numbers come only from directory entries (the demo file's nationwide entries carry
their `source` page and the day they were checked, `url` and `last_verified`); a
line whose entry is missing is left out, one without a check date is marked
unverified. Only 110 and 112 are shown even without an entry. The labels are
translated here (the box is read in the person's language, not the entry's).

`lead_with_lines` puts the same lines first in an answer's results, so the JSON
API and the page agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from app import i18n
from app.cards import tel_href
from directory.models import stable_id
from directory.store import Offer
from index import situations as sit
from index.engine import Hit

POLICE, AMBULANCE = stable_id("service:national-polizei-110"), stable_id(
    "service:national-notruf-112")
#: nationwide line -> its directory entry's id
NATIONAL_LINES = {
    "violence": stable_id("service:national-hilfetelefon"),
    "seelsorge": stable_id("service:national-telefonseelsorge"),
    "kids": stable_id("service:national-kinder-jugendtelefon"),
    "parents": stable_id("service:national-elterntelefon"),
    "pregnancy": stable_id("service:national-schwangere-in-not"),
    "doctor": stable_id("service:national-116117"),
    "trafficking": stable_id("service:national-kok-menschenhandel"),
}
#: situation -> its lines after 110/112 ("local:<kind>" = the Kommune's own office)
FITTING = {
    sit.VIOLENCE: ("violence",),
    sit.SUICIDE: ("seelsorge",),
    sit.CHILD: ("local:jugendamt", "kids", "parents"),
    sit.PREGNANCY: ("pregnancy",),
    sit.MEDICAL: ("doctor",),
    sit.TRAFFICKING: ("trafficking", "violence"),
    sit.HOMELESS: ("local:wohnungsnot",),
}
HOMELESS_OFFICE = re.compile(r"obdach|wohnungsnot|notunterkunft|wohnungslos|notschlaf", re.I)


def _labels() -> dict[str, str]:
    """The box's wording of each line, in the current UI language."""
    _ = i18n.gettext
    return {
        "police": _("Police"),
        "ambulance": _("Fire brigade and ambulance"),
        "violence": _("Help line violence against women, free, day and night, with "
                      "interpreters in many languages:"),
        "seelsorge": _("TelefonSeelsorge, free, day and night"),
        "kids": _("Crisis line for children and young people (Nummer gegen Kummer), free "
                  "and anonymous, Monday to Saturday 2 pm to 8 pm"),
        "parents": _("Crisis line for parents worried about a child (Nummer gegen Kummer), "
                     "free and anonymous"),
        "pregnancy": _("Crisis line for pregnant women in distress, free and anonymous, "
                       "day and night"),
        "doctor": _("Crisis line of the doctors on call when your practice is closed "
                    "(116 117), free"),
        "trafficking": _("Crisis counselling against human trafficking and forced "
                         "prostitution, free and anonymous (counselling centres near you)"),
        "local:jugendamt": _("Crisis help of the youth welfare office (Jugendamt) of your "
                             "Kommune"),
        "local:wohnungsnot": _("Crisis help of your Kommune for people without a place "
                               "to sleep"),
    }


def _local(offers: Mapping[str, Offer], kind: str, kommune: str | None,
           gemeinde: str | None) -> Offer | None:
    """The Kommune's own office for a situation (its town's entry first), or None."""
    if not kommune:
        return None
    found = []
    for o in offers.values():
        if o.kommune_id != kommune or o.scope == "national":
            continue
        if gemeinde and o.gemeinde_ids and gemeinde not in o.gemeinde_ids:
            continue
        if kind == "jugendamt" and o.office_kind == "jugendamt" or (
                kind == "wohnungsnot" and "wohnen" in o.categories
                and HOMELESS_OFFICE.search(f"{o.name} {o.description}")):
            found.append(o)
    found.sort(key=lambda o: (gemeinde not in o.gemeinde_ids, o.name, o.id))
    return found[0] if found else None


def line_offers(situations: Sequence[str], offers: Mapping[str, Offer],
                kommune: str | None = None, gemeinde: str | None = None
                ) -> list[tuple[str, Offer | None]]:
    """(line, directory entry) in the order shown: 110, 112, then the fitting lines."""
    out: list[tuple[str, Offer | None]] = [("police", offers.get(POLICE)),
                                           ("ambulance", offers.get(AMBULANCE))]
    seen = {"police", "ambulance"}
    for s in situations:
        for line in FITTING.get(s, ()):
            if line in seen:
                continue
            seen.add(line)
            if line.startswith("local:"):
                entry = _local(offers, line.split(":", 1)[1], kommune, gemeinde)
            else:
                entry = offers.get(NATIONAL_LINES[line])
            if entry is not None:
                out.append((line, entry))
    return out


FALLBACK = {"police": "110", "ambulance": "112"}


def box(situations: Sequence[str], offers: Mapping[str, Offer], lang: str,
        kommune: str | None = None, gemeinde: str | None = None) -> list[dict]:
    """The crisis box's lines as template data, in the current UI language."""
    labels = _labels()
    rows = []
    for line, o in line_offers(situations, offers, kommune, gemeinde):
        numbers = list(o.phones) if o is not None and o.phones else (
            [FALLBACK[line]] if line in FALLBACK else [])
        rows.append({
            "line": line,
            "label": labels[line],
            "numbers": [(n, tel_href(n)) for n in numbers],
            "name": o.name if o is not None and line.startswith("local:") else "",
            # a line without a phone (the counselling centres) links to its page
            "web": o.url if o is not None and not o.phones else None,
            "source": o.url if o is not None and o.scope == "national" else None,
            "verified_on": (i18n.format_date(o.last_verified, lang)
                            if o is not None and o.last_verified else None),
            "interpreters": line == "violence",
        })
    return rows


def lead_with_lines(answer, situations: Sequence[str], offers: Mapping[str, Offer],
                    kommune: str | None = None, gemeinde: str | None = None):
    """The answer with its results led by the crisis lines that fit (110, 112 first);
    24/7 lines that fit no situation of the question go after the other results.
    Unchanged when the answer is no crisis."""
    if not answer.crisis:
        return answer
    limit = max(len(answer.results), 1)
    by_id = {h.id: h for h in answer.results}
    lead = []
    for _line, o in line_offers(situations, offers, kommune, gemeinde):
        if o is None:
            continue
        hit = by_id.get(o.id) or Hit(o.id, 0.0, o.categories, o.kommune_id, o.name,
                                     o.scope == "national")
        lead.append(hit)
    led = {h.id for h in lead}
    rest = [h for h in answer.results if h.id not in led and not h.emergency]
    others = [h for h in answer.results if h.id not in led and h.emergency]
    return replace(answer, results=(lead + rest + others)[:max(limit, len(lead))])
