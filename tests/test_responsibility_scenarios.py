"""Who is responsible: a table of realistic scenarios, run on the shipped rules in a real store.

Each row: inputs of a lookup (place, matter, status, age, benefits, day), the rule
that must decide, the offices with the directory entries (demo keys) or the
carrier expected, and whether the answer is certain. Every rule shipped in the
NRW defaults and in the demo rules must be exercised by at least one row.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.responsibility import repository
from app.responsibility.lookup import lookup, today
from app.responsibility.offices import carrier_name
from app.responsibility.rules import parse_rule
from directory.models import stable_id
from directory.store import Store

DAY = today()
YESTERDAY, TOMORROW = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)
MS, PH, BD = "demo-musterstadt", "demo-probehausen", "demo-beispieldorf"
NEUSS, ISSUM, STEINFURT, AACHEN = "05162024", "05154020", "05566084", "05334002"
KOELN, BIELEFELD, DUESSELDORF = "05315000", "05711000", "05111000"


def own_abh_probehausen(valid_until: dt.date) -> list:
    """A Gemeinde rule: Probehausen ran its own Ausländerbehörde until `valid_until`."""
    return [parse_rule({
        "key": "test-probehausen-abh", "type": "office", "subject": "auslaenderbehoerde",
        "scope": "gemeinde", "scope_id": PH, "level": "gemeinde",
        "legal_basis": "Testregel",
        "explanation": "Probehausen hatte eine eigene Ausländerbehörde.",
        "valid_until": valid_until.isoformat(),
    })]


CONFLICT = [parse_rule({
    "key": f"test-conflict-{i}", "type": "matter", "subject": "anerkennung", "scope": "kommune",
    "scope_id": "demo", "offices": [kind], "legal_basis": "Testregel",
    "explanation": "Zwei Kommune-Regeln, die sich widersprechen.",
}) for i, kind in enumerate(("anerkennungsberatung", "kommunales_integrationszentrum"))]


def S(name, inputs, rule, offices=None, *, certain=True, reasons=(), changes=None, extra=None):
    """One scenario. offices: {kind: [demo offer keys] | "carrier name"};
    changes: {event: office kinds afterwards | None (no change at that event)}."""
    return pytest.param(inputs, rule, offices or {}, certain, tuple(reasons), changes, extra,
                        id=name)


SCENARIOS = [
    # --- Lebensunterhalt ---------------------------------------------------------------
    S("asylum seeker in Beispieldorf: Sozialamt of the Gemeinde (AsylbLG)",
      dict(matter="lebensunterhalt", gemeinde=BD, status="gestattung", age=30),
      "lu-asylblg", {"sozialamt": ["demo-leistungen-3"]},
      changes={"recognition": {"jobcenter"}, "rejection": None, "age": None}),
    S("Duldung in Musterstadt: Sozialamt Musterstadt",
      dict(matter="lebensunterhalt", gemeinde=MS, status="duldung", age=45),
      "lu-asylblg", {"sozialamt": ["demo-leistungen-1", "demo-gesundheit-2"]}),
    S("§ 25 (4) in Probehausen: AsylbLG from the Sozialamt Probehausen",
      dict(matter="lebensunterhalt", gemeinde=PH, status="ae_25_4", age=30),
      "lu-asylblg", {"sozialamt": ["demo-leistungen-2"]}),
    S("asylum seeker, January 2024: the 18-month rule still applied",
      dict(matter="lebensunterhalt", gemeinde=BD, status="gestattung", age=30,
           day=dt.date(2024, 1, 15)),
      "lu-asylblg-2019", {"sozialamt": ["demo-leistungen-3"]}),
    S("Duldung but Bürgergeld: status and benefits contradict each other",
      dict(matter="lebensunterhalt", gemeinde=MS, status="duldung", age=30,
           benefits="buergergeld"),
      "lu-asylblg-widerspruch", certain=False, reasons=["varies"]),
    S("§ 25 (5): AsylbLG or SGB II depends on the date of the decision",
      dict(matter="lebensunterhalt", gemeinde=PH, status="ae_25_5", age=30),
      "lu-25-5", certain=False, reasons=["varies"]),
    S("Ukrainian refugee in May 2023: Jobcenter",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_24", age=40,
           day=dt.date(2023, 5, 1)),
      "lu-24-sgb2", {"jobcenter": ["demo-arbeit-1"]}),
    S("Ukrainian refugee today: depends on the date of entry and the new law",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_24", age=40),
      "lu-24", certain=False, reasons=["varies"]),
    S("recognised refugee, 30, Musterstadt: Jobcenter (SGB II)",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_25_2_fluechtling", age=30),
      "lu-sgb2", {"jobcenter": ["demo-arbeit-1"]}),
    S("refugee aged 64: at 65 the age limit question starts",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_25_1", age=64),
      "lu-sgb2", {"jobcenter": ["demo-arbeit-1"]}, changes={"age": {"jobcenter", "sozialamt"}}),
    S("German child in Beispieldorf: Sozialgeld via the Jobcenter",
      dict(matter="lebensunterhalt", gemeinde=BD, status="deutsch", age=10),
      "lu-sgb2", {"jobcenter": ["demo-arbeit-2"]}),
    S("just recognised, still on AsylbLG: change to the Jobcenter (Rechtskreiswechsel)",
      dict(matter="lebensunterhalt", gemeinde=PH, status="ae_25_2_subsidiaer", age=28,
           benefits="asylblg"),
      "lu-wechsel", {"jobcenter": ["demo-arbeit-2"], "sozialamt": ["demo-leistungen-2"],
                     "kim_case_management": ["demo-case-management-1",
                                             "demo-case-management-3"]}),
    S("settlement permit at 66: Jobcenter or Sozialamt by year of birth",
      dict(matter="lebensunterhalt", gemeinde=MS, status="niederlassung", age=66),
      "lu-altersgrenze", certain=False, reasons=["varies"]),
    S("70 with settlement permit in Probehausen: Grundsicherung at the Gemeinde (demo rule)",
      dict(matter="lebensunterhalt", gemeinde=PH, status="niederlassung", age=70),
      "lu-grundsicherung-alter", {"sozialamt": ["demo-leistungen-2"]}),
    S("70 in Issum (Kreis Kleve): delegation to the Gemeinde not recorded",
      dict(matter="lebensunterhalt", gemeinde=ISSUM, status="deutsch", age=70),
      "lu-grundsicherung-alter", {"sozialamt": "Issum"}, certain=False, reasons=["varies"]),
    S("70 in Köln: the kreisfreie Stadt's Sozialamt",
      dict(matter="lebensunterhalt", gemeinde=KOELN, status="ae_25_2_fluechtling", age=70),
      "lu-grundsicherung-alter", {"sozialamt": "Köln"}),
    S("Bürgergeld in Stadt Aachen: which Jobcenter is for the Städteregion to record",
      dict(matter="lebensunterhalt", kommune="stadt-aachen", status="ae_25_1", age=40),
      "lu-sgb2", {"jobcenter": "Aachen"}, certain=False, reasons=["varies"]),
    S("Grundsicherung in Stadt Aachen: Aachen-Gesetz, not recorded",
      dict(matter="lebensunterhalt", gemeinde=AACHEN, status="deutsch", age=80),
      "lu-grundsicherung-alter", certain=False, reasons=["varies"]),
    S("EU citizen working part-time: top-up from the Jobcenter",
      dict(matter="lebensunterhalt", gemeinde=MS, status="eu", age=35, benefits="employed"),
      "lu-eu-erwerb", {"jobcenter": ["demo-arbeit-1"]}),
    S("EU citizen without work: entitlement needs a case check",
      dict(matter="lebensunterhalt", gemeinde=BD, status="eu", age=35, benefits="none"),
      "lu-eu", certain=False, reasons=["varies"]),
    S("student permit: a claim may endanger the residence",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_erwerb", age=24),
      "lu-zweck", certain=False, reasons=["varies"]),
    S("recognised refugee, age unknown: the answer asks for the age",
      dict(matter="lebensunterhalt", gemeinde=MS, status="ae_25_2_fluechtling"),
      None, certain=False, reasons=["missing_age"]),
    S("status unknown: the answer asks for the residence status",
      dict(matter="lebensunterhalt", gemeinde=MS, age=30),
      None, certain=False, reasons=["missing_status"]),
    S("settlement permit but AsylbLG: no rule, KIM case management",
      dict(matter="lebensunterhalt", gemeinde=MS, status="niederlassung", age=40,
           benefits="asylblg"),
      None, certain=False, reasons=["no_rule"]),
    # --- Unterkunft -------------------------------------------------------------------
    S("asylum seeker's accommodation: the Gemeinde",
      dict(matter="unterkunft", gemeinde=BD, status="gestattung", age=30),
      "wo-asylblg", {"sozialamt": ["demo-leistungen-3"]}),
    S("rent with Bürgergeld: Jobcenter (KdU)",
      dict(matter="unterkunft", gemeinde=MS, status="ae_25_1", age=30, benefits="buergergeld"),
      "wo-buergergeld", {"jobcenter": ["demo-arbeit-1"]}),
    S("rent with SGB XII: Sozialamt",
      dict(matter="unterkunft", gemeinde=PH, status="niederlassung", age=70, benefits="sgb12"),
      "wo-sgb12", {"sozialamt": ["demo-leistungen-2"]}),
    S("working family in Musterstadt: Wohngeldstelle",
      dict(matter="unterkunft", gemeinde=MS, status="ae_familie", age=35, benefits="employed"),
      "wo-wohngeld", {"wohngeldstelle": ["demo-leistungen-4"]}),
    S("working family in Beispieldorf: Wohngeldstelle without an entry",
      dict(matter="unterkunft", gemeinde=BD, status="niederlassung", age=35,
           benefits="employed"),
      "wo-wohngeld", {"wohngeldstelle": []}),
    # --- Gesundheit -------------------------------------------------------------------
    S("Duldung, ill: Behandlungsschein from the Sozialamt Musterstadt",
      dict(matter="gesundheit", gemeinde=MS, status="duldung", age=30),
      "gs-asylblg", {"sozialamt": ["demo-gesundheit-2", "demo-leistungen-1"]}),
    S("Bürgergeld: health insurance registered by the Jobcenter",
      dict(matter="gesundheit", gemeinde=PH, status="ae_25_2_fluechtling", age=30,
           benefits="buergergeld"),
      "gs-buergergeld", {"jobcenter": ["demo-arbeit-2"]}),
    S("SGB XII, not insured: health card via the Sozialamt",
      dict(matter="gesundheit", gemeinde=MS, status="deutsch", age=70, benefits="sgb12"),
      "gs-sgb12", {"sozialamt": ["demo-gesundheit-2", "demo-leistungen-1"]}),
    # --- Bildung und Teilhabe ---------------------------------------------------------
    S("school trip, child on Bürgergeld: BuT office of the Kreis (demo rule)",
      dict(matter="bildung_teilhabe", gemeinde=BD, status="ae_25_1", age=10,
           benefits="buergergeld"),
      "but-buergergeld", {"but_stelle": ["demo-leistungen-5"]}),
    S("school trip, child on AsylbLG: Sozialamt Probehausen",
      dict(matter="bildung_teilhabe", gemeinde=PH, status="gestattung", age=8,
           benefits="asylblg"),
      "but-asylblg", {"sozialamt": ["demo-leistungen-2"]}),
    S("school lunch, SGB XII household: Sozialamt",
      dict(matter="bildung_teilhabe", gemeinde=MS, status="deutsch", age=12, benefits="sgb12"),
      "but-sgb12", {"sozialamt": ["demo-leistungen-1", "demo-gesundheit-2"]}),
    S("working family in Steinfurt: BuT only with Wohngeld, office not recorded",
      dict(matter="bildung_teilhabe", gemeinde=STEINFURT, status="niederlassung", age=9,
           benefits="employed"),
      "but-wohngeld", {"but_stelle": "Kreis Steinfurt"}, certain=False, reasons=["varies"]),
    # --- Arbeitserlaubnis -------------------------------------------------------------
    S("asylum seeker in Musterstadt (große kreisangehörige Stadt): own Ausländerbehörde",
      dict(matter="arbeitserlaubnis", gemeinde=MS, status="gestattung", age=25),
      "ae-gestattung", {"auslaenderbehoerde": ["demo-aufenthalt-2"]}),
    S("Duldung in Beispieldorf: Ausländerbehörde of the Kreis",
      dict(matter="arbeitserlaubnis", gemeinde=BD, status="duldung", age=25),
      "ae-duldung", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("§ 25 (3) in Probehausen (mittlere Stadt): Ausländerbehörde of the Kreis",
      dict(matter="arbeitserlaubnis", gemeinde=PH, status="ae_25_3", age=25),
      "ae-titel", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("EU citizen: no work permit needed",
      dict(matter="arbeitserlaubnis", gemeinde=MS, status="eu", age=30), "ae-frei"),
    # --- Arbeitsvermittlung -----------------------------------------------------------
    S("job search with Bürgergeld: Jobcenter",
      dict(matter="arbeitsvermittlung", gemeinde=MS, status="ae_25_1", age=30,
           benefits="buergergeld"),
      "av-jobcenter", {"jobcenter": ["demo-arbeit-1"]}),
    S("job search, asylum seeker: Agentur für Arbeit",
      dict(matter="arbeitsvermittlung", gemeinde=BD, status="gestattung", age=30,
           benefits="asylblg"),
      "av-agentur", {"agentur_fuer_arbeit": ["demo-arbeit-3", "demo-ausbildung-2"]}),
    # --- Integrationskurs -------------------------------------------------------------
    S("recognised refugee: entitled, Ausländerbehörde Musterstadt and the VHS",
      dict(matter="integrationskurs", gemeinde=MS, status="ae_25_2_fluechtling", age=30),
      "ik-anspruch", {"auslaenderbehoerde": ["demo-aufenthalt-2"],
                      "integrationskurstraeger": ["demo-sprache-1"]}),
    S("EU citizen in Probehausen: admission by the BAMF, courses nearby",
      dict(matter="integrationskurs", gemeinde=PH, status="eu", age=35),
      "ik-zulassung", {"bamf": [], "integrationskurstraeger": ["demo-sprache-1",
                                                               "demo-sprache-2"]}),
    S("asylum seeker: admission only in special cases",
      dict(matter="integrationskurs", gemeinde=MS, status="gestattung", age=25),
      "ik-asyl", certain=False, reasons=["varies"]),
    S("12-year-old: school, not an integration course",
      dict(matter="integrationskurs", gemeinde=BD, status="ae_25_2_fluechtling", age=12),
      "ik-schulpflicht", {"schulamt": ["demo-bildung-3"],
                          "kommunales_integrationszentrum": ["demo-integrationszentrum-1",
                                                             "demo-integrationszentrum-3"]}),
    # --- Aufenthalt -------------------------------------------------------------------
    S("Duldung in Köln: Ausländerbehörde of the kreisfreie Stadt",
      dict(matter="aufenthalt", gemeinde=KOELN, status="duldung", age=30),
      "au-abh", {"auslaenderbehoerde": "Köln"}),
    S("settlement permit in Neuss (große kreisangehörige Stadt): Ausländerbehörde Neuss",
      dict(matter="aufenthalt", gemeinde=NEUSS, status="niederlassung", age=50),
      "au-abh", {"auslaenderbehoerde": "Neuss"}),
    S("Ukrainian refugee in Stadt Aachen: Stadt or Städteregion, not recorded",
      dict(matter="aufenthalt", gemeinde=AACHEN, status="ae_24", age=30),
      "au-abh", certain=False, reasons=["varies"]),
    S("Kreis Musterland without a town: the Ausländerbehörde depends on the Gemeinde",
      dict(matter="aufenthalt", kommune="demo", status="duldung", age=30),
      "au-abh", certain=False, reasons=["missing_gemeinde"]),
    S("EU citizen: no residence permit needed",
      dict(matter="aufenthalt", gemeinde=MS, status="eu", age=30), "au-eu"),
    S("German citizen: no residence permit needed",
      dict(matter="aufenthalt", gemeinde=BD, status="deutsch", age=30), "au-deutsch"),
    # --- Wohnsitzauflage --------------------------------------------------------------
    S("recognised refugee in Probehausen: § 12a, Ausländerbehörde of the Kreis",
      dict(matter="wohnsitzauflage", gemeinde=PH, status="ae_25_2_fluechtling", age=30),
      "wa-12a", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("Ukrainian refugee in Musterstadt: Ausländerbehörde Musterstadt",
      dict(matter="wohnsitzauflage", gemeinde=MS, status="ae_24", age=30),
      "wa-24", {"auslaenderbehoerde": ["demo-aufenthalt-2"]}),
    S("asylum seeker: Wohnsitzauflage § 60 AsylG",
      dict(matter="wohnsitzauflage", gemeinde=BD, status="gestattung", age=30),
      "wa-gestattung", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("Duldung: Wohnsitzauflage § 61 (1d) AufenthG",
      dict(matter="wohnsitzauflage", gemeinde=MS, status="duldung", age=30),
      "wa-duldung", {"auslaenderbehoerde": ["demo-aufenthalt-2"]}),
    S("§ 25b: no § 12a, a condition may be in the permit",
      dict(matter="wohnsitzauflage", gemeinde=BD, status="ae_25b", age=40),
      "wa-sonstige", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("settlement permit: free choice of residence",
      dict(matter="wohnsitzauflage", gemeinde=MS, status="niederlassung", age=40), "wa-keine"),
    # --- Asylverfahren ----------------------------------------------------------------
    S("asylum procedure running: BAMF and refugee counselling",
      dict(matter="asylverfahren", gemeinde=MS, status="gestattung", age=30),
      "as-verfahren", {"bamf": [], "fluechtlingsberatung": ["demo-asyl-recht-1",
                                                            "demo-aufenthalt-3"]},
      changes={"recognition": {"auslaenderbehoerde", "bamf"},
               "rejection": {"auslaenderbehoerde", "fluechtlingsberatung"}}),
    S("after refusal, Duldung: Ausländerbehörde and refugee counselling",
      dict(matter="asylverfahren", gemeinde=BD, status="duldung", age=30),
      "as-duldung", {"auslaenderbehoerde": ["demo-aufenthalt-1"],
                     "fluechtlingsberatung": ["demo-asyl-recht-1", "demo-aufenthalt-3"]}),
    S("recognised: asylum procedure closed, revocation by the BAMF",
      dict(matter="asylverfahren", gemeinde=MS, status="ae_25_1", age=30),
      "as-abgeschlossen", {"auslaenderbehoerde": ["demo-aufenthalt-2"], "bamf": []}),
    # --- Einbürgerung -----------------------------------------------------------------
    S("settlement permit in Musterstadt: its own naturalisation office",
      dict(matter="einbuergerung", gemeinde=MS, status="niederlassung", age=40),
      "eb-anspruch", {"einbuergerungsbehoerde": ["demo-einbuergerung-2"]}),
    S("EU citizen in Beispieldorf: naturalisation office of the Kreis",
      dict(matter="einbuergerung", gemeinde=BD, status="eu", age=40),
      "eb-anspruch", {"einbuergerungsbehoerde": ["demo-einbuergerung-1"]}),
    S("recognised refugee in Düsseldorf: the kreisfreie Stadt",
      dict(matter="einbuergerung", gemeinde=DUESSELDORF, status="ae_25_2_fluechtling", age=35),
      "eb-anspruch", {"einbuergerungsbehoerde": "Düsseldorf"}),
    S("settlement permit in Stadt Aachen: not recorded",
      dict(matter="einbuergerung", gemeinde=AACHEN, status="niederlassung", age=35),
      "eb-anspruch", certain=False, reasons=["varies"]),
    S("naturalisation in January 2024: the old eight-year rule",
      dict(matter="einbuergerung", gemeinde=MS, status="niederlassung", age=40,
           day=dt.date(2024, 1, 15)),
      "eb-anspruch-2023", {"einbuergerungsbehoerde": ["demo-einbuergerung-2"]}),
    S("§ 24 holder: naturalisation excluded, ask the Ausländerbehörde",
      dict(matter="einbuergerung", gemeinde=PH, status="ae_24", age=35),
      "eb-titel-ausgeschlossen", {"auslaenderbehoerde": ["demo-aufenthalt-1"]}),
    S("Duldung: naturalisation not possible",
      dict(matter="einbuergerung", gemeinde=MS, status="duldung", age=35),
      "eb-asyl", {"fluechtlingsberatung": ["demo-asyl-recht-1", "demo-aufenthalt-3"]}),
    S("work permit: depends on its purpose",
      dict(matter="einbuergerung", gemeinde=MS, status="ae_erwerb", age=35),
      "eb-pruefen", certain=False, reasons=["varies"]),
    S("German citizen: nothing to do",
      dict(matter="einbuergerung", gemeinde=MS, status="deutsch", age=35), "eb-deutsch"),
    # --- Kinder- und Jugendhilfe ------------------------------------------------------
    S("child in Musterstadt: the Stadt's own Jugendamt (demo rule)",
      dict(matter="jugendhilfe", gemeinde=MS, status="gestattung", age=10),
      "jh-minderjaehrig", {"jugendamt": ["demo-bildung-1"]},
      changes={"age": {"jugendamt", "jmd"}}),
    S("child in Probehausen (mittlere Stadt, demo rule): Kreisjugendamt",
      dict(matter="jugendhilfe", gemeinde=PH, status="duldung", age=10),
      "jh-minderjaehrig", {"jugendamt": ["demo-familie-3", "demo-bildung-2"]}),
    S("teenager in Beispieldorf: Kreisjugendamt",
      dict(matter="jugendhilfe", gemeinde=BD, age=15),
      "jh-minderjaehrig", {"jugendamt": ["demo-familie-3", "demo-bildung-2"]}),
    S("child in Neuss: own Jugendamt possible, not recorded",
      dict(matter="jugendhilfe", gemeinde=NEUSS, age=8),
      "jh-minderjaehrig", {"jugendamt": "Neuss"}, certain=False, reasons=["varies"]),
    S("child in Bielefeld: Jugendamt of the kreisfreie Stadt",
      dict(matter="jugendhilfe", gemeinde=BIELEFELD, age=8),
      "jh-minderjaehrig", {"jugendamt": "Bielefeld"}),
    S("child in Stadt Aachen: not recorded",
      dict(matter="jugendhilfe", gemeinde=AACHEN, age=8),
      "jh-minderjaehrig", certain=False, reasons=["varies"]),
    S("19-year-old in Probehausen: help for young adults and the JMD",
      dict(matter="jugendhilfe", gemeinde=PH, status="ae_25_2_fluechtling", age=19),
      "jh-jungvolljaehrig", {"jugendamt": ["demo-familie-3", "demo-bildung-2"],
                             "jmd": ["demo-jmd-2", "demo-jmd-1", "national-jmd4you"]}),
    S("23-year-old: continued help only in exceptional cases",
      dict(matter="jugendhilfe", gemeinde=MS, age=23), "jh-fortsetzung", certain=False,
      reasons=["varies"]),
    S("35-year-old: youth welfare does not apply",
      dict(matter="jugendhilfe", gemeinde=MS, age=35), "jh-erwachsen", certain=False,
      reasons=["varies"]),
    # --- Kita und Schule --------------------------------------------------------------
    S("day care for a 3-year-old in Musterstadt: the Stadt's Jugendamt",
      dict(matter="kita", gemeinde=MS, status="gestattung", age=3),
      "kita", {"jugendamt": ["demo-bildung-1"]}),
    S("school for a 10-year-old asylum seeker: Schulamt and the KI",
      dict(matter="schule", gemeinde=BD, status="gestattung", age=10),
      "schule", {"schulamt": ["demo-bildung-3"],
                 "kommunales_integrationszentrum": ["demo-integrationszentrum-1",
                                                    "demo-integrationszentrum-3"]}),
    S("school-leaving certificate at 20: KI and JMD",
      dict(matter="schule", gemeinde=MS, status="ae_25_1", age=20), "schule-erwachsen"),
    # --- Migrationsberatung -----------------------------------------------------------
    S("8-year-old: the parents' counselling",
      dict(matter="migrationsberatung", gemeinde=MS, status="ae_25_1", age=8), "mb-kind"),
    S("15-year-old in Probehausen: JMD",
      dict(matter="migrationsberatung", gemeinde=PH, status="gestattung", age=15),
      "mb-jmd-jung", {"jmd": ["demo-jmd-2", "demo-jmd-1", "national-jmd4you"]}),
    S("27 with residence permit: still JMD, MBE from 28",
      dict(matter="migrationsberatung", gemeinde=MS, status="ae_25_2_fluechtling", age=27),
      "mb-jmd", {"jmd": ["demo-jmd-1", "national-jmd4you"]}, changes={"age": {"mbe"}}),
    S("20 with Duldung: Teilhabemanagement and JMD",
      dict(matter="migrationsberatung", gemeinde=BD, status="duldung", age=20),
      "mb-teilhabe", {"teilhabemanagement": ["demo-teilhabe-3", "demo-teilhabe-1",
                                             "demo-teilhabe-2"],
                      "jmd": ["demo-jmd-2", "demo-jmd-1", "national-jmd4you"]}),
    S("Ukrainian refugee, 28, in Musterstadt: MBE incl. the Ukraine service",
      dict(matter="migrationsberatung", gemeinde=MS, status="ae_24", age=28),
      "mb-mbe", {"mbe": ["demo-mbe-1", "demo-mbe-3", "national-mbeon"]}),
    S("asylum seeker, 40, in Probehausen: MBE (not the Ukraine service)",
      dict(matter="migrationsberatung", gemeinde=PH, status="gestattung", age=40),
      "mb-mbe", {"mbe": ["demo-mbe-2", "demo-mbe-1", "national-mbeon"]}),
    # --- Anerkennung ------------------------------------------------------------------
    S("recognition of a nursing diploma: Anerkennungsberatung",
      dict(matter="anerkennung", gemeinde=MS, status="ae_25_2_fluechtling", age=30),
      "an-beratung", {"anerkennungsberatung": ["demo-anerkennung-1", "demo-anerkennung-2"]}),
    # --- validity and conflicts ---------------------------------------------------------
    S("Probehausen's own Ausländerbehörde ended yesterday: the Kreis again",
      dict(matter="aufenthalt", gemeinde=PH, status="duldung", age=30),
      "au-abh", {"auslaenderbehoerde": ["demo-aufenthalt-1"]},
      extra=own_abh_probehausen(YESTERDAY)),
    S("Probehausen's own Ausländerbehörde until tomorrow: the Gemeinde, no entry yet",
      dict(matter="aufenthalt", gemeinde=PH, status="duldung", age=30),
      "au-abh", {"auslaenderbehoerde": []}, extra=own_abh_probehausen(TOMORROW)),
    S("two Kommune rules contradict each other: uncertain, KIM case management",
      dict(matter="anerkennung", gemeinde=MS, status="eu", age=30),
      None, certain=False, reasons=["conflict"], extra=CONFLICT),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('rules') / 'lotse.db'}")
    s.init()
    s.load_demo_if_empty()
    assert repository.seed(s) > 80
    return s


@pytest.fixture(scope="module")
def offers(store):
    return [o for o in store.offers() if o.office_kind]


def run(store, offers, inputs, extra):
    rules = repository.load_rules(store) + (extra or [])
    return lookup(store, rules, offers=offers, **inputs)


def rules_used(result) -> set[str]:
    d = result.decision
    return ({a.rule.key for a in d.answers}
            | {o.rule.key for a in d.answers for o in a.offices if o.rule})


@pytest.mark.parametrize(("inputs", "rule", "offices", "certain", "reasons", "changes",
                          "extra"), SCENARIOS)
def test_scenario(store, offers, inputs, rule, offices, certain, reasons, changes, extra):
    result = run(store, offers, inputs, extra)
    d = result.decision
    assert d.certain is certain, d.reasons
    assert set(reasons) <= set(d.reasons), d.reasons
    if rule is None:
        assert len(d.answers) != 1
        assert result.case_management or d.place.kommune_id != "demo"
        return
    assert [a.rule.key for a in d.answers] == [rule]
    answer = d.answers[0]
    kinds = [o.kind for o in answer.offices]
    for kind, expected in offices.items():
        assert kind in kinds, (kind, kinds)
        j = kinds.index(kind)
        if isinstance(expected, str):  # a carrier without directory entries
            assert carrier_name(answer.offices[j].level, d.place) == expected
        else:
            found = [o.id for o in result.entries[(0, j)]]
            assert set(found) == {stable_id(f"service:{k}") for k in expected}, found
    if answer.rule.none_needed:
        assert not answer.offices
    for event, kinds_after in (changes or {}).items():  # None: nothing changes then
        change = next((c for c in result.changes if c.event == event), None)
        if kinds_after is None:
            assert change is None, change
            continue
        assert change is not None, [c.event for c in result.changes]
        assert {o.kind for a in change.decision.answers for o in a.offices} == kinds_after


def test_every_shipped_rule_is_covered_by_a_scenario(store, offers):
    """Each default and demo rule decides (or places an office) in at least one row."""
    assert len(SCENARIOS) >= 40
    used = set()
    for p in SCENARIOS:
        inputs, *_, extra = p.values
        used |= rules_used(run(store, offers, inputs, extra))
    shipped = {r.key for r in repository.default_rules() + repository.demo_rules()}
    assert shipped - used == set()


def test_the_first_entry_is_the_gemeinde_own_office(store, offers):
    result = run(store, offers, dict(matter="lebensunterhalt", gemeinde=MS, status="duldung",
                                     age=30), None)
    assert result.entries[(0, 0)][0].id == stable_id("service:demo-leistungen-1")
