"""The codes the responsibility rules speak in, with German terms and public labels.

Every code is fixed here (the rules file and the editor form may only use
these); `de` is the German legal term shown to case managers and at the
counter, `label` an English msgid of the public gettext domain (`N_` marks
it for extraction; `app.i18n.gettext` translates it at render time).
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


@dataclass(frozen=True)
class Term:
    code: str
    de: str
    label: str  # English msgid, translated per UI language


@dataclass(frozen=True)
class OfficeKind(Term):
    authority: bool  # a public authority (responsible by law) or a programme/provider
    level: str  # default carrier level: gemeinde | kommune | land | bund | traeger


# --- matters: what the person needs --------------------------------------------------

MATTERS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("lebensunterhalt", "Lebensunterhalt (Geldleistungen)", N_("Money to live on")),
        Term("unterkunft", "Unterkunft und Wohnkosten", N_("Housing and housing costs")),
        Term(
            "gesundheit",
            "Krankenbehandlung und Krankenversicherung",
            N_("Medical care and health insurance"),
        ),
        Term(
            "bildung_teilhabe",
            "Bildung und Teilhabe (BuT)",
            N_("School trips, lunch and tutoring for children (Bildung und Teilhabe)"),
        ),
        Term("arbeitserlaubnis", "Erlaubnis zur Erwerbstätigkeit", N_("Permission to work")),
        Term("arbeitsvermittlung", "Arbeitssuche und Arbeitsvermittlung", N_("Finding work")),
        Term("integrationskurs", "Integrationskurs", N_("Integration course (German course)")),
        Term("aufenthalt", "Aufenthaltstitel, Verlängerung, Duldung", N_("Residence permit")),
        Term(
            "wohnsitzauflage",
            "Wohnsitzauflage / Wohnsitzregelung",
            N_("Obligation to live in a certain place (Wohnsitzauflage)"),
        ),
        Term("asylverfahren", "Asylverfahren", N_("Asylum procedure")),
        Term("einbuergerung", "Einbürgerung", N_("Naturalisation (German citizenship)")),
        Term(
            "jugendhilfe",
            "Kinder- und Jugendhilfe",
            N_("Support for children, young people and families (Jugendhilfe)"),
        ),
        Term("kita", "Kita und Kindertagespflege", N_("Day care for children (Kita)")),
        Term("schule", "Schule und Seiteneinstieg", N_("School")),
        Term(
            "migrationsberatung",
            "Migrationsberatung (JMD, MBE, Teilhabemanagement)",
            N_("Migration counselling"),
        ),
        Term(
            "anerkennung",
            "Anerkennung ausländischer Abschlüsse",
            N_("Recognition of foreign qualifications"),
        ),
    )
}

#: Taxonomy topics (directory/data/taxonomy.tsv) -> matters they usually concern.
TOPIC_MATTERS: dict[str, tuple[str, ...]] = {
    "sprache": ("integrationskurs",),
    "jmd": ("migrationsberatung",),
    "mbe": ("migrationsberatung",),
    "teilhabe": ("migrationsberatung",),
    "aufenthalt": ("aufenthalt", "wohnsitzauflage"),
    "einbuergerung": ("einbuergerung",),
    "asyl_recht": ("asylverfahren",),
    "leistungen": ("lebensunterhalt", "bildung_teilhabe"),
    "arbeit": ("arbeitsvermittlung", "arbeitserlaubnis"),
    "anerkennung": ("anerkennung",),
    "bildung": ("schule", "kita"),
    "wohnen": ("unterkunft",),
    "gesundheit": ("gesundheit",),
    "familie": ("jugendhilfe",),
}

#: The topic a matter's offers are filed under (orders directory entries).
MATTER_TOPICS: dict[str, tuple[str, ...]] = {}
for _topic, _matters in TOPIC_MATTERS.items():
    for _m in _matters:
        MATTER_TOPICS.setdefault(_m, ())
        MATTER_TOPICS[_m] += (_topic,)

# --- residence statuses ---------------------------------------------------------------

STATUSES: dict[str, Term] = {
    t.code: t
    for t in (
        Term(
            "gestattung",
            "Aufenthaltsgestattung (§ 55 AsylG)",
            N_("Asylum seeker (Aufenthaltsgestattung)"),
        ),
        Term("duldung", "Duldung (§ 60a AufenthG)", N_("Tolerated stay (Duldung)")),
        Term(
            "ae_25_1",
            "Aufenthaltserlaubnis § 25 Abs. 1 AufenthG (Asylberechtigung)",
            N_("Residence permit § 25 (1): recognised as entitled to asylum"),
        ),
        Term(
            "ae_25_2_fluechtling",
            "Aufenthaltserlaubnis § 25 Abs. 2 Satz 1 Alt. 1 AufenthG (Flüchtlingseigenschaft)",
            N_("Residence permit § 25 (2): recognised refugee"),
        ),
        Term(
            "ae_25_2_subsidiaer",
            "Aufenthaltserlaubnis § 25 Abs. 2 Satz 1 Alt. 2 AufenthG (subsidiärer Schutz)",
            N_("Residence permit § 25 (2): subsidiary protection"),
        ),
        Term(
            "ae_25_3",
            "Aufenthaltserlaubnis § 25 Abs. 3 AufenthG (Abschiebungsverbot)",
            N_("Residence permit § 25 (3): ban on deportation"),
        ),
        Term(
            "ae_25_4",
            "Aufenthaltserlaubnis § 25 Abs. 4 Satz 1 AufenthG (vorübergehender Aufenthalt)",
            N_("Residence permit § 25 (4): temporary stay"),
        ),
        Term(
            "ae_25_5",
            "Aufenthaltserlaubnis § 25 Abs. 5 AufenthG (Ausreise unmöglich)",
            N_("Residence permit § 25 (5): departure impossible"),
        ),
        Term(
            "ae_24",
            "Aufenthaltserlaubnis § 24 AufenthG (vorübergehender Schutz, z. B. Ukraine)",
            N_("Residence permit § 24: temporary protection (e.g. Ukraine)"),
        ),
        Term(
            "ae_23_aufnahme",
            "Aufenthaltserlaubnis § 23 Abs. 2 oder 4 AufenthG (Aufnahmeprogramm, Resettlement)",
            N_("Residence permit § 23 (2) or (4): admission programme"),
        ),
        Term(
            "ae_25a",
            "Aufenthaltserlaubnis § 25a AufenthG (gut integrierte junge Menschen)",
            N_("Residence permit § 25a: well-integrated young people"),
        ),
        Term(
            "ae_25b",
            "Aufenthaltserlaubnis § 25b AufenthG (nachhaltige Integration)",
            N_("Residence permit § 25b: sustainable integration"),
        ),
        Term(
            "ae_104c",
            "Chancen-Aufenthaltsrecht § 104c AufenthG",
            N_("Opportunity residence permit § 104c"),
        ),
        Term(
            "ae_familie",
            "Aufenthaltserlaubnis zum Familiennachzug (§§ 27–36 AufenthG)",
            N_("Residence permit for family reunification"),
        ),
        Term(
            "ae_erwerb",
            "Aufenthaltserlaubnis für Ausbildung, Studium oder Arbeit (§§ 16–21 AufenthG)",
            N_("Residence permit for training, study or work"),
        ),
        Term("ae_sonstige", "Andere Aufenthaltserlaubnis", N_("Another residence permit")),
        Term(
            "niederlassung",
            "Niederlassungserlaubnis / Daueraufenthalt-EU (§§ 9, 9a, 26 AufenthG)",
            N_("Settlement permit (Niederlassungserlaubnis)"),
        ),
        Term(
            "eu",
            "Unionsbürger/in, EWR oder Schweiz (FreizügG/EU)",
            N_("Citizen of the EU, the EEA or Switzerland"),
        ),
        Term("deutsch", "Deutsche Staatsangehörigkeit", N_("German citizen")),
    )
}

#: Coarse groups the directory's offers use for their target group (Service.residence_statuses).
OFFER_STATUS: dict[str, str] = {
    "gestattung": "gestattung",
    "duldung": "duldung",
    "niederlassung": "niederlassungserlaubnis",
    "eu": "eu",
    "deutsch": "deutsch",
}


def offer_status(status: str) -> str:
    return OFFER_STATUS.get(status, "aufenthaltserlaubnis")


# --- current benefits -------------------------------------------------------------------

BENEFITS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("asylblg", "Leistungen nach dem AsylbLG", N_("Benefits for asylum seekers (AsylbLG)")),
        Term("buergergeld", "Bürgergeld (SGB II)", N_("Bürgergeld from the Jobcenter")),
        Term("sgb12", "Sozialhilfe / Grundsicherung (SGB XII)", N_("Social assistance (SGB XII)")),
        Term("employed", "erwerbstätig, ohne Sozialleistung", N_("Working, no benefits")),
        Term("none", "keine Leistungen", N_("No benefits")),
    )
}

# --- offices --------------------------------------------------------------------------

LEVELS = ("gemeinde", "kommune", "land", "bund", "traeger")

OFFICE_KINDS: dict[str, OfficeKind] = {
    t.code: t
    for t in (
        OfficeKind(
            "auslaenderbehoerde",
            "Ausländerbehörde",
            N_("Immigration office (Ausländerbehörde)"),
            True,
            "kommune",
        ),
        OfficeKind(
            "einbuergerungsbehoerde",
            "Einbürgerungsbehörde",
            N_("Naturalisation office (Einbürgerungsbehörde)"),
            True,
            "kommune",
        ),
        OfficeKind(
            "sozialamt", "Sozialamt", N_("Social welfare office (Sozialamt)"), True, "gemeinde"
        ),
        OfficeKind("jobcenter", "Jobcenter", N_("Job centre (Jobcenter)"), True, "kommune"),
        OfficeKind(
            "agentur_fuer_arbeit",
            "Agentur für Arbeit",
            N_("Employment agency (Agentur für Arbeit)"),
            True,
            "bund",
        ),
        OfficeKind(
            "jugendamt", "Jugendamt", N_("Youth welfare office (Jugendamt)"), True, "kommune"
        ),
        OfficeKind("schulamt", "Schulamt", N_("School office (Schulamt)"), True, "kommune"),
        OfficeKind(
            "wohngeldstelle",
            "Wohngeldstelle",
            N_("Housing benefit office (Wohngeldstelle)"),
            True,
            "gemeinde",
        ),
        OfficeKind(
            "but_stelle",
            "Servicestelle Bildung und Teilhabe",
            N_("Office for education and participation benefits (BuT)"),
            True,
            "kommune",
        ),
        OfficeKind(
            "bamf",
            "Bundesamt für Migration und Flüchtlinge (BAMF)",
            N_("Federal Office for Migration and Refugees (BAMF)"),
            True,
            "bund",
        ),
        OfficeKind(
            "integrationskurstraeger",
            "Integrationskursträger",
            N_("Integration course provider"),
            False,
            "traeger",
        ),
        OfficeKind(
            "jmd",
            "Jugendmigrationsdienst (JMD)",
            N_("Youth migration service (JMD)"),
            False,
            "traeger",
        ),
        OfficeKind(
            "mbe",
            "Migrationsberatung für Erwachsene (MBE)",
            N_("Migration counselling for adults (MBE)"),
            False,
            "traeger",
        ),
        OfficeKind(
            "teilhabemanagement",
            "Teilhabemanagement",
            N_("Participation management (Teilhabemanagement)"),
            False,
            "traeger",
        ),
        OfficeKind(
            "fluechtlingsberatung",
            "Flüchtlings- und Asylverfahrensberatung",
            N_("Refugee and asylum counselling"),
            False,
            "traeger",
        ),
        OfficeKind(
            "anerkennungsberatung",
            "Anerkennungsberatung",
            N_("Advice on recognition of qualifications"),
            False,
            "traeger",
        ),
        OfficeKind(
            "kommunales_integrationszentrum",
            "Kommunales Integrationszentrum",
            N_("Municipal integration centre (Kommunales Integrationszentrum)"),
            False,
            "kommune",
        ),
        OfficeKind(
            "kim_case_management",
            "KIM Case Management",
            N_("KIM case management"),
            False,
            "kommune",
        ),
    )
}

# --- legal domains ------------------------------------------------------------------------

#: Legal domains are terms of art: shown in German in every language (label = German).
LEGAL_DOMAINS: dict[str, Term] = {
    t.code: t
    for t in (
        Term(code, de, de)
        for code, de in (
            ("AsylbLG", "Asylbewerberleistungsgesetz (AsylbLG)"),
            ("SGB II", "SGB II – Grundsicherung für Arbeitsuchende (Bürgergeld)"),
            ("SGB III", "SGB III – Arbeitsförderung"),
            ("SGB VIII", "SGB VIII – Kinder- und Jugendhilfe"),
            ("SGB XII", "SGB XII – Sozialhilfe"),
            ("AufenthG", "Aufenthaltsgesetz (AufenthG)"),
            ("AsylG", "Asylgesetz (AsylG)"),
            ("StAG", "Staatsangehörigkeitsgesetz (StAG)"),
            ("SchulG NRW", "Schulgesetz NRW"),
            ("WoGG", "Wohngeldgesetz (WoGG)"),
            ("BQFG", "Berufsqualifikationsfeststellungsgesetze (Bund und NRW)"),
            ("Programm", "Förderprogramm (Bund/Land)"),
        )
    )
}

# --- what changes next ---------------------------------------------------------------------

#: Status changes the lookup tries out to say "what changes next": event -> new status.
TRANSITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "gestattung": (("recognition", "ae_25_2_fluechtling"), ("rejection", "duldung")),
    "duldung": (("bleiberecht", "ae_25b"),),
    "ae_104c": (("bleiberecht", "ae_25b"), ("rejection", "duldung")),
    "ae_25_1": (("settlement", "niederlassung"),),
    "ae_25_2_fluechtling": (("settlement", "niederlassung"),),
    "ae_25_2_subsidiaer": (("settlement", "niederlassung"),),
    "ae_25_3": (("settlement", "niederlassung"),),
    "ae_23_aufnahme": (("settlement", "niederlassung"),),
    "ae_25a": (("settlement", "niederlassung"),),
    "ae_25b": (("settlement", "niederlassung"),),
    "ae_familie": (("settlement", "niederlassung"),),
    "niederlassung": (("naturalisation", "deutsch"),),
    "eu": (("naturalisation", "deutsch"),),
}

EVENTS: dict[str, Term] = {
    t.code: t
    for t in (
        Term(
            "recognition",
            "Bei Anerkennung (Schutzstatus durch das BAMF)",
            N_("If protection is granted (recognition)"),
        ),
        Term(
            "rejection",
            "Bei Ablehnung und Duldung",
            N_("If the application is refused and a Duldung follows"),
        ),
        Term(
            "bleiberecht",
            "Bei einer Aufenthaltserlaubnis (Bleiberecht, z. B. § 25b AufenthG)",
            N_("If a residence permit is granted (right to stay)"),
        ),
        Term("settlement", "Mit der Niederlassungserlaubnis", N_("With a settlement permit")),
        Term("naturalisation", "Nach der Einbürgerung", N_("After naturalisation")),
        # shown with their number or their German text only, so not translated
        Term("age", "Mit Erreichen des Alters", "Mit Erreichen des Alters"),
        Term("note", "Hinweis", "Hinweis"),
    )
}

RULE_TYPES = ("matter", "office")
SCOPES = ("nrw", "kommune", "gemeinde")
CERTAINTIES = ("certain", "varies")
KOMMUNE_KINDS = ("kreisfreie_stadt", "kreis", "staedteregion", "regionsangehoerige_stadt")
GEMEINDE_STATUSES = (
    "kreisfreie_stadt",
    "regionsangehoerige_stadt_aachen",
    "grosse_kreisangehoerige_stadt",
    "mittlere_kreisangehoerige_stadt",
    "stadt",
    "gemeinde",
)

#: Why an answer is not certain (API `reasons`), with what the page says about it.
REASONS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("no_rule", "Keine Regel trifft zu.", N_("There is no rule for this situation.")),
        Term(
            "conflict",
            "Mehrere Regeln widersprechen sich.",
            N_("The rules for this situation contradict each other."),
        ),
        Term(
            "varies",
            "Die Praxis ist vor Ort unterschiedlich oder die Rechtslage im Fluss.",
            N_("This depends on local practice or on details of the case."),
        ),
        Term(
            "missing_age", "Das Alter fehlt.", N_("The answer depends on the age. Please enter it.")
        ),
        Term(
            "missing_status",
            "Der Aufenthaltsstatus fehlt.",
            N_("The answer depends on the residence status. Please choose it."),
        ),
        Term(
            "missing_gemeinde",
            "Die Gemeinde fehlt.",
            N_("The answer depends on the town or municipality. Please choose it."),
        ),
    )
}
